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

  for (const refreshToken of ['nonsense', `${'0'.repeat(36)}.abc`, '01900000-0000-7000-8000-000000000000.abc', `${third.refreshToken}x`]) {
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

t.test('an access token lives exactly ACCESS_TOKEN_TTL_SECONDS and is refused once it has passed', async (t) => {
  for (const ttl of ['900', '2']) {
    const harness = await buildWithMail(t, { ACCESS_TOKEN_TTL_SECONDS: ttl })
    const customer = await signUpVerified(harness)
    const claims = claimsOf(customer)
    t.equal(Number(claims.exp) - Number(claims.iat), Number(ttl), `exp - iat is the setting (${ttl} s)`)
    t.equal(customer.expiresIn, Number(ttl), 'and expiresIn says so')
    t.match(claims, { iss: 'commerce-api', aud: 'customer', sub: /^[0-9a-f-]{36}$/, sid: customer.refreshToken.split('.')[0], role: 'CUSTOMER' })
    t.ok(Math.abs(Number(claims.iat) - Date.now() / 1000) < 5, 'issued now')
  }
  const harness = await buildWithMail(t, { ACCESS_TOKEN_TTL_SECONDS: '1' })
  const customer = await signUpVerified(harness)
  t.equal((await harness.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(customer) })).statusCode, 200, 'accepted while fresh')
  const exp = Number(claimsOf(customer).exp) * 1000
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp - Date.now()) + 100))
  const stale = await harness.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(customer) })
  t.equal(stale.statusCode, 401, 'refused once exp has passed')
  t.equal(stale.json().code, 'TOKEN_EXPIRED')
  const refreshed = await post(harness.app, '/api/v1/auth/refresh', { refreshToken: customer.refreshToken })
  t.equal(refreshed.statusCode, 200, 'the session goes on with a refresh')
})

t.test('a token missing any required claim, or with a foreign issuer or audience, is refused however well signed', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const customer = await signUpVerified(harness)
  const claims = claimsOf(customer)
  const secret = app.config.JWT_SECRET
  const sign = (payload: object): string => forge({ alg: 'HS256', typ: 'JWT' }, payload, secret)
  const without = (name: string): object => Object.fromEntries(Object.entries(claims).filter(([key]) => key !== name))
  const cases: Array<[string, object]> = [
    ...['iss', 'aud', 'sub', 'sid', 'role', 'iat', 'exp'].map((name): [string, object] => [`without ${name}`, without(name)]),
    ['another issuer', { ...claims, iss: 'someone-else' }],
    ['another audience', { ...claims, aud: 'partner' }],
    ['a subject that is not an id', { ...claims, sub: "1' or '1'='1" }],
    ['a session that is not an id', { ...claims, sid: 42 }],
    ['an unknown role', { ...claims, role: 'ROOT' }]
  ]
  for (const [name, payload] of cases) {
    const response = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${sign(payload)}` } })
    t.equal(response.statusCode, 401, name)
    t.equal(response.json().code, 'INVALID_TOKEN', `${name}: INVALID_TOKEN`)
  }
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${sign(claims)}` } })).statusCode, 200, 'the complete claims, signed the same way, are accepted')
})

t.test('a known session id with a secret that was never issued is invalid, and ends nothing', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const victim = await signUpVerified(harness)
  const sessionId = victim.refreshToken.split('.')[0] ?? ''
  t.equal(claimsOf(victim).sid, sessionId, 'the session id is readable in the access token')
  for (const refreshToken of [`${sessionId}.anything`, `${sessionId}.${'A'.repeat(43)}`, `${sessionId}.`, `${victim.refreshToken}.extra`]) {
    const forged = await post(app, '/api/v1/auth/refresh', { refreshToken })
    t.equal(forged.statusCode, 401)
    t.equal(forged.json().code, 'INVALID_REFRESH_TOKEN', `${refreshToken.slice(37, 50) || '(empty)'}: merely invalid`)
  }
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(victim) })).statusCode, 200, "the victim's access token still works")
  const rotated = await post(app, '/api/v1/auth/refresh', { refreshToken: victim.refreshToken })
  t.equal(rotated.statusCode, 200, "and so does the victim's refresh token")
  const replayed = await post(app, '/api/v1/auth/refresh', { refreshToken: victim.refreshToken })
  t.equal(replayed.json().code, 'REFRESH_TOKEN_REUSED', 'while a token really issued and rotated away still counts as reuse')
  t.equal((await post(app, '/api/v1/auth/refresh', { refreshToken: rotated.json<Tokens>().refreshToken })).statusCode, 401, 'and revokes the session')
})

