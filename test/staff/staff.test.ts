import t from 'tap'
import type { ParsedMail } from 'mailparser'
import type { components } from '../../openapi/schema.js'
import { buildApp } from '../../fastify.config.js'
import { checkResponsesAgainstSpec, testConfig } from '../helpers/build.js'
import { injectClient, type ApiClient } from '../helpers/client.js'
import { concurrently, settled } from '../helpers/concurrency.js'
import { bearer, bootstrapAdmin, buildWithMail, codeInSubject, signUpVerified, staffSignIn, uniqueEmail, wrongCode, PASSWORD } from '../helpers/identity.js'
import { problem } from '../helpers/problems.js'
import { startSmtpCatcher } from '../helpers/smtp.js'

const NEW_PASSWORD = 'lavender harbour 31'

/** The generated temporary password, the last line of the new staff member's email. */
function temporaryPasswordIn (mail: ParsedMail): string {
  return mail.text?.trim().split('\n').at(-1) ?? ''
}

/** An admin's change to the staff account `id`. */
async function updateStaff (api: ApiClient, tokens: { accessToken: string }, id: string, body: components['schemas']['UpdateStaffRequest']) {
  return await api.PATCH('/api/v1/admin/staff/{id}', { headers: bearer(tokens), params: { path: { id } }, body })
}

t.test('bootstrap → admin creates a moderator → temporary password → change → two-step sign-in', async (t) => {
  const harness = await buildWithMail(t)
  const { api, smtp } = harness
  const admin = await bootstrapAdmin(harness)

  const closed = await api.POST('/api/v1/admin/staff', { body: { email: uniqueEmail('late'), name: 'Too Late', role: 'ADMIN', password: PASSWORD } })
  t.equal(closed.response.status, 403, 'once an admin exists, the anonymous path is closed')
  t.same(closed.error, problem(403, 'BOOTSTRAP_CLOSED', 'The shop already has an admin; sign in as an admin to create staff.', '/api/v1/admin/staff'))

  const moderatorEmail = uniqueEmail('moderator')
  const withPassword = await api.POST('/api/v1/admin/staff', { headers: bearer(admin), body: { email: moderatorEmail, name: 'Mo Derator', role: 'MODERATOR', password: PASSWORD } })
  t.equal(withPassword.response.status, 400, 'an admin cannot choose the new account\'s password')
  t.equal(withPassword.error?.errors?.[0]?.pointer, '/body/password')

  const created = await api.POST('/api/v1/admin/staff', { headers: bearer(admin), body: { email: moderatorEmail, name: 'Mo Derator', role: 'MODERATOR' } })
  t.equal(created.response.status, 201)
  const moderator = created.data!
  t.match(moderator, { email: moderatorEmail, name: 'Mo Derator', role: 'MODERATOR', status: 'ACTIVE', mustChangePassword: true })
  t.equal(created.response.headers.get('location'), `/api/v1/admin/staff/${moderator.id}`)

  const credentials = await smtp.nextMessage(moderatorEmail)
  t.equal(credentials.subject, 'Your staff account')
  const temporaryPassword = temporaryPasswordIn(credentials)
  t.match(temporaryPassword, /^[\w-]{20}$/, 'the email carries a generated temporary password')
  t.ok(String(credentials.html).includes(temporaryPassword), 'in the HTML part too')

  const customerSignIn = await api.POST('/api/v1/auth/signin', { body: { email: moderatorEmail, password: temporaryPassword } })
  t.equal(customerSignIn.response.status, 401, 'staff do not sign in through the customer door')

  const wrongStep1 = await api.POST('/api/v1/admin/auth/signin', { body: { email: moderatorEmail, password: 'not the temporary one' } })
  t.equal(wrongStep1.response.status, 401)
  t.equal(wrongStep1.error?.code, 'INVALID_CREDENTIALS')

  const step1 = await api.POST('/api/v1/admin/auth/signin', { body: { email: moderatorEmail, password: temporaryPassword } })
  t.equal(step1.response.status, 202)
  const challenge = step1.data!
  t.match(challenge, { challengeId: /^[0-9a-f-]{36}$/, expiresIn: 600 })
  t.same(Object.keys(challenge).sort(), ['challengeId', 'expiresIn'], 'step one issues no token')
  const code = codeInSubject(await smtp.nextMessage(moderatorEmail))
  const wrong = await api.POST('/api/v1/admin/auth/verify', { body: { challengeId: challenge.challengeId, code: wrongCode(code) } })
  t.equal(wrong.response.status, 400)
  const unknownChallenge = await api.POST('/api/v1/admin/auth/verify', { body: { challengeId: '0193b1e4-7c1a-7d2e-9f3a-1b2c3d4e5f60', code } })
  t.equal(unknownChallenge.error?.code, 'INVALID_CODE')
  const step2 = await api.POST('/api/v1/admin/auth/verify', { body: { challengeId: challenge.challengeId, code } })
  t.equal(step2.response.status, 200)
  const pending = step2.data!

  const blocked = await api.GET('/api/v1/me', { headers: bearer(pending) })
  t.equal(blocked.response.status, 403, 'nothing but a password change until the temporary password is replaced')
  t.equal(blocked.error?.code, 'PASSWORD_CHANGE_REQUIRED')

  const changed = await api.POST('/api/v1/auth/password/change', { headers: bearer(pending), body: { currentPassword: temporaryPassword, newPassword: NEW_PASSWORD } })
  t.equal(changed.response.status, 204)
  const me = await api.GET('/api/v1/me', { headers: bearer(pending) })
  t.equal(me.response.status, 200)
  t.match(me.data, { role: 'MODERATOR', mustChangePassword: false })

  const fresh = await staffSignIn(harness, moderatorEmail, NEW_PASSWORD)
  const moderatorOnAdminRoute = await api.GET('/api/v1/admin/staff', { headers: bearer(fresh) })
  t.equal(moderatorOnAdminRoute.response.status, 403, 'a moderator is not an admin')
  const moderatorCreates = await api.POST('/api/v1/admin/staff', { headers: bearer(fresh), body: { email: uniqueEmail('x'), name: 'X', role: 'ADMIN' } })
  t.equal(moderatorCreates.response.status, 403)

  const customer = await signUpVerified(harness)
  const customerCreates = await api.POST('/api/v1/admin/staff', { headers: bearer(customer), body: { email: uniqueEmail('y'), name: 'Y', role: 'ADMIN' } })
  t.equal(customerCreates.response.status, 401, 'a customer token is refused on staff routes')
  const customerAtStaffDoor = await api.POST('/api/v1/admin/auth/signin', { body: { email: customer.email, password: PASSWORD } })
  t.equal(customerAtStaffDoor.response.status, 401, 'customers do not sign in through the staff door')
})

