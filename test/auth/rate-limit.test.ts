import t from 'tap'
import { buildWithMail, post, signUpVerified, uniqueEmail, PASSWORD } from '../helpers/identity.js'

const WINDOW_SECONDS = 2

t.test('sign-in is limited per account, answers 429 with Retry-After, and recovers', async (t) => {
  const harness = await buildWithMail(t, { AUTH_RATE_LIMIT_PER_ACCOUNT: '3', AUTH_RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS) })
  const { app } = harness
  const customer = await signUpVerified(harness)

  for (let attempt = 1; attempt <= 3; attempt++) {
    const wrong = await post(app, '/api/v1/auth/signin', { email: customer.email, password: 'wrong password' })
    t.equal(wrong.statusCode, 401, `attempt ${attempt} is judged`)
  }
  const limited = await post(app, '/api/v1/auth/signin', { email: customer.email.toUpperCase(), password: PASSWORD })
  t.equal(limited.statusCode, 429, 'the fourth attempt on the account is refused, even with the right password and another spelling')
  t.match(limited.headers['content-type'], /^application\/problem\+json/)
  t.match(limited.json(), { status: 429, code: 'RATE_LIMITED', type: 'urn:commerce-api:problem:rate-limited' })
  const retryAfter = Number(limited.headers['retry-after'])
  t.ok(retryAfter >= 1 && retryAfter <= WINDOW_SECONDS, `Retry-After is ${retryAfter}`)

  const otherAccount = await post(app, '/api/v1/auth/signin', { email: uniqueEmail('someone-else'), password: PASSWORD })
  t.equal(otherAccount.statusCode, 401, 'another account is not affected')

  await new Promise((resolve) => setTimeout(resolve, (retryAfter + 0.2) * 1000))
  const recovered = await post(app, '/api/v1/auth/signin', { email: customer.email, password: PASSWORD })
  t.equal(recovered.statusCode, 200, 'after the window the account can sign in again')
})

t.test('code verification, resend and forgot-password are limited per IP', async (t) => {
  const harness = await buildWithMail(t, { AUTH_RATE_LIMIT_PER_IP: '2', AUTH_RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS) })
  const { app } = harness
  const requests: Array<[string, object]> = [
    ['/api/v1/auth/verify-email', { code: '123456' }],
    ['/api/v1/auth/resend-code', {}],
    ['/api/v1/auth/password/forgot', {}],
    ['/api/v1/auth/password/reset', { code: '123456', newPassword: 'another fine password' }],
    ['/api/v1/admin/auth/signin', { password: 'whatever password' }]
  ]
  for (const [url, body] of requests) {
    const statuses: number[] = []
    for (let attempt = 0; attempt < 3; attempt++) {
      // A different account each time: only the per-IP limit can trip.
      statuses.push((await post(app, url, { email: uniqueEmail('ip'), ...body })).statusCode)
    }
    t.not(statuses[0], 429, `${url}: first request passes`)
    t.not(statuses[1], 429, `${url}: second request passes`)
    t.equal(statuses[2], 429, `${url}: third request from the same IP is limited`)
  }
})