t.test('refresh is rate limited per IP', async (t) => {
  const harness = await buildWithMail(t, { AUTH_RATE_LIMIT_PER_IP: '3', AUTH_RATE_LIMIT_WINDOW_SECONDS: '60' })
  const statuses: number[] = []
  for (let attempt = 0; attempt < 4; attempt++) {
    statuses.push((await post(harness.app, '/api/v1/auth/refresh', { refreshToken: `${'0'.repeat(8)}-0000-7000-8000-${String(attempt).padStart(12, '0')}.x` })).statusCode)
  }
  t.same(statuses, [401, 401, 401, 429], 'the fourth refresh from one address is refused')
})

t.test('a session ends REFRESH_TOKEN_TTL_DAYS after its last use: its refresh and access tokens are refused', async (t) => {
  const harness = await buildWithMail(t, { REFRESH_TOKEN_TTL_DAYS: '3' })
  const { app } = harness
  const customer = await signUpVerified(harness)
  const sessionId = customer.refreshToken.split('.')[0]
  const em = app.orm.em.fork()
  const expiry = async (): Promise<number> => {
    const [row] = await em.execute<Array<{ expires_at: Date }>>('select expires_at from sessions where id = ?', [sessionId])
    return new Date(row?.expires_at ?? 0).getTime()
  }
  t.ok(Math.abs(await expiry() - (Date.now() + 3 * 86_400_000)) < 60_000, 'the session is set to end three days from now')
  const rotated = (await post(app, '/api/v1/auth/refresh', { refreshToken: customer.refreshToken })).json<Tokens>()
  t.ok(Math.abs(await expiry() - (Date.now() + 3 * 86_400_000)) < 60_000, 'each use moves the end three days on')

  // Three days and a minute go by without a use.
  await em.execute("update sessions set created_at = created_at - interval '3 days 1 minute', rotated_at = rotated_at - interval '3 days 1 minute', expires_at = expires_at - interval '3 days 1 minute' where id = ?", [sessionId])
  const refresh = await post(app, '/api/v1/auth/refresh', { refreshToken: rotated.refreshToken })
  t.equal(refresh.statusCode, 401)
  t.equal(refresh.json().code, 'INVALID_REFRESH_TOKEN', 'the refresh token of an ended session is refused')
  const access = await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(rotated) })
  t.equal(access.statusCode, 401, 'and so is its access token, though the JWT itself has not expired')
  t.equal(access.json().code, 'SESSION_REVOKED')
  t.ok(await expiry() < Date.now(), 'the refused refresh did not revive the session')
})

t.test('the refresh token of a revoked session, or of a disabled account, is invalid, not a reuse', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const signedOut = await signUpVerified(harness)
  t.equal((await post(app, '/api/v1/auth/signout', undefined, bearer(signedOut))).statusCode, 204)
  const afterSignOut = await post(app, '/api/v1/auth/refresh', { refreshToken: signedOut.refreshToken })
  t.equal(afterSignOut.statusCode, 401)
  t.equal(afterSignOut.json().code, 'INVALID_REFRESH_TOKEN')

  const disabled = await signUpVerified(harness)
  await app.orm.em.fork().execute('update users set disabled_at = now() where email = ?', [disabled.email])
  const afterDisable = await post(app, '/api/v1/auth/refresh', { refreshToken: disabled.refreshToken })
  t.equal(afterDisable.statusCode, 401)
  t.equal(afterDisable.json().code, 'INVALID_REFRESH_TOKEN', 'a disabled account cannot refresh')
  const access = await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(disabled) })
  t.equal(access.json().code, 'ACCOUNT_DISABLED', 'nor use its access token')
  await app.orm.em.fork().execute('update users set disabled_at = null where email = ?', [disabled.email])
  t.equal((await post(app, '/api/v1/auth/refresh', { refreshToken: disabled.refreshToken })).statusCode, 200, 'the refusal was the account, not the token')
})
