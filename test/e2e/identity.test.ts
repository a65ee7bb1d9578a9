import t from 'tap'
import { createTestDatabase } from '../helpers/database.js'
import { httpClient } from '../helpers/client.js'
import { startServer } from '../helpers/server.js'
import { startSmtpCatcher } from '../helpers/smtp.js'
import { bearer, codeInSubject, uniqueEmail, PASSWORD } from '../helpers/identity.js'

t.test('a frontend signs a customer up, in and out over HTTP with the generated client', async (t) => {
  const smtp = await startSmtpCatcher(t)
  const server = await startServer(t, { DATABASE_URL: await createTestDatabase(t), SMTP_URL: smtp.url })
  const api = httpClient(server.baseUrl)
  const email = uniqueEmail('e2e')

  const signUp = await api.POST('/api/v1/auth/signup', { body: { email, password: PASSWORD, name: 'Grace Hopper' } })
  t.equal(signUp.response.status, 202)
  t.same(signUp.data, { email, codeExpiresIn: 600 })

  const code = codeInSubject(await smtp.nextMessage(email))
  const verified = await api.POST('/api/v1/auth/verify-email', { body: { email, code } })
  t.equal(verified.response.status, 200)
  const tokens = verified.data!
  t.equal(tokens.tokenType, 'Bearer')

  const auth = { headers: bearer(tokens) }
  const me = await api.GET('/api/v1/me', auth)
  t.match(me.data, { email, name: 'Grace Hopper', role: 'CUSTOMER', emailVerified: true })

  const address = await api.POST('/api/v1/me/addresses', {
    ...auth,
    body: { fullName: 'Grace Hopper', line1: '1 Navy Way', city: 'Arlington', postalCode: '22202', country: 'US', isDefaultShipping: true }
  })
  t.equal(address.response.status, 201)
  const list = await api.GET('/api/v1/me/addresses', auth)
  t.same(list.data?.items.map((item) => item.id), [address.data?.id])

  const refreshed = await api.POST('/api/v1/auth/refresh', { body: { refreshToken: tokens.refreshToken } })
  t.equal(refreshed.response.status, 200)
  const signOut = await api.POST('/api/v1/auth/signout', { headers: bearer(refreshed.data!) })
  t.equal(signOut.response.status, 204)
  const after = await api.GET('/api/v1/me', { headers: bearer(refreshed.data!) })
  t.equal(after.response.status, 401)
  t.equal(after.error?.code, 'SESSION_REVOKED')
})

t.test('staff bootstrap and two-step sign-in over HTTP', async (t) => {
  const smtp = await startSmtpCatcher(t)
  const server = await startServer(t, { DATABASE_URL: await createTestDatabase(t), SMTP_URL: smtp.url })
  const api = httpClient(server.baseUrl)
  const email = uniqueEmail('owner')

  const created = await api.POST('/api/v1/admin/staff', { body: { email, name: 'Owner', role: 'ADMIN', password: PASSWORD } })
  t.equal(created.response.status, 201)
  const challenge = await api.POST('/api/v1/admin/auth/signin', { body: { email, password: PASSWORD } })
  t.equal(challenge.response.status, 202)
  const code = codeInSubject(await smtp.nextMessage(email))
  const tokens = await api.POST('/api/v1/admin/auth/verify', { body: { challengeId: challenge.data!.challengeId, code } })
  t.equal(tokens.response.status, 200)
  const staff = await api.GET('/api/v1/admin/staff', { headers: bearer(tokens.data!) })
  t.equal(staff.response.status, 200)
  t.same(staff.data?.items.map((item) => item.email), [email])
  t.equal(staff.data?.nextCursor, null)
})