t.test('admins list, disable and re-enable staff; a disabled account is locked out at once', async (t) => {
  const harness = await buildWithMail(t)
  const { api, smtp } = harness
  const admin = await bootstrapAdmin(harness)
  const emails = [uniqueEmail('m1'), uniqueEmail('m2'), uniqueEmail('m3')]
  const ids: string[] = []
  for (const email of emails) {
    ids.push((await api.POST('/api/v1/admin/staff', { headers: bearer(admin), body: { email, name: 'Moderator', role: 'MODERATOR' } })).data!.id)
    await smtp.nextMessage(email)
  }

  const seen: string[] = []
  let cursor: string | null = null
  do {
    const page = await api.GET('/api/v1/admin/staff', { headers: bearer(admin), params: { query: { limit: 2, cursor: cursor ?? undefined } } })
    t.equal(page.response.status, 200)
    const body: components['schemas']['StaffPage'] = page.data!
    t.ok(body.items.length <= 2)
    seen.push(...body.items.map((item) => item.id))
    cursor = body.nextCursor
  } while (cursor !== null)
  t.same(seen, [admin.id, ...ids], 'every staff account once, oldest first')

  const badCursor = await api.GET('/api/v1/admin/staff', { headers: bearer(admin), params: { query: { cursor: 'garbage' } } })
  t.equal(badCursor.response.status, 400)
  t.equal(badCursor.error?.code, 'INVALID_CURSOR')
  const badLimit = await api.GET('/api/v1/admin/staff', { headers: bearer(admin), params: { query: { limit: 1000 } } })
  t.equal(badLimit.response.status, 400)

  // The first moderator changes their password and signs in.
  const firstEmail = emails[0] as string
  const temporary = await api.POST('/api/v1/auth/password/forgot', { body: { email: firstEmail } })
  t.equal(temporary.response.status, 202)
  const resetCode = codeInSubject(await smtp.nextMessage(firstEmail))
  t.equal((await api.POST('/api/v1/auth/password/reset', { body: { email: firstEmail, code: resetCode, newPassword: NEW_PASSWORD } })).response.status, 204)
  const moderatorTokens = await staffSignIn(harness, firstEmail, NEW_PASSWORD)
  t.equal((await api.GET('/api/v1/me', { headers: bearer(moderatorTokens) })).response.status, 200)

  const [first, second, third] = ids as [string, string, string]
  const disabled = await updateStaff(api, admin, first, { status: 'DISABLED' })
  t.equal(disabled.response.status, 200)
  t.match(disabled.data, { id: first, status: 'DISABLED' })
  const lockedOut = await api.GET('/api/v1/me', { headers: bearer(moderatorTokens) })
  t.equal(lockedOut.response.status, 401, 'the disabled account\'s tokens stop working at once')
  t.equal((await api.POST('/api/v1/auth/refresh', { body: { refreshToken: moderatorTokens.refreshToken } })).response.status, 401)
  const cannotSignIn = await api.POST('/api/v1/admin/auth/signin', { body: { email: firstEmail, password: NEW_PASSWORD } })
  t.equal(cannotSignIn.response.status, 401)
  t.equal(cannotSignIn.error?.code, 'ACCOUNT_DISABLED')

  const enabled = await updateStaff(api, admin, first, { status: 'ACTIVE', name: 'Renamed' })
  t.match(enabled.data, { status: 'ACTIVE', name: 'Renamed' })
  await staffSignIn(harness, firstEmail, NEW_PASSWORD)

  const promoted = await updateStaff(api, admin, second, { role: 'ADMIN' })
  t.match(promoted.data, { role: 'ADMIN' })

  const selfDisable = await updateStaff(api, admin, admin.id, { status: 'DISABLED' })
  t.equal(selfDisable.response.status, 409)
  t.equal(selfDisable.error?.code, 'CANNOT_CHANGE_OWN_ACCESS')
  const selfDemote = await updateStaff(api, admin, admin.id, { role: 'MODERATOR' })
  t.equal(selfDemote.response.status, 409)

  const customer = await signUpVerified(harness)
  const customerId = (await api.GET('/api/v1/me', { headers: bearer(customer) })).data!.id
  const notStaff = await updateStaff(api, admin, customerId, { status: 'DISABLED' })
  t.equal(notStaff.response.status, 404, 'customers are not managed here')
  const unknown = await updateStaff(api, admin, '0193b1e4-7c1a-7d2e-9f3a-1b2c3d4e5f60', { status: 'DISABLED' })
  t.equal(unknown.response.status, 404)
  const malformed = await updateStaff(api, admin, 'not-a-uuid', { status: 'DISABLED' })
  t.equal(malformed.response.status, 400)
  t.equal(malformed.error?.errors?.[0]?.pointer, '/params/id')
  const empty = await updateStaff(api, admin, third, {})
  t.equal(empty.response.status, 400)
  // A property the contract does not have.
  const massAssignment = await updateStaff(api, admin, third, { email: 'new@example.com' } as never)
  t.equal(massAssignment.response.status, 400)
})

