import t from 'tap'
import { buildApp } from '../../fastify.config.js'
import { checkResponsesAgainstSpec, testConfig } from '../helpers/build.js'
import { bearer, bootstrapAdmin, buildWithMail, post, signUpVerified, staffSignIn, uniqueEmail, PASSWORD, type Tokens } from '../helpers/identity.js'
import { startSmtpCatcher } from '../helpers/smtp.js'

const NEW_PASSWORD = 'lavender harbour 31'

t.test('bootstrap → admin creates a moderator → temporary password → change → two-step sign-in', async (t) => {
  const harness = await buildWithMail(t)
  const { app, smtp } = harness
  const admin = await bootstrapAdmin(harness)

  const closed = await post(app, '/api/v1/admin/staff', { email: uniqueEmail('late'), name: 'Too Late', role: 'ADMIN', password: PASSWORD })
  t.equal(closed.statusCode, 403, 'once an admin exists, the anonymous path is closed')
  t.same(closed.json(), {
    type: 'urn:commerce-api:problem:bootstrap-closed',
    title: 'Forbidden',
    status: 403,
    detail: 'The shop already has an admin; sign in as an admin to create staff.',
    instance: '/api/v1/admin/staff',
    code: 'BOOTSTRAP_CLOSED'
  })

  const moderatorEmail = uniqueEmail('moderator')
  const withPassword = await post(app, '/api/v1/admin/staff', { email: moderatorEmail, name: 'Mo Derator', role: 'MODERATOR', password: PASSWORD }, bearer(admin))
  t.equal(withPassword.statusCode, 400, 'an admin cannot choose the new account\'s password')
  t.equal(withPassword.json().errors[0].pointer, '/body/password')

  const created = await post(app, '/api/v1/admin/staff', { email: moderatorEmail, name: 'Mo Derator', role: 'MODERATOR' }, bearer(admin))
  t.equal(created.statusCode, 201)
  const moderator = created.json()
  t.match(moderator, { email: moderatorEmail, name: 'Mo Derator', role: 'MODERATOR', status: 'ACTIVE', mustChangePassword: true })
  t.equal(created.headers.location, `/api/v1/admin/staff/${moderator.id as string}`)

  const credentials = await smtp.nextMessage(moderatorEmail)
  t.equal(credentials.subject, 'Your staff account')
  const temporaryPassword = credentials.text?.trim().split('\n').at(-1) ?? ''
  t.match(temporaryPassword, /^[\w-]{20}$/, 'the email carries a generated temporary password')
  t.ok(String(credentials.html).includes(temporaryPassword), 'in the HTML part too')

  const customerSignIn = await post(app, '/api/v1/auth/signin', { email: moderatorEmail, password: temporaryPassword })
  t.equal(customerSignIn.statusCode, 401, 'staff do not sign in through the customer door')

  const wrongStep1 = await post(app, '/api/v1/admin/auth/signin', { email: moderatorEmail, password: 'not the temporary one' })
  t.equal(wrongStep1.statusCode, 401)
  t.equal(wrongStep1.json().code, 'INVALID_CREDENTIALS')

  const step1 = await post(app, '/api/v1/admin/auth/signin', { email: moderatorEmail, password: temporaryPassword })
  t.equal(step1.statusCode, 202)
  t.match(step1.json(), { challengeId: /^[0-9a-f-]{36}$/, expiresIn: 600 })
  t.same(Object.keys(step1.json()).sort(), ['challengeId', 'expiresIn'], 'step one issues no token')
  const signInMail = await smtp.nextMessage(moderatorEmail)
  const code = /(\d{6})/.exec(signInMail.subject ?? '')?.[1] ?? ''
  const wrongCode = await post(app, '/api/v1/admin/auth/verify', { challengeId: step1.json().challengeId, code: code === '000000' ? '111111' : '000000' })
  t.equal(wrongCode.statusCode, 400)
  const unknownChallenge = await post(app, '/api/v1/admin/auth/verify', { challengeId: '0193b1e4-7c1a-7d2e-9f3a-1b2c3d4e5f60', code })
  t.equal(unknownChallenge.json().code, 'INVALID_CODE')
  const step2 = await post(app, '/api/v1/admin/auth/verify', { challengeId: step1.json().challengeId, code })
  t.equal(step2.statusCode, 200)
  const pending = step2.json<Tokens>()

  const blocked = await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(pending) })
  t.equal(blocked.statusCode, 403, 'nothing but a password change until the temporary password is replaced')
  t.equal(blocked.json().code, 'PASSWORD_CHANGE_REQUIRED')

  const changed = await post(app, '/api/v1/auth/password/change', { currentPassword: temporaryPassword, newPassword: NEW_PASSWORD }, bearer(pending))
  t.equal(changed.statusCode, 204)
  const me = await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(pending) })
  t.equal(me.statusCode, 200)
  t.match(me.json(), { role: 'MODERATOR', mustChangePassword: false })

  const fresh = await staffSignIn(harness, moderatorEmail, NEW_PASSWORD)
  const moderatorOnAdminRoute = await app.inject({ method: 'GET', url: '/api/v1/admin/staff', headers: bearer(fresh) })
  t.equal(moderatorOnAdminRoute.statusCode, 403, 'a moderator is not an admin')
  const moderatorCreates = await post(app, '/api/v1/admin/staff', { email: uniqueEmail('x'), name: 'X', role: 'ADMIN' }, bearer(fresh))
  t.equal(moderatorCreates.statusCode, 403)

  const customer = await signUpVerified(harness)
  const customerCreates = await post(app, '/api/v1/admin/staff', { email: uniqueEmail('y'), name: 'Y', role: 'ADMIN' }, bearer(customer))
  t.equal(customerCreates.statusCode, 401, 'a customer token is refused on staff routes')
  const customerAtStaffDoor = await post(app, '/api/v1/admin/auth/signin', { email: customer.email, password: PASSWORD })
  t.equal(customerAtStaffDoor.statusCode, 401, 'customers do not sign in through the staff door')
})

