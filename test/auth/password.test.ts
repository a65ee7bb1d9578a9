import t from 'tap'
import { concurrently } from '../helpers/concurrency.js'
import { bearer, buildWithMail, codeInSubject, nextCode, signUpVerified, uniqueEmail, wrongCode, PASSWORD } from '../helpers/identity.js'

const NEW_PASSWORD = 'magenta pinecone 77'

t.test('changing the password needs the current one and revokes the other sessions', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const mine = await signUpVerified(harness)
  const other = (await api.POST('/api/v1/auth/signin', { body: { email: mine.email, password: PASSWORD } })).data!

  const wrong = await api.POST('/api/v1/auth/password/change', { headers: bearer(mine), body: { currentPassword: 'not it at all', newPassword: NEW_PASSWORD } })
  t.equal(wrong.response.status, 400)
  t.equal(wrong.error?.code, 'INVALID_CURRENT_PASSWORD')
  const same = await api.POST('/api/v1/auth/password/change', { headers: bearer(mine), body: { currentPassword: PASSWORD, newPassword: PASSWORD } })
  t.equal(same.response.status, 400)
  t.same(same.error?.errors, [{ pointer: '/body/newPassword', detail: 'must differ from the current password' }])
  const anonymous = await api.POST('/api/v1/auth/password/change', { body: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD } })
  t.equal(anonymous.response.status, 401)

  const changed = await api.POST('/api/v1/auth/password/change', { headers: bearer(mine), body: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD } })
  t.equal(changed.response.status, 204)
  t.equal((await api.GET('/api/v1/me', { headers: bearer(mine) })).response.status, 200, 'this session stays')
  t.equal((await api.GET('/api/v1/me', { headers: bearer(other) })).response.status, 401, 'the other is revoked')
  t.equal((await api.POST('/api/v1/auth/signin', { body: { email: mine.email, password: PASSWORD } })).response.status, 401)
  t.equal((await api.POST('/api/v1/auth/signin', { body: { email: mine.email, password: NEW_PASSWORD } })).response.status, 200)
})

t.test('forgot → emailed code → reset revokes every session', async (t) => {
  const harness = await buildWithMail(t)
  const { api, smtp } = harness
  const customer = await signUpVerified(harness)

  const forgot = await api.POST('/api/v1/auth/password/forgot', { body: { email: customer.email } })
  t.equal(forgot.response.status, 202)
  const unknown = await api.POST('/api/v1/auth/password/forgot', { body: { email: uniqueEmail('nobody') } })
  t.equal(unknown.response.status, 202)
  t.same(unknown.data, forgot.data, 'the answer does not reveal whether the account exists')

  const mail = await smtp.nextMessage(customer.email)
  t.match(mail.subject, /^Your password reset code: \d{6}$/)
  const code = codeInSubject(mail)

  const wrong = await api.POST('/api/v1/auth/password/reset', { body: { email: customer.email, code: wrongCode(code), newPassword: NEW_PASSWORD } })
  t.equal(wrong.response.status, 400)
  t.equal(wrong.error?.code, 'INVALID_CODE')
  const weak = await api.POST('/api/v1/auth/password/reset', { body: { email: customer.email, code, newPassword: 'password123' } })
  t.equal(weak.response.status, 400)
  t.equal(weak.error?.errors?.[0]?.pointer, '/body/newPassword')

  const reset = await api.POST('/api/v1/auth/password/reset', { body: { email: customer.email, code, newPassword: NEW_PASSWORD } })
  t.equal(reset.response.status, 204)
  t.equal((await api.GET('/api/v1/me', { headers: bearer(customer) })).response.status, 401, 'every session is revoked')
  t.equal((await api.POST('/api/v1/auth/signin', { body: { email: customer.email, password: NEW_PASSWORD } })).response.status, 200)
  const reused = await api.POST('/api/v1/auth/password/reset', { body: { email: customer.email, code, newPassword: 'another fine password' } })
  t.equal(reused.response.status, 400, 'a reset code works once')

  const unknownReset = await api.POST('/api/v1/auth/password/reset', { body: { email: uniqueEmail('nobody'), code: '123456', newPassword: NEW_PASSWORD } })
  t.equal(unknownReset.response.status, 400)
  t.equal(unknownReset.error?.code, 'INVALID_CODE')
  t.equal(smtp.messages.filter((message) => message.subject?.startsWith('Your password reset code')).length, 1, 'nothing was sent to unknown addresses')
})

t.test('a reset code also proves an unverified address', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const email = uniqueEmail()
  await api.POST('/api/v1/auth/signup', { body: { email, password: PASSWORD, name: 'Never Verified' } })
  await nextCode(harness, email)
  await api.POST('/api/v1/auth/password/forgot', { body: { email } })
  const code = await nextCode(harness, email)
  t.equal((await api.POST('/api/v1/auth/password/reset', { body: { email, code, newPassword: NEW_PASSWORD } })).response.status, 204)
  t.equal((await api.POST('/api/v1/auth/signin', { body: { email, password: NEW_PASSWORD } })).response.status, 200)
})

t.test('concurrent password changes with the same current password: exactly one wins', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const customer = await signUpVerified(harness)
  const attempts = await concurrently(5, async (index) =>
    await api.POST('/api/v1/auth/password/change', { headers: bearer(customer), body: { currentPassword: PASSWORD, newPassword: `${NEW_PASSWORD} ${index}` } }))
  const statuses = attempts.map((attempt) => attempt.response.status).sort()
  t.same(statuses, [204, 400, 400, 400, 400], 'the rest find the current password already changed')
  t.ok(attempts.filter((attempt) => attempt.response.status === 400).every((attempt) => attempt.error?.code === 'INVALID_CURRENT_PASSWORD'))
  const winner = attempts.findIndex((attempt) => attempt.response.status === 204)
  t.equal((await api.POST('/api/v1/auth/signin', { body: { email: customer.email, password: `${NEW_PASSWORD} ${winner}` } })).response.status, 200)
})