t.test('the first-admin bootstrap validates its input', async (t) => {
  const { api } = await buildWithMail(t)
  const moderator = await api.POST('/api/v1/admin/staff', { body: { email: uniqueEmail(), name: 'M', role: 'MODERATOR', password: PASSWORD } })
  t.equal(moderator.response.status, 400)
  t.same(moderator.error?.errors, [{ pointer: '/body/role', detail: 'must be ADMIN for the first staff account' }])
  const noPassword = await api.POST('/api/v1/admin/staff', { body: { email: uniqueEmail(), name: 'A', role: 'ADMIN' } })
  t.same(noPassword.error?.errors, [{ pointer: '/body/password', detail: 'is required for the first admin' }])
  const anonymousList = await api.GET('/api/v1/admin/staff')
  t.equal(anonymousList.response.status, 401)
})

t.test('with ADMIN_BOOTSTRAP_TOKEN set, the first admin needs the header', async (t) => {
  const token = 'bootstrap-token-0123456789abcdef'
  const { api } = await buildWithMail(t, { ADMIN_BOOTSTRAP_TOKEN: token })
  const body: components['schemas']['CreateStaffRequest'] = { email: uniqueEmail('owner'), name: 'Owner', role: 'ADMIN', password: PASSWORD }
  const missing = await api.POST('/api/v1/admin/staff', { body })
  t.equal(missing.response.status, 403)
  t.equal(missing.error?.code, 'BOOTSTRAP_TOKEN_INVALID')
  const wrong = await api.POST('/api/v1/admin/staff', { params: { header: { 'X-Admin-Bootstrap-Token': `${token}x` } }, body })
  t.equal(wrong.response.status, 403)
  const right = await api.POST('/api/v1/admin/staff', { params: { header: { 'X-Admin-Bootstrap-Token': token } }, body })
  t.equal(right.response.status, 201)
  t.match(right.data, { role: 'ADMIN', status: 'ACTIVE', mustChangePassword: false })
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
  const clients = instances.map((app) => injectClient(app))
  const attempts = await concurrently(20, async (index) =>
    await clients[index % 2]!.POST('/api/v1/admin/staff', { body: { email: uniqueEmail(`racer${index}`), name: `Racer ${index}`, role: 'ADMIN', password: PASSWORD } }))
  const statuses = attempts.map((attempt) => attempt.response.status)
  t.equal(statuses.filter((status) => status === 201).length, 1, 'one admin created')
  t.equal(statuses.filter((status) => status === 403).length, 19, 'the others see the bootstrap closed')
  const admins = await instances[0]!.orm.em.fork().execute<Array<{ count: string }>>("select count(*) from users where role = 'ADMIN'")
  t.equal(Number(admins[0]?.count), 1)
})