t.test('admins list, disable and re-enable staff; a disabled account is locked out at once', async (t) => {
  const harness = await buildWithMail(t)
  const { app, smtp } = harness
  const admin = await bootstrapAdmin(harness)
  const emails = [uniqueEmail('m1'), uniqueEmail('m2'), uniqueEmail('m3')]
  const ids: string[] = []
  for (const email of emails) {
    ids.push((await post(app, '/api/v1/admin/staff', { email, name: 'Moderator', role: 'MODERATOR' }, bearer(admin))).json().id)
    await smtp.nextMessage(email)
  }

  const seen: string[] = []
  let cursor: string | null = null
  do {
    const page: { statusCode: number, json: <T>() => T } = await app.inject({ method: 'GET', url: `/api/v1/admin/staff?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`, headers: bearer(admin) })
    t.equal(page.statusCode, 200)
    const body: { items: Array<{ id: string }>, nextCursor: string | null } = page.json()
    t.ok(body.items.length <= 2)
    seen.push(...body.items.map((item) => item.id))
    cursor = body.nextCursor
  } while (cursor !== null)
  t.same(seen, [admin.id, ...ids], 'every staff account once, oldest first')

  const badCursor = await app.inject({ method: 'GET', url: '/api/v1/admin/staff?cursor=garbage', headers: bearer(admin) })
  t.equal(badCursor.statusCode, 400)
  t.equal(badCursor.json().code, 'INVALID_CURSOR')
  const badLimit = await app.inject({ method: 'GET', url: '/api/v1/admin/staff?limit=1000', headers: bearer(admin) })
  t.equal(badLimit.statusCode, 400)

  // The first moderator changes their password and signs in.
  const firstEmail = emails[0] as string
  const temporary = await post(app, '/api/v1/auth/password/forgot', { email: firstEmail })
  t.equal(temporary.statusCode, 202)
  const resetCode = /(\d{6})/.exec((await smtp.nextMessage(firstEmail)).subject ?? '')?.[1] ?? ''
  t.equal((await post(app, '/api/v1/auth/password/reset', { email: firstEmail, code: resetCode, newPassword: NEW_PASSWORD })).statusCode, 204)
  const moderatorTokens = await staffSignIn(harness, firstEmail, NEW_PASSWORD)
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(moderatorTokens) })).statusCode, 200)

  const disabled = await app.inject({ method: 'PATCH', url: `/api/v1/admin/staff/${ids[0] as string}`, headers: bearer(admin), payload: { status: 'DISABLED' } })
  t.equal(disabled.statusCode, 200)
  t.match(disabled.json(), { id: ids[0], status: 'DISABLED' })
  const lockedOut = await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(moderatorTokens) })
  t.equal(lockedOut.statusCode, 401, 'the disabled account\'s tokens stop working at once')
  t.equal((await post(app, '/api/v1/auth/refresh', { refreshToken: moderatorTokens.refreshToken })).statusCode, 401)
  const cannotSignIn = await post(app, '/api/v1/admin/auth/signin', { email: firstEmail, password: NEW_PASSWORD })
  t.equal(cannotSignIn.statusCode, 401)
  t.equal(cannotSignIn.json().code, 'ACCOUNT_DISABLED')

  const enabled = await app.inject({ method: 'PATCH', url: `/api/v1/admin/staff/${ids[0] as string}`, headers: bearer(admin), payload: { status: 'ACTIVE', name: 'Renamed' } })
  t.match(enabled.json(), { status: 'ACTIVE', name: 'Renamed' })
  await staffSignIn(harness, firstEmail, NEW_PASSWORD)

  const promoted = await app.inject({ method: 'PATCH', url: `/api/v1/admin/staff/${ids[1] as string}`, headers: bearer(admin), payload: { role: 'ADMIN' } })
  t.match(promoted.json(), { role: 'ADMIN' })

  const selfDisable = await app.inject({ method: 'PATCH', url: `/api/v1/admin/staff/${admin.id}`, headers: bearer(admin), payload: { status: 'DISABLED' } })
  t.equal(selfDisable.statusCode, 409)
  t.equal(selfDisable.json().code, 'CANNOT_CHANGE_OWN_ACCESS')
  const selfDemote = await app.inject({ method: 'PATCH', url: `/api/v1/admin/staff/${admin.id}`, headers: bearer(admin), payload: { role: 'MODERATOR' } })
  t.equal(selfDemote.statusCode, 409)

  const customer = await signUpVerified(harness)
  const customerId = (await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(customer) })).json().id as string
  const notStaff = await app.inject({ method: 'PATCH', url: `/api/v1/admin/staff/${customerId}`, headers: bearer(admin), payload: { status: 'DISABLED' } })
  t.equal(notStaff.statusCode, 404, 'customers are not managed here')
  const unknown = await app.inject({ method: 'PATCH', url: '/api/v1/admin/staff/0193b1e4-7c1a-7d2e-9f3a-1b2c3d4e5f60', headers: bearer(admin), payload: { status: 'DISABLED' } })
  t.equal(unknown.statusCode, 404)
  const malformed = await app.inject({ method: 'PATCH', url: '/api/v1/admin/staff/not-a-uuid', headers: bearer(admin), payload: { status: 'DISABLED' } })
  t.equal(malformed.statusCode, 400)
  t.equal(malformed.json().errors[0].pointer, '/params/id')
  const empty = await app.inject({ method: 'PATCH', url: `/api/v1/admin/staff/${ids[2] as string}`, headers: bearer(admin), payload: {} })
  t.equal(empty.statusCode, 400)
  const massAssignment = await app.inject({ method: 'PATCH', url: `/api/v1/admin/staff/${ids[2] as string}`, headers: bearer(admin), payload: { email: 'new@example.com' } })
  t.equal(massAssignment.statusCode, 400)
})

