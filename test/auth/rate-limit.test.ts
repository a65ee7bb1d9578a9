import t from 'tap'
import { injectClient } from '../helpers/client.js'
import { buildWithMail, signUpVerified, uniqueEmail, PASSWORD } from '../helpers/identity.js'
import { PROBLEM_JSON } from '../helpers/problems.js'

const WINDOW_SECONDS = 2

t.test('sign-in is limited per account, answers 429 with Retry-After, and recovers', async (t) => {
  const harness = await buildWithMail(t, { AUTH_RATE_LIMIT_PER_ACCOUNT: '3', AUTH_RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS) })
  const { api } = harness
  const customer = await signUpVerified(harness)

  for (let attempt = 1; attempt <= 3; attempt++) {
    const wrong = await api.POST('/api/v1/auth/signin', { body: { email: customer.email, password: 'wrong password' } })
    t.equal(wrong.response.status, 401, `attempt ${attempt} is judged`)
  }
  const limited = await api.POST('/api/v1/auth/signin', { body: { email: customer.email.toUpperCase(), password: PASSWORD } })
  t.equal(limited.response.status, 429, 'the fourth attempt on the account is refused, even with the right password and another spelling')
  t.equal(limited.response.headers.get('content-type'), PROBLEM_JSON)
  t.match(limited.error, { status: 429, code: 'RATE_LIMITED', type: 'urn:commerce-api:problem:rate-limited' })
  const retryAfter = Number(limited.response.headers.get('retry-after'))
  t.ok(retryAfter >= 1 && retryAfter <= WINDOW_SECONDS, `Retry-After is ${retryAfter}`)

  const otherAccount = await api.POST('/api/v1/auth/signin', { body: { email: uniqueEmail('someone-else'), password: PASSWORD } })
  t.equal(otherAccount.response.status, 401, 'another account is not affected')

  await new Promise((resolve) => setTimeout(resolve, (retryAfter + 0.2) * 1000))
  const recovered = await api.POST('/api/v1/auth/signin', { body: { email: customer.email, password: PASSWORD } })
  t.equal(recovered.response.status, 200, 'after the window the account can sign in again')
})

t.test('code verification, resend and forgot-password are limited per IP', async (t) => {
  const harness = await buildWithMail(t, { AUTH_RATE_LIMIT_PER_IP: '2', AUTH_RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS) })
  const { api } = harness
  const requests: Array<[string, (email: string) => Promise<{ response: Response }>]> = [
    ['/api/v1/auth/verify-email', async (email) => await api.POST('/api/v1/auth/verify-email', { body: { email, code: '123456' } })],
    ['/api/v1/auth/resend-code', async (email) => await api.POST('/api/v1/auth/resend-code', { body: { email } })],
    ['/api/v1/auth/password/forgot', async (email) => await api.POST('/api/v1/auth/password/forgot', { body: { email } })],
    ['/api/v1/auth/password/reset', async (email) => await api.POST('/api/v1/auth/password/reset', { body: { email, code: '123456', newPassword: 'another fine password' } })],
    ['/api/v1/admin/auth/signin', async (email) => await api.POST('/api/v1/admin/auth/signin', { body: { email, password: 'whatever password' } })]
  ]
  for (const [url, send] of requests) {
    const statuses: number[] = []
    for (let attempt = 0; attempt < 3; attempt++) {
      // A different account each time: only the per-IP limit can trip.
      statuses.push((await send(uniqueEmail('ip'))).response.status)
    }
    t.not(statuses[0], 429, `${url}: first request passes`)
    t.not(statuses[1], 429, `${url}: second request passes`)
    t.equal(statuses[2], 429, `${url}: third request from the same IP is limited`)
  }
})

t.test('guesses at an account from one address do not lock its owner out elsewhere', async (t) => {
  const harness = await buildWithMail(t, { AUTH_RATE_LIMIT_PER_ACCOUNT: '3', AUTH_RATE_LIMIT_WINDOW_SECONDS: '60' })
  const { app } = harness
  const customer = await signUpVerified(harness)
  const signIn = async (remoteAddress: string, password: string) =>
    await injectClient(app, { remoteAddress }).POST('/api/v1/auth/signin', { body: { email: customer.email, password } })

  const attacker = '203.0.113.7'
  const statuses: number[] = []
  for (let attempt = 0; attempt < 6; attempt++) statuses.push((await signIn(attacker, `guess number ${attempt}`)).response.status)
  t.same(statuses, [401, 401, 401, 429, 429, 429], 'the attacker is held back after three tries')
  t.equal((await signIn(attacker, PASSWORD)).response.status, 429, 'even with the right password, from that address')
  t.equal((await signIn('198.51.100.20', PASSWORD)).response.status, 200, 'while the owner, elsewhere, signs in')
})

t.test('per-IP limits still stop one address spraying many accounts', async (t) => {
  const { app } = await buildWithMail(t, { AUTH_RATE_LIMIT_PER_IP: '4', AUTH_RATE_LIMIT_WINDOW_SECONDS: '60' })
  const sprayer = injectClient(app, { remoteAddress: '203.0.113.8' })
  const statuses: number[] = []
  for (let attempt = 0; attempt < 5; attempt++) {
    statuses.push((await sprayer.POST('/api/v1/auth/signin', { body: { email: uniqueEmail('spray'), password: PASSWORD } })).response.status)
  }
  t.same(statuses, [401, 401, 401, 401, 429])
  const elsewhere = await injectClient(app, { remoteAddress: '203.0.113.9' }).POST('/api/v1/auth/signin', { body: { email: uniqueEmail('spray'), password: PASSWORD } })
  t.equal(elsewhere.response.status, 401, 'another address has its own count')
})
