import { createHmac } from 'node:crypto'
import t from 'tap'
import { concurrently } from '../helpers/concurrency.js'
import { bearer, bootstrapAdmin, buildWithMail, signUpVerified, PASSWORD, type Tokens } from '../helpers/identity.js'
import { problem } from '../helpers/problems.js'

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
  const { app, api } = harness
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
    const { error, response } = await api.GET('/api/v1/me', { headers: { authorization: `Bearer ${token}` } })
    t.equal(response.status, 401, name)
    t.equal(error?.code, code, `${name}: ${code}`)
    t.equal(response.headers.get('www-authenticate'), 'Bearer', `${name}: WWW-Authenticate`)
  }

  const valid = forge({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now, exp: now + 60 }, secret)
  const accepted = await api.GET('/api/v1/me', { headers: { authorization: `Bearer ${valid}` } })
  t.equal(accepted.response.status, 200, 'the same claims, properly signed, are accepted (the forgeries failed for their forgery alone)')

  const noToken = await api.GET('/api/v1/me')
  t.equal(noToken.response.status, 401)
  t.same(noToken.error, problem(401, 'UNAUTHORIZED', 'A valid bearer access token is required.', '/api/v1/me'))

  const customerOnStaffRoute = await api.GET('/api/v1/admin/staff', { headers: bearer(customer) })
  t.equal(customerOnStaffRoute.response.status, 401, 'a customer token is not a staff token')
  t.equal(customerOnStaffRoute.error?.code, 'INVALID_TOKEN')

  const forgedStaffAudience = forge({ alg: 'HS256', typ: 'JWT' }, { ...claims, aud: 'staff', role: 'ADMIN', iat: now, exp: now + 60 }, 'guessed-secret-guessed-secret-guessed')
  const forgedAdmin = await api.GET('/api/v1/admin/staff', { headers: { authorization: `Bearer ${forgedStaffAudience}` } })
  t.equal(forgedAdmin.response.status, 401)
})

t.test('roles: a moderator is authenticated but not allowed on admin-only routes', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const admin = await bootstrapAdmin(harness)
  const staffAsCustomer = await api.GET('/api/v1/me/addresses', { headers: bearer(admin) })
  t.equal(staffAsCustomer.response.status, 403)
  t.same(staffAsCustomer.error, problem(403, 'FORBIDDEN', 'This operation requires one of the roles CUSTOMER.', '/api/v1/me/addresses'))
  const staffList = await api.GET('/api/v1/admin/staff', { headers: bearer(admin) })
  t.equal(staffList.response.status, 200)
})

t.test('refresh tokens rotate, and a reused one revokes its whole family', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const customer = await signUpVerified(harness)

  const second = (await api.POST('/api/v1/auth/refresh', { body: { refreshToken: customer.refreshToken } })).data!
  const third = (await api.POST('/api/v1/auth/refresh', { body: { refreshToken: second.refreshToken } })).data!
  t.ok(third.refreshToken)

  const replay = await api.POST('/api/v1/auth/refresh', { body: { refreshToken: customer.refreshToken } })
  t.equal(replay.response.status, 401)
  t.equal(replay.error?.code, 'REFRESH_TOKEN_REUSED')

  const current = await api.POST('/api/v1/auth/refresh', { body: { refreshToken: third.refreshToken } })
  t.equal(current.response.status, 401, 'the newest token of the family died with it')
  const access = await api.GET('/api/v1/me', { headers: bearer(third) })
  t.equal(access.response.status, 401, 'and so did the access token of the session')
  t.equal(access.error?.code, 'SESSION_REVOKED')

  for (const refreshToken of ['nonsense', `${'0'.repeat(36)}.abc`, '01900000-0000-7000-8000-000000000000.abc', `${third.refreshToken}x`]) {
    const bad = await api.POST('/api/v1/auth/refresh', { body: { refreshToken } })
    t.equal(bad.response.status, 401, `malformed or unknown refresh token ${refreshToken.slice(0, 12)}…`)
  }
})