t.test('the first-admin bootstrap validates its input', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const moderator = await post(app, '/api/v1/admin/staff', { email: uniqueEmail(), name: 'M', role: 'MODERATOR', password: PASSWORD })
  t.equal(moderator.statusCode, 400)
  t.same(moderator.json().errors, [{ pointer: '/body/role', detail: 'must be ADMIN for the first staff account' }])
  const noPassword = await post(app, '/api/v1/admin/staff', { email: uniqueEmail(), name: 'A', role: 'ADMIN' })
  t.same(noPassword.json().errors, [{ pointer: '/body/password', detail: 'is required for the first admin' }])
  const anonymousList = await app.inject({ method: 'GET', url: '/api/v1/admin/staff' })
  t.equal(anonymousList.statusCode, 401)
})

t.test('with ADMIN_BOOTSTRAP_TOKEN set, the first admin needs the header', async (t) => {
  const token = 'bootstrap-token-0123456789abcdef'
  const harness = await buildWithMail(t, { ADMIN_BOOTSTRAP_TOKEN: token })
  const body = { email: uniqueEmail('owner'), name: 'Owner', role: 'ADMIN', password: PASSWORD }
  const missing = await post(harness.app, '/api/v1/admin/staff', body)
  t.equal(missing.statusCode, 403)
  t.equal(missing.json().code, 'BOOTSTRAP_TOKEN_INVALID')
  const wrong = await post(harness.app, '/api/v1/admin/staff', body, { 'x-admin-bootstrap-token': `${token}x` })
  t.equal(wrong.statusCode, 403)
  const right = await post(harness.app, '/api/v1/admin/staff', body, { 'x-admin-bootstrap-token': token })
  t.equal(right.statusCode, 201)
  t.match(right.json(), { role: 'ADMIN', status: 'ACTIVE', mustChangePassword: false })
})

t.test('twenty concurrent bootstraps across two instances create exactly one admin', async (t) => {
  const smtp = await startSmtpCatcher(t)
  const config = await testConfig(t, { SMTP_URL: smtp.url })
  const instances = await Promise.all([buildApp(config), buildApp(config)])
  for (const app of instances) {
    t.teardown(async () => { await app.close() })
    await app.ready()
    checkResponsesAgainstSpec(app)
  }
  const attempts = await Promise.all(Array.from({ length: 20 }, async (_, index) =>
    await post(instances[index % 2]!, '/api/v1/admin/staff', { email: uniqueEmail(`racer${index}`), name: `Racer ${index}`, role: 'ADMIN', password: PASSWORD })))
  const statuses = attempts.map((response) => response.statusCode)
  t.equal(statuses.filter((status) => status === 201).length, 1, 'one admin created')
  t.equal(statuses.filter((status) => status === 403).length, 19, 'the others see the bootstrap closed')
  const admins = await instances[0]!.orm.em.fork().execute<Array<{ count: string }>>("select count(*) from users where role = 'ADMIN'")
  t.equal(Number(admins[0]?.count), 1)
})

