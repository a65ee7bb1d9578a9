import t from 'tap'
import type { components } from '../../openapi/schema.js'
import { bearer, bootstrapAdmin, buildWithMail, nextCode, signUpVerified, uniqueEmail, PASSWORD } from '../helpers/identity.js'

t.test('the Authorization header must be exactly "Bearer <jwt>"', async (t) => {
  const harness = await buildWithMail(t)
  const customer = await signUpVerified(harness)
  const malformed = [`bearer ${customer.accessToken}`, `Basic ${Buffer.from('a:b').toString('base64')}`, 'Bearer', 'Bearer ', `Bearer ${customer.accessToken.split('.').slice(0, 2).join('.')}`, `Bearer ${customer.accessToken} extra`, `Token ${customer.accessToken}`]
  // Raw requests: these headers are garbage on purpose, and fetch's Headers would trim the spaces this test sends.
  for (const authorization of malformed) {
    const response = await harness.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization } })
    t.equal(response.statusCode, 401, JSON.stringify(authorization.slice(0, 20)))
    t.equal(response.json().code, 'INVALID_TOKEN')
    t.equal(response.headers['www-authenticate'], 'Bearer')
  }
  t.equal((await harness.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `  Bearer ${customer.accessToken}  ` } })).statusCode, 200, 'surrounding spaces are tolerated')
})

t.test('an operation open to anonymous callers still refuses a bad token rather than ignoring it', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const admin = await bootstrapAdmin(harness)
  const customer = await signUpVerified(harness)
  const body: components['schemas']['CreateStaffRequest'] = { email: uniqueEmail('staff'), name: 'New Moderator', role: 'MODERATOR' }
  const garbage = await api.POST('/api/v1/admin/staff', { headers: { authorization: 'Bearer not.a.jwt' }, body })
  t.equal(garbage.response.status, 401, 'a broken token is not taken for no token')
  t.equal(garbage.error?.code, 'INVALID_TOKEN')
  const customerToken = await api.POST('/api/v1/admin/staff', { headers: bearer(customer), body })
  t.equal(customerToken.response.status, 401, 'a customer token is not a staff token')
  const anonymous = await api.POST('/api/v1/admin/staff', { body: { ...body, role: 'ADMIN', password: PASSWORD } })
  t.equal(anonymous.error?.code, 'BOOTSTRAP_CLOSED', 'no token at all is the anonymous bootstrap, closed now')
  const created = await api.POST('/api/v1/admin/staff', { headers: bearer(admin), body })
  t.equal(created.response.status, 201, 'an admin token gets through')
})

t.test('responses carrying tokens, codes or account data are Cache-Control: no-store', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const email = uniqueEmail()
  const responses: Array<[string, Response]> = []
  responses.push(['sign-up', (await api.POST('/api/v1/auth/signup', { body: { email, password: PASSWORD, name: 'Cached' } })).response])
  const verify = await api.POST('/api/v1/auth/verify-email', { body: { email, code: await nextCode(harness, email) } })
  responses.push(['verify-email', verify.response])
  const tokens = verify.data!
  responses.push(['sign-in', (await api.POST('/api/v1/auth/signin', { body: { email, password: PASSWORD } })).response])
  responses.push(['refresh', (await api.POST('/api/v1/auth/refresh', { body: { refreshToken: tokens.refreshToken } })).response])
  const fresh = (await api.POST('/api/v1/auth/signin', { body: { email, password: PASSWORD } })).data!
  responses.push(['GET /me', (await api.GET('/api/v1/me', { headers: bearer(fresh) })).response])
  responses.push(['GET /me/addresses', (await api.GET('/api/v1/me/addresses', { headers: bearer(fresh) })).response])
  responses.push(['a 401', (await api.GET('/api/v1/me')).response])
  // No password: a body the contract refuses, to get a 400.
  responses.push(['a 400', (await api.POST('/api/v1/auth/signin', { body: { email } as never })).response])
  const admin = await bootstrapAdmin(harness)
  responses.push(['staff list', (await api.GET('/api/v1/admin/staff', { headers: bearer(admin) })).response])
  const challenge = await api.POST('/api/v1/admin/auth/signin', { body: { email: admin.email, password: PASSWORD } })
  responses.push(['staff sign-in', challenge.response])
  responses.push(['staff verify', (await api.POST('/api/v1/admin/auth/verify', { body: { challengeId: challenge.data!.challengeId, code: await nextCode(harness, admin.email) } })).response])
  for (const [name, response] of responses) t.equal(response.headers.get('cache-control'), 'no-store', name)
})

t.test('a body of 90,000 unknown keys earns a small problem, not an 11 MB one', async (t) => {
  const harness = await buildWithMail(t)
  const body: Record<string, number> = { }
  for (let index = 0; index < 90_000; index++) body[`k${index}`] = 1
  const payload = JSON.stringify(body)
  t.ok(payload.length < 1_048_576, `the body (${payload.length} bytes) fits the default limit`)
  // Unknown keys only: the client sends this very JSON, but the contract refuses it.
  const { error, response } = await harness.api.POST('/api/v1/auth/signin', { body: body as never })
  t.equal(response.status, 400)
  const bytes = Number(response.headers.get('content-length') ?? Number.NaN)
  t.ok(bytes < 4000, `the answer is ${bytes} bytes`)
  t.equal(error?.errors?.length, 20)
  t.equal(error?.errorCount, 90_002, 'every unknown key and both missing fields are counted')
})