t.test('two concurrent refreshes with one token: exactly one wins', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const customer = await signUpVerified(harness)
  const results = await concurrently(10, async () => await api.POST('/api/v1/auth/refresh', { body: { refreshToken: customer.refreshToken } }))
  const statuses = results.map((result) => result.response.status)
  t.ok(statuses.filter((status) => status === 200).length <= 1, `at most one rotation succeeds (${statuses.join(',')})`)
  t.ok(statuses.every((status) => status === 200 || status === 401), 'the rest are refused')
})

t.test('sign out everywhere ends every session', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const first = await signUpVerified(harness)
  const second = (await api.POST('/api/v1/auth/signin', { body: { email: first.email, password: PASSWORD } })).data!
  // A body where the contract has none.
  const withBody = await api.POST('/api/v1/auth/signout-all', { headers: bearer(second), body: { everywhere: true } as never })
  t.equal(withBody.response.status, 400, 'an operation without a request body refuses one')
  t.same(withBody.error?.errors, [{ pointer: '/body', detail: 'must be absent: this operation takes no request body' }])
  const out = await api.POST('/api/v1/auth/signout-all', { headers: bearer(second) })
  t.equal(out.response.status, 204)
  for (const tokens of [first, second]) {
    t.equal((await api.GET('/api/v1/me', { headers: bearer(tokens) })).response.status, 401)
    t.equal((await api.POST('/api/v1/auth/refresh', { body: { refreshToken: tokens.refreshToken } })).response.status, 401)
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
  t.equal((await harness.api.GET('/api/v1/me', { headers: bearer(customer) })).response.status, 200, 'accepted while fresh')
  const exp = Number(claimsOf(customer).exp) * 1000
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp - Date.now()) + 100))
  const stale = await harness.api.GET('/api/v1/me', { headers: bearer(customer) })
  t.equal(stale.response.status, 401, 'refused once exp has passed')
  t.equal(stale.error?.code, 'TOKEN_EXPIRED')
  const refreshed = await harness.api.POST('/api/v1/auth/refresh', { body: { refreshToken: customer.refreshToken } })
  t.equal(refreshed.response.status, 200, 'the session goes on with a refresh')
})

t.test('a token missing any required claim, or with a foreign issuer or audience, is refused however well signed', async (t) => {
  const harness = await buildWithMail(t)
  const { app, api } = harness
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
    const { error, response } = await api.GET('/api/v1/me', { headers: { authorization: `Bearer ${sign(payload)}` } })
    t.equal(response.status, 401, name)
    t.equal(error?.code, 'INVALID_TOKEN', `${name}: INVALID_TOKEN`)
  }
  t.equal((await api.GET('/api/v1/me', { headers: { authorization: `Bearer ${sign(claims)}` } })).response.status, 200, 'the complete claims, signed the same way, are accepted')
})

t.test('a known session id with a secret that was never issued is invalid, and ends nothing', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const victim = await signUpVerified(harness)
  const sessionId = victim.refreshToken.split('.')[0] ?? ''
  t.equal(claimsOf(victim).sid, sessionId, 'the session id is readable in the access token')
  for (const refreshToken of [`${sessionId}.anything`, `${sessionId}.${'A'.repeat(43)}`, `${sessionId}.`, `${victim.refreshToken}.extra`]) {
    const forged = await api.POST('/api/v1/auth/refresh', { body: { refreshToken } })
    t.equal(forged.response.status, 401)
    t.equal(forged.error?.code, 'INVALID_REFRESH_TOKEN', `${refreshToken.slice(37, 50) || '(empty)'}: merely invalid`)
  }
  t.equal((await api.GET('/api/v1/me', { headers: bearer(victim) })).response.status, 200, "the victim's access token still works")
  const rotated = await api.POST('/api/v1/auth/refresh', { body: { refreshToken: victim.refreshToken } })
  t.equal(rotated.response.status, 200, "and so does the victim's refresh token")
  const replayed = await api.POST('/api/v1/auth/refresh', { body: { refreshToken: victim.refreshToken } })
  t.equal(replayed.error?.code, 'REFRESH_TOKEN_REUSED', 'while a token really issued and rotated away still counts as reuse')
  t.equal((await api.POST('/api/v1/auth/refresh', { body: { refreshToken: rotated.data!.refreshToken } })).response.status, 401, 'and revokes the session')
})

