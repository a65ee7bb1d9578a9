import t from 'tap'
import { bearer, bootstrapAdmin, buildWithMail, nextCode, post, signUpVerified, uniqueEmail, PASSWORD, type Tokens } from '../helpers/identity.js'

t.test('the Authorization header must be exactly "Bearer <jwt>"', async (t) => {
  const harness = await buildWithMail(t)
  const customer = await signUpVerified(harness)
  const malformed = [`bearer ${customer.accessToken}`, `Basic ${Buffer.from('a:b').toString('base64')}`, 'Bearer', 'Bearer ', `Bearer ${customer.accessToken.split('.').slice(0, 2).join('.')}`, `Bearer ${customer.accessToken} extra`, `Token ${customer.accessToken}`]
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
  const admin = await bootstrapAdmin(harness)
  const customer = await signUpVerified(harness)
  const body = { email: uniqueEmail('staff'), name: 'New Moderator', role: 'MODERATOR' }
  const garbage = await post(harness.app, '/api/v1/admin/staff', body, { authorization: 'Bearer not.a.jwt' })
  t.equal(garbage.statusCode, 401, 'a broken token is not taken for no token')
  t.equal(garbage.json().code, 'INVALID_TOKEN')
  const customerToken = await post(harness.app, '/api/v1/admin/staff', body, bearer(customer))
  t.equal(customerToken.statusCode, 401, 'a customer token is not a staff token')
  const anonymous = await post(harness.app, '/api/v1/admin/staff', { ...body, role: 'ADMIN', password: PASSWORD })
  t.equal(anonymous.json().code, 'BOOTSTRAP_CLOSED', 'no token at all is the anonymous bootstrap, closed now')
  const created = await post(harness.app, '/api/v1/admin/staff', body, bearer(admin))
  t.equal(created.statusCode, 201, 'an admin token gets through')
})

t.test('responses carrying tokens, codes or account data are Cache-Control: no-store', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const email = uniqueEmail()
  const responses: Array<[string, { headers: Record<string, unknown> }]> = []
  responses.push(['sign-up', await post(app, '/api/v1/auth/signup', { email, password: PASSWORD, name: 'Cached' })])
  const verify = await post(app, '/api/v1/auth/verify-email', { email, code: await nextCode(harness, email) })
  responses.push(['verify-email', verify])
  const tokens = verify.json<Tokens>()
  responses.push(['sign-in', await post(app, '/api/v1/auth/signin', { email, password: PASSWORD })])
  responses.push(['refresh', await post(app, '/api/v1/auth/refresh', { refreshToken: tokens.refreshToken })])
  const fresh = (await post(app, '/api/v1/auth/signin', { email, password: PASSWORD })).json<Tokens>()
  responses.push(['GET /me', await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(fresh) })])
  responses.push(['GET /me/addresses', await app.inject({ method: 'GET', url: '/api/v1/me/addresses', headers: bearer(fresh) })])
  responses.push(['a 401', await app.inject({ method: 'GET', url: '/api/v1/me' })])
  responses.push(['a 400', await post(app, '/api/v1/auth/signin', { email })])
  const admin = await bootstrapAdmin(harness)
  responses.push(['staff list', await app.inject({ method: 'GET', url: '/api/v1/admin/staff', headers: bearer(admin) })])
  const challenge = await post(app, '/api/v1/admin/auth/signin', { email: admin.email, password: PASSWORD })
  responses.push(['staff sign-in', challenge])
  responses.push(['staff verify', await post(app, '/api/v1/admin/auth/verify', { challengeId: challenge.json<{ challengeId: string }>().challengeId, code: await nextCode(harness, admin.email) })])
  for (const [name, response] of responses) t.equal(response.headers['cache-control'], 'no-store', name)
})

t.test('a body of 90,000 unknown keys earns a small problem, not an 11 MB one', async (t) => {
  const harness = await buildWithMail(t)
  const body: Record<string, number> = { }
  for (let index = 0; index < 90_000; index++) body[`k${index}`] = 1
  const payload = JSON.stringify(body)
  t.ok(payload.length < 1_048_576, `the body (${payload.length} bytes) fits the default limit`)
  const response = await harness.app.inject({ method: 'POST', url: '/api/v1/auth/signin', headers: { 'content-type': 'application/json' }, payload })
  t.equal(response.statusCode, 400)
  t.ok(response.body.length < 4000, `the answer is ${response.body.length} bytes`)
  const problem = response.json()
  t.equal(problem.errors.length, 20)
  t.equal(problem.errorCount, 90_002, 'every unknown key and both missing fields are counted')
})
