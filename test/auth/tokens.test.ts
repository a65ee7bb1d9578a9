import { createHmac } from 'node:crypto'
import t from 'tap'
import { bearer, bootstrapAdmin, buildWithMail, post, signUpVerified, type Tokens } from '../helpers/identity.js'

const base64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')

/** Builds a JWT by hand, so every kind of forgery can be tried. */
function forge (header: object, payload: object, key: string | null): string {
  const unsigned = `${base64url(header)}.${base64url(payload)}`
  const signature = key === null ? '' : createHmac('sha256', key).update(unsigned).digest('base64url')
  return `${unsigned}.${signature}`
}

function claimsOf (tokens: Tokens): Record<string, unknown> {
  return JSON.parse(Buffer.from(tokens.accessToken.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>
}

t.test('forged, expired and misused access tokens are refused with 401', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const customer = await signUpVerified(harness)
  const claims = claimsOf(customer)
  const secret = app.config.JWT_SECRET
  const now = Math.floor(Date.now() / 1000)

  const cases: Array<[string, string, string]> = [
    ['tampered payload', `${customer.accessToken.split('.')[0]}.${base64url({ ...claims, role: 'ADMIN' })}.${customer.accessToken.split('.')[2]}`, 'INVALID_TOKEN'],
    ['alg none', forge({ alg: 'none', typ: 'JWT' }, claims, null), 'INVALID_TOKEN'],
    ['wrong key', forge({ alg: 'HS256', typ: 'JWT' }, claims, 'some-other-secret-some-other-secret'), 'INVALID_TOKEN'],
    ['HS512 with the right key', `${base64url({ alg: 'HS512', typ: 'JWT' })}.${base64url(claims)}.${createHmac('sha512', secret).update(`${base64url({ alg: 'HS512', typ: 'JWT' })}.${base64url(claims)}`).digest('base64url')}`, 'INVALID_TOKEN'],
    ['expired', forge({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now - 3600, exp: now - 60 }, secret), 'TOKEN_EXPIRED'],
    ['garbage', 'not-a-jwt', 'INVALID_TOKEN']
  ]
  for (const [name, token, code] of cases) {
    const response = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })
    t.equal(response.statusCode, 401, name)
    t.equal(response.json().code, code, `${name}: ${code}`)
    t.equal(response.headers['www-authenticate'], 'Bearer', `${name}: WWW-Authenticate`)
  }

  const valid = forge({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now, exp: now + 60 }, secret)
  const accepted = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${valid}` } })
  t.equal(accepted.statusCode, 200, 'the same claims, properly signed, are accepted (the forgeries failed for their forgery alone)')

  const noToken = await app.inject({ method: 'GET', url: '/api/v1/me' })
  t.equal(noToken.statusCode, 401)
  t.same(noToken.json(), {
    type: 'urn:commerce-api:problem:unauthorized',
    title: 'Unauthorized',
    status: 401,
    detail: 'A valid bearer access token is required.',
    instance: '/api/v1/me',
    code: 'UNAUTHORIZED'
  })

  const customerOnStaffRoute = await app.inject({ method: 'GET', url: '/api/v1/admin/staff', headers: bearer(customer) })
  t.equal(customerOnStaffRoute.statusCode, 401, 'a customer token is not a staff token')
  t.equal(customerOnStaffRoute.json().code, 'INVALID_TOKEN')

  const forgedStaffAudience = forge({ alg: 'HS256', typ: 'JWT' }, { ...claims, aud: 'staff', role: 'ADMIN', iat: now, exp: now + 60 }, 'guessed-secret-guessed-secret-guessed')
  const forgedAdmin = await app.inject({ method: 'GET', url: '/api/v1/admin/staff', headers: { authorization: `Bearer ${forgedStaffAudience}` } })
  t.equal(forgedAdmin.statusCode, 401)
})

t.test('roles: a moderator is authenticated but not allowed on admin-only routes', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const admin = await bootstrapAdmin(harness)
  const staffAsCustomer = await app.inject({ method: 'GET', url: '/api/v1/me/addresses', headers: bearer(admin) })
  t.equal(staffAsCustomer.statusCode, 403)
  t.same(staffAsCustomer.json(), {
    type: 'urn:commerce-api:problem:forbidden',
    title: 'Forbidden',
    status: 403,
    detail: 'This operation requires one of the roles CUSTOMER.',
    instance: '/api/v1/me/addresses',
    code: 'FORBIDDEN'
  })
  const staffList = await app.inject({ method: 'GET', url: '/api/v1/admin/staff', headers: bearer(admin) })
  t.equal(staffList.statusCode, 200)
})

t.test('refresh tokens rotate, and a reused one revokes its whole family', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const customer = await signUpVerified(harness)

  const second = (await post(app, '/api/v1/auth/refresh', { refreshToken: customer.refreshToken })).json<Tokens>()
  const third = (await post(app, '/api/v1/auth/refresh', { refreshToken: second.refreshToken })).json<Tokens>()
  t.ok(third.refreshToken)

  const replay = await post(app, '/api/v1/auth/refresh', { refreshToken: customer.refreshToken })
  t.equal(replay.statusCode, 401)
  t.equal(replay.json().code, 'REFRESH_TOKEN_REUSED')

  const current = await post(app, '/api/v1/auth/refresh', { refreshToken: third.refreshToken })
  t.equal(current.statusCode, 401, 'the newest token of the family died with it')
  const access = await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(third) })
  t.equal(access.statusCode, 401, 'and so did the access token of the session')
  t.equal(access.json().code, 'SESSION_REVOKED')

  for (const refreshToken of ['nonsense', `${'0'.repeat(36)}.abc`, `${third.refreshToken}x`]) {
    const bad = await post(app, '/api/v1/auth/refresh', { refreshToken })
    t.equal(bad.statusCode, 401, `malformed or unknown refresh token ${refreshToken.slice(0, 12)}…`)
  }
})

t.test('two concurrent refreshes with one token: exactly one wins', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const customer = await signUpVerified(harness)
  const results = await Promise.all(Array.from({ length: 10 }, async () => await post(app, '/api/v1/auth/refresh', { refreshToken: customer.refreshToken })))
  const statuses = results.map((response) => response.statusCode)
  t.ok(statuses.filter((status) => status === 200).length <= 1, `at most one rotation succeeds (${statuses.join(',')})`)
  t.ok(statuses.every((status) => status === 200 || status === 401), 'the rest are refused')
})

t.test('sign out everywhere ends every session', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const first = await signUpVerified(harness)
  const second = (await post(app, '/api/v1/auth/signin', { email: first.email, password: 'violet tangerine 42' })).json<Tokens>()
  const withBody = await post(app, '/api/v1/auth/signout-all', { everywhere: true }, bearer(second))
  t.equal(withBody.statusCode, 400, 'an operation without a request body refuses one')
  t.same(withBody.json().errors, [{ pointer: '/body', detail: 'must be absent: this operation takes no request body' }])
  const out = await post(app, '/api/v1/auth/signout-all', undefined, bearer(second))
  t.equal(out.statusCode, 204)
  for (const tokens of [first, second]) {
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(tokens) })).statusCode, 401)
    t.equal((await post(app, '/api/v1/auth/refresh', { refreshToken: tokens.refreshToken })).statusCode, 401)
  }
})