t.test('refresh is rate limited per IP', async (t) => {
  const harness = await buildWithMail(t, { AUTH_RATE_LIMIT_PER_IP: '3', AUTH_RATE_LIMIT_WINDOW_SECONDS: '60' })
  const statuses: number[] = []
  for (let attempt = 0; attempt < 4; attempt++) {
    statuses.push((await harness.api.POST('/api/v1/auth/refresh', { body: { refreshToken: `${'0'.repeat(8)}-0000-7000-8000-${String(attempt).padStart(12, '0')}.x` } })).response.status)
  }
  t.same(statuses, [401, 401, 401, 429], 'the fourth refresh from one address is refused')
})

t.test('a session ends REFRESH_TOKEN_TTL_DAYS after its last use: its refresh and access tokens are refused', async (t) => {
  const harness = await buildWithMail(t, { REFRESH_TOKEN_TTL_DAYS: '3' })
  const { app, api } = harness
  const customer = await signUpVerified(harness)
  const sessionId = customer.refreshToken.split('.')[0]
  const em = app.orm.em.fork()
  const expiry = async (): Promise<number> => {
    const [row] = await em.execute<Array<{ expires_at: Date }>>('select expires_at from sessions where id = ?', [sessionId])
    return new Date(row?.expires_at ?? 0).getTime()
  }
  t.ok(Math.abs(await expiry() - (Date.now() + 3 * 86_400_000)) < 60_000, 'the session is set to end three days from now')
  const rotated = (await api.POST('/api/v1/auth/refresh', { body: { refreshToken: customer.refreshToken } })).data!
  t.ok(Math.abs(await expiry() - (Date.now() + 3 * 86_400_000)) < 60_000, 'each use moves the end three days on')

  // Three days and a minute go by without a use.
  await em.execute("update sessions set created_at = created_at - interval '3 days 1 minute', rotated_at = rotated_at - interval '3 days 1 minute', expires_at = expires_at - interval '3 days 1 minute' where id = ?", [sessionId])
  const refresh = await api.POST('/api/v1/auth/refresh', { body: { refreshToken: rotated.refreshToken } })
  t.equal(refresh.response.status, 401)
  t.equal(refresh.error?.code, 'INVALID_REFRESH_TOKEN', 'the refresh token of an ended session is refused')
  const access = await api.GET('/api/v1/me', { headers: bearer(rotated) })
  t.equal(access.response.status, 401, 'and so is its access token, though the JWT itself has not expired')
  t.equal(access.error?.code, 'SESSION_REVOKED')
  t.ok(await expiry() < Date.now(), 'the refused refresh did not revive the session')
})

t.test('the refresh token of a revoked session, or of a disabled account, is invalid, not a reuse', async (t) => {
  const harness = await buildWithMail(t)
  const { app, api } = harness
  const signedOut = await signUpVerified(harness)
  t.equal((await api.POST('/api/v1/auth/signout', { headers: bearer(signedOut) })).response.status, 204)
  const afterSignOut = await api.POST('/api/v1/auth/refresh', { body: { refreshToken: signedOut.refreshToken } })
  t.equal(afterSignOut.response.status, 401)
  t.equal(afterSignOut.error?.code, 'INVALID_REFRESH_TOKEN')

  const disabled = await signUpVerified(harness)
  await app.orm.em.fork().execute('update users set disabled_at = now() where email = ?', [disabled.email])
  const afterDisable = await api.POST('/api/v1/auth/refresh', { body: { refreshToken: disabled.refreshToken } })
  t.equal(afterDisable.response.status, 401)
  t.equal(afterDisable.error?.code, 'INVALID_REFRESH_TOKEN', 'a disabled account cannot refresh')
  const access = await api.GET('/api/v1/me', { headers: bearer(disabled) })
  t.equal(access.error?.code, 'ACCOUNT_DISABLED', 'nor use its access token')
  await app.orm.em.fork().execute('update users set disabled_at = null where email = ?', [disabled.email])
  t.equal((await api.POST('/api/v1/auth/refresh', { body: { refreshToken: disabled.refreshToken } })).response.status, 200, 'the refusal was the account, not the token')
})
