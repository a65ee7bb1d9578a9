import t from 'tap'
import { bearer, buildWithMail, nextCode, post, signUpVerified, uniqueEmail, PASSWORD, type Tokens } from '../helpers/identity.js'

const NEW_PASSWORD = 'magenta pinecone 77'

t.test('changing the password needs the current one and revokes the other sessions', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const mine = await signUpVerified(harness)
  const other = (await post(app, '/api/v1/auth/signin', { email: mine.email, password: PASSWORD })).json<Tokens>()

  const wrong = await post(app, '/api/v1/auth/password/change', { currentPassword: 'not it at all', newPassword: NEW_PASSWORD }, bearer(mine))
  t.equal(wrong.statusCode, 400)
  t.equal(wrong.json().code, 'INVALID_CURRENT_PASSWORD')
  const same = await post(app, '/api/v1/auth/password/change', { currentPassword: PASSWORD, newPassword: PASSWORD }, bearer(mine))
  t.equal(same.statusCode, 400)
  t.same(same.json().errors, [{ pointer: '/body/newPassword', detail: 'must differ from the current password' }])
  const anonymous = await post(app, '/api/v1/auth/password/change', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD })
  t.equal(anonymous.statusCode, 401)

  const changed = await post(app, '/api/v1/auth/password/change', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }, bearer(mine))
  t.equal(changed.statusCode, 204)
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(mine) })).statusCode, 200, 'this session stays')
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(other) })).statusCode, 401, 'the other is revoked')
  t.equal((await post(app, '/api/v1/auth/signin', { email: mine.email, password: PASSWORD })).statusCode, 401)
  t.equal((await post(app, '/api/v1/auth/signin', { email: mine.email, password: NEW_PASSWORD })).statusCode, 200)
})

t.test('forgot → emailed code → reset revokes every session', async (t) => {
  const harness = await buildWithMail(t)
  const { app, smtp } = harness
  const customer = await signUpVerified(harness)

  const forgot = await post(app, '/api/v1/auth/password/forgot', { email: customer.email })
  t.equal(forgot.statusCode, 202)
  const unknown = await post(app, '/api/v1/auth/password/forgot', { email: uniqueEmail('nobody') })
  t.equal(unknown.statusCode, 202)
  t.same(unknown.json(), forgot.json(), 'the answer does not reveal whether the account exists')

  const mail = await smtp.nextMessage(customer.email)
  t.match(mail.subject, /^Your password reset code: \d{6}$/)
  const code = /(\d{6})/.exec(mail.subject ?? '')?.[1] ?? ''

  const wrong = await post(app, '/api/v1/auth/password/reset', { email: customer.email, code: code === '000000' ? '111111' : '000000', newPassword: NEW_PASSWORD })
  t.equal(wrong.statusCode, 400)
  t.equal(wrong.json().code, 'INVALID_CODE')
  const weak = await post(app, '/api/v1/auth/password/reset', { email: customer.email, code, newPassword: 'password123' })
  t.equal(weak.statusCode, 400)
  t.equal(weak.json().errors[0].pointer, '/body/newPassword')

  const reset = await post(app, '/api/v1/auth/password/reset', { email: customer.email, code, newPassword: NEW_PASSWORD })
  t.equal(reset.statusCode, 204)
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(customer) })).statusCode, 401, 'every session is revoked')
  t.equal((await post(app, '/api/v1/auth/signin', { email: customer.email, password: NEW_PASSWORD })).statusCode, 200)
  const reused = await post(app, '/api/v1/auth/password/reset', { email: customer.email, code, newPassword: 'another fine password' })
  t.equal(reused.statusCode, 400, 'a reset code works once')

  const unknownReset = await post(app, '/api/v1/auth/password/reset', { email: uniqueEmail('nobody'), code: '123456', newPassword: NEW_PASSWORD })
  t.equal(unknownReset.statusCode, 400)
  t.equal(unknownReset.json().code, 'INVALID_CODE')
  t.equal(smtp.messages.filter((message) => message.subject?.startsWith('Your password reset code')).length, 1, 'nothing was sent to unknown addresses')
})

t.test('a reset code also proves an unverified address', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const email = uniqueEmail()
  await post(app, '/api/v1/auth/signup', { email, password: PASSWORD, name: 'Never Verified' })
  await nextCode(harness, email)
  await post(app, '/api/v1/auth/password/forgot', { email })
  const code = await nextCode(harness, email)
  t.equal((await post(app, '/api/v1/auth/password/reset', { email, code, newPassword: NEW_PASSWORD })).statusCode, 204)
  t.equal((await post(app, '/api/v1/auth/signin', { email, password: NEW_PASSWORD })).statusCode, 200)
})

t.test('concurrent password changes with the same current password: exactly one wins', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const customer = await signUpVerified(harness)
  const attempts = await Promise.all(Array.from({ length: 5 }, async (_, index) =>
    await post(app, '/api/v1/auth/password/change', { currentPassword: PASSWORD, newPassword: `${NEW_PASSWORD} ${index}` }, bearer(customer))))
  const statuses = attempts.map((response) => response.statusCode).sort()
  t.same(statuses, [204, 400, 400, 400, 400], 'the rest find the current password already changed')
  t.ok(attempts.filter((response) => response.statusCode === 400).every((response) => response.json().code === 'INVALID_CURRENT_PASSWORD'))
  const winner = attempts.findIndex((response) => response.statusCode === 204)
  t.equal((await post(app, '/api/v1/auth/signin', { email: customer.email, password: `${NEW_PASSWORD} ${winner}` })).statusCode, 200)
})