t.test('the shop always keeps an active admin, even when two admins act at once', async (t) => {
  const harness = await buildWithMail(t)
  const { app, api, smtp } = harness
  const first = await bootstrapAdmin(harness)
  const secondEmail = uniqueEmail('admin2')
  const secondId = (await api.POST('/api/v1/admin/staff', { headers: bearer(first), body: { email: secondEmail, name: 'Second', role: 'ADMIN' } })).data!.id
  const temporary = temporaryPasswordIn(await smtp.nextMessage(secondEmail))
  const pending = await staffSignIn(harness, secondEmail, temporary)
  await api.POST('/api/v1/auth/password/change', { headers: bearer(pending), body: { currentPassword: temporary, newPassword: NEW_PASSWORD } })
  const second = await staffSignIn(harness, secondEmail, NEW_PASSWORD)

  // Each demotes the other at the same moment: one change wins, the other would leave no admin.
  const [a, b] = await settled([
    updateStaff(api, first, secondId, { role: 'MODERATOR' }),
    updateStaff(api, second, first.id, { status: 'DISABLED' })
  ])
  const statuses = [a, b].map((answer) => answer?.response.status ?? 0)
  t.equal(statuses.filter((status) => status === 200).length, 1, 'exactly one change applied')
  // The other is refused: as the last admin (409), or because the winner already took its caller's access (401, 403).
  const refused = statuses.find((status) => status !== 200)
  t.ok([401, 403, 409].includes(refused ?? 0), `the other is refused (${refused ?? 0})`)
  const [{ count }] = await app.orm.em.fork().execute<Array<{ count: string }>>("select count(*) from users where role = 'ADMIN' and disabled_at is null") as [{ count: string }]
  t.equal(Number(count), 1, 'one active admin remains')

  const bootstrap = await api.POST('/api/v1/admin/staff', { body: { email: uniqueEmail('intruder'), name: 'Intruder', role: 'MODERATOR' } })
  t.equal(bootstrap.response.status, 403, 'the bootstrap stays closed, and says so before judging the input')
  t.equal(bootstrap.error?.code, 'BOOTSTRAP_CLOSED')
})

t.test('the last active admin cannot be disabled or demoted by anyone', async (t) => {
  const harness = await buildWithMail(t)
  const { api, smtp } = harness
  const admin = await bootstrapAdmin(harness)
  const otherEmail = uniqueEmail('admin2')
  const otherId = (await api.POST('/api/v1/admin/staff', { headers: bearer(admin), body: { email: otherEmail, name: 'Other', role: 'ADMIN' } })).data!.id
  await smtp.nextMessage(otherEmail)
  t.equal((await updateStaff(api, admin, otherId, { status: 'DISABLED' })).response.status, 200)
  const demoteSelf = await updateStaff(api, admin, admin.id, { role: 'MODERATOR' })
  t.equal(demoteSelf.response.status, 409)
  const enable = await updateStaff(api, admin, otherId, { status: 'ACTIVE', role: 'MODERATOR' })
  t.match(enable.data, { status: 'ACTIVE', role: 'MODERATOR' })
})

t.test('staff cannot skip the two-step sign-in through the customer code routes', async (t) => {
  const harness = await buildWithMail(t)
  const { app, api, smtp } = harness
  const admin = await bootstrapAdmin(harness)
  const email = uniqueEmail('moderator')
  await api.POST('/api/v1/admin/staff', { headers: bearer(admin), body: { email, name: 'Mo', role: 'MODERATOR' } })
  await smtp.nextMessage(email)
  const resend = await api.POST('/api/v1/auth/resend-code', { body: { email } })
  t.equal(resend.response.status, 202)
  const verify = await api.POST('/api/v1/auth/verify-email', { body: { email, code: '123456' } })
  t.equal(verify.response.status, 400)
  t.equal(verify.error?.code, 'INVALID_CODE')
  await app.close()
  t.equal(smtp.messages.filter((message) => message.subject?.startsWith('Your verification code')).length, 0, 'no verification code is sent to staff')
})