t.test('the shop always keeps an active admin, even when two admins act at once', async (t) => {
  const harness = await buildWithMail(t)
  const { app, smtp } = harness
  const first = await bootstrapAdmin(harness)
  const secondEmail = uniqueEmail('admin2')
  const secondId = (await post(app, '/api/v1/admin/staff', { email: secondEmail, name: 'Second', role: 'ADMIN' }, bearer(first))).json().id as string
  const temporary = (await smtp.nextMessage(secondEmail)).text?.trim().split('\n').at(-1) ?? ''
  const pending = await staffSignIn(harness, secondEmail, temporary)
  await post(app, '/api/v1/auth/password/change', { currentPassword: temporary, newPassword: NEW_PASSWORD }, bearer(pending))
  const second = await staffSignIn(harness, secondEmail, NEW_PASSWORD)

  // Each demotes the other at the same moment: one change wins, the other would leave no admin.
  const [a, b] = await Promise.all([
    app.inject({ method: 'PATCH', url: `/api/v1/admin/staff/${secondId}`, headers: bearer(first), payload: { role: 'MODERATOR' } }),
    app.inject({ method: 'PATCH', url: `/api/v1/admin/staff/${first.id}`, headers: bearer(second), payload: { status: 'DISABLED' } })
  ])
  t.equal([a, b].filter((response) => response.statusCode === 200).length, 1, 'exactly one change applied')
  // The other is refused: as the last admin (409), or because the winner already took its caller's access (401, 403).
  const refused = [a, b].find((response) => response.statusCode !== 200)
  t.ok([401, 403, 409].includes(refused?.statusCode ?? 0), `the other is refused (${refused?.statusCode ?? 0})`)
  const [{ count }] = await app.orm.em.fork().execute<Array<{ count: string }>>("select count(*) from users where role = 'ADMIN' and disabled_at is null") as [{ count: string }]
  t.equal(Number(count), 1, 'one active admin remains')

  const bootstrap = await post(app, '/api/v1/admin/staff', { email: uniqueEmail('intruder'), name: 'Intruder', role: 'MODERATOR' })
  t.equal(bootstrap.statusCode, 403, 'the bootstrap stays closed, and says so before judging the input')
  t.equal(bootstrap.json().code, 'BOOTSTRAP_CLOSED')
})

t.test('the last active admin cannot be disabled or demoted by anyone', async (t) => {
  const harness = await buildWithMail(t)
  const { app, smtp } = harness
  const admin = await bootstrapAdmin(harness)
  const otherEmail = uniqueEmail('admin2')
  const otherId = (await post(app, '/api/v1/admin/staff', { email: otherEmail, name: 'Other', role: 'ADMIN' }, bearer(admin))).json().id as string
  await smtp.nextMessage(otherEmail)
  t.equal((await app.inject({ method: 'PATCH', url: `/api/v1/admin/staff/${otherId}`, headers: bearer(admin), payload: { status: 'DISABLED' } })).statusCode, 200)
  const demoteSelf = await app.inject({ method: 'PATCH', url: `/api/v1/admin/staff/${admin.id}`, headers: bearer(admin), payload: { role: 'MODERATOR' } })
  t.equal(demoteSelf.statusCode, 409)
  const enable = await app.inject({ method: 'PATCH', url: `/api/v1/admin/staff/${otherId}`, headers: bearer(admin), payload: { status: 'ACTIVE', role: 'MODERATOR' } })
  t.match(enable.json(), { status: 'ACTIVE', role: 'MODERATOR' })
})

t.test('staff cannot skip the two-step sign-in through the customer code routes', async (t) => {
  const harness = await buildWithMail(t)
  const { app, smtp } = harness
  const admin = await bootstrapAdmin(harness)
  const email = uniqueEmail('moderator')
  await post(app, '/api/v1/admin/staff', { email, name: 'Mo', role: 'MODERATOR' }, bearer(admin))
  await smtp.nextMessage(email)
  const resend = await post(app, '/api/v1/auth/resend-code', { email })
  t.equal(resend.statusCode, 202)
  const verify = await post(app, '/api/v1/auth/verify-email', { email, code: '123456' })
  t.equal(verify.statusCode, 400)
  t.equal(verify.json().code, 'INVALID_CODE')
  await app.close()
  t.equal(smtp.messages.filter((message) => message.subject?.startsWith('Your verification code')).length, 0, 'no verification code is sent to staff')
})
