import t from 'tap'
import type { components } from '../../openapi/schema.js'
import { concurrently } from '../helpers/concurrency.js'
import { bootstrapAdmin, buildWithMail, nextCode, signUpVerified, uniqueEmail, wrongCode, PASSWORD, type IdentityHarness } from '../helpers/identity.js'
import { problem } from '../helpers/problems.js'

async function signUp (harness: IdentityHarness, email = uniqueEmail()): Promise<{ email: string, code: string }> {
  await harness.api.POST('/api/v1/auth/signup', { body: { email, password: PASSWORD, name: 'Code Tester' } })
  return { email, code: await nextCode(harness, email) }
}

const INVALID_CODE = problem(400, 'INVALID_CODE', 'The code is wrong or no longer valid.', '/api/v1/auth/verify-email')

t.test('five wrong tries kill the code; the sixth is refused even when right', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const { email, code } = await signUp(harness)
  for (let attempt = 1; attempt <= 5; attempt++) {
    const wrong = await api.POST('/api/v1/auth/verify-email', { body: { email, code: wrongCode(code) } })
    t.equal(wrong.response.status, 400)
    t.same(wrong.error, INVALID_CODE, `wrong try ${attempt}`)
  }
  const sixth = await api.POST('/api/v1/auth/verify-email', { body: { email, code } })
  t.equal(sixth.response.status, 400)
  t.same(sixth.error, INVALID_CODE, 'the right code no longer works, and the answer is the one every failure gets')

  const resend = await api.POST('/api/v1/auth/resend-code', { body: { email } })
  t.equal(resend.response.status, 202)
  const fresh = await nextCode(harness, email)
  const verified = await api.POST('/api/v1/auth/verify-email', { body: { email, code: fresh } })
  t.equal(verified.response.status, 200, 'a new code works')
})

t.test('twenty concurrent wrong guesses buy no more than five tries', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const { email, code } = await signUp(harness)
  const guesses = await concurrently(20, async () => await api.POST('/api/v1/auth/verify-email', { body: { email, code: wrongCode(code) } }))
  t.ok(guesses.every((guess) => guess.response.status === 400 && guess.error?.code === 'INVALID_CODE'), 'every guess is INVALID_CODE')
  const [row] = await harness.app.orm.em.fork().execute<Array<{ attempts: number }>>('select attempts from one_time_codes')
  t.equal(row?.attempts, 5, 'only five tries were counted')
  const right = await api.POST('/api/v1/auth/verify-email', { body: { email, code } })
  t.same(right.error, INVALID_CODE, 'the right code comes too late')
})

t.test('an expired code is refused', async (t) => {
  const harness = await buildWithMail(t)
  const { email, code } = await signUp(harness)
  await harness.app.orm.em.fork().execute("update one_time_codes set expires_at = now() - interval '1 second'")
  const expired = await harness.api.POST('/api/v1/auth/verify-email', { body: { email, code } })
  t.equal(expired.response.status, 400)
  t.same(expired.error, INVALID_CODE)
  const [row] = await harness.app.orm.em.fork().execute<Array<{ email_verified_at: Date | null }>>('select email_verified_at from users where email = ?', [email])
  t.equal(row?.email_verified_at, null, 'the address is still unverified')
})

/** Status, body and header names of an answer: all that a client can tell one answer from another by. */
function answer ({ response, error }: { response: Response, error?: unknown }): unknown {
  const headers = [...response.headers.keys()].filter((name) => !['date', 'x-request-id'].includes(name)).sort()
  return { status: response.status, body: error, headers, length: response.headers.get('content-length') }
}

t.test('verify-email answers a pending sign-up, a verified account and an unknown address identically, try after try', async (t) => {
  const harness = await buildWithMail(t)
  const pending = await signUp(harness)
  const verified = await signUpVerified(harness)
  // Addresses of one length, so not even the body length differs.
  const unknown = pending.email.replace('customer-', 'nobodyyy-')
  t.equal(unknown.length, pending.email.length)
  for (let attempt = 1; attempt <= 8; attempt++) {
    const guess = wrongCode(pending.code)
    const answers = await Promise.all([pending.email, verified.email, unknown].map(async (email) => answer(await harness.api.POST('/api/v1/auth/verify-email', { body: { email, code: guess } }))))
    t.same(answers[0], answers[2], `try ${attempt}: pending sign-up and unknown address alike`)
    t.same(answers[1], answers[2], `try ${attempt}: verified account and unknown address alike`)
    t.match(answers[0], { status: 400, body: { code: 'INVALID_CODE' } })
  }
})

t.test('password reset answers an existing and an unknown account identically, try after try', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const customer = await signUpVerified(harness)
  const unknown = customer.email.replace('customer-', 'nobodyyy-')
  for (const email of [customer.email, unknown]) t.equal((await api.POST('/api/v1/auth/password/forgot', { body: { email } })).response.status, 202)
  const code = await nextCode(harness, customer.email)
  for (let attempt = 1; attempt <= 8; attempt++) {
    const body = (email: string): components['schemas']['ResetPasswordRequest'] => ({ email, code: wrongCode(code), newPassword: 'another fine password' })
    const [existing, missing] = await Promise.all([customer.email, unknown].map(async (email) => answer(await api.POST('/api/v1/auth/password/reset', { body: body(email) }))))
    t.same(existing, missing, `try ${attempt}: alike`)
    t.match(existing, { status: 400, body: { code: 'INVALID_CODE', instance: '/api/v1/auth/password/reset' } })
  }
  const tooLate = await api.POST('/api/v1/auth/password/reset', { body: { email: customer.email, code, newPassword: 'another fine password' } })
  t.equal(tooLate.error?.code, 'INVALID_CODE', 'the code died after five wrong tries')
  t.equal((await api.POST('/api/v1/auth/signin', { body: { email: customer.email, password: PASSWORD } })).response.status, 200, 'the password is unchanged')
})

t.test('codes are stored hashed, never in clear', async (t) => {
  const harness = await buildWithMail(t)
  const { code } = await signUp(harness)
  const rows = await harness.app.orm.em.fork().execute<Array<{ code_hash: string }>>('select code_hash from one_time_codes')
  t.equal(rows.length, 1)
  t.match(rows[0]?.code_hash, /^[0-9a-f]{64}$/)
  t.notMatch(rows[0]?.code_hash, code)
  const users = await harness.app.orm.em.fork().execute<Array<{ password_hash: string }>>('select password_hash from users')
  t.match(users[0]?.password_hash, /^\$argon2id\$/, 'passwords are argon2id hashes')
})

t.test('resend respects the cooldown and answers the same for unknown and verified accounts', async (t) => {
  const harness = await buildWithMail(t, { OTP_RESEND_COOLDOWN_SECONDS: '3600' })
  const { api } = harness
  const { email, code } = await signUp(harness)
  const resend = await api.POST('/api/v1/auth/resend-code', { body: { email } })
  t.equal(resend.response.status, 202)
  t.same(resend.data, { message: 'If the account exists, a code has been sent to it.' })
  const unknown = await api.POST('/api/v1/auth/resend-code', { body: { email: uniqueEmail('nobody') } })
  t.equal(unknown.response.status, 202)
  t.same(unknown.data, resend.data)
  t.equal(harness.smtp.messages.length, 1, 'no second email within the cooldown, none to unknown addresses')
  const verified = await api.POST('/api/v1/auth/verify-email', { body: { email, code } })
  t.equal(verified.response.status, 200, 'the first code still works')
})

t.test('resend after the cooldown sends a new code and kills the old one', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const { email, code } = await signUp(harness)
  await api.POST('/api/v1/auth/resend-code', { body: { email } })
  const fresh = await nextCode(harness, email)
  if (fresh !== code) {
    const old = await api.POST('/api/v1/auth/verify-email', { body: { email, code } })
    t.equal(old.error?.code, 'INVALID_CODE', 'the old code died')
  }
  const verified = await api.POST('/api/v1/auth/verify-email', { body: { email, code: fresh } })
  t.equal(verified.response.status, 200)
})

t.test('a staff challenge, reached only with the password, tells wrong, dead, expired and used codes apart', async (t) => {
  const harness = await buildWithMail(t)
  const { app, api } = harness
  const admin = await bootstrapAdmin(harness)
  const challenge = async (): Promise<{ challengeId: string, code: string }> => {
    const step1 = await api.POST('/api/v1/admin/auth/signin', { body: { email: admin.email, password: PASSWORD } })
    return { challengeId: step1.data!.challengeId, code: await nextCode(harness, admin.email) }
  }
  const verify = async (challengeId: string, code: string) => await api.POST('/api/v1/admin/auth/verify', { body: { challengeId, code } })

  const guessed = await challenge()
  for (let attempt = 1; attempt <= 5; attempt++) t.equal((await verify(guessed.challengeId, wrongCode(guessed.code))).error?.code, 'INVALID_CODE', `wrong try ${attempt}`)
  t.equal((await verify(guessed.challengeId, guessed.code)).error?.code, 'CODE_ATTEMPTS_EXCEEDED', 'the sixth try is refused, right code or not')

  const late = await challenge()
  await app.orm.em.fork().execute("update one_time_codes set expires_at = now() - interval '1 second' where id = ?", [late.challengeId])
  t.equal((await verify(late.challengeId, late.code)).error?.code, 'CODE_EXPIRED')

  const used = await challenge()
  t.equal((await verify(used.challengeId, used.code)).response.status, 200)
  t.equal((await verify(used.challengeId, used.code)).error?.code, 'INVALID_CODE', 'a code works once')

  const superseded = await challenge()
  const newer = await challenge()
  t.equal((await verify(superseded.challengeId, superseded.code)).error?.code, 'INVALID_CODE', 'a newer challenge kills the older one')

  await app.orm.em.fork().execute('update users set disabled_at = now() where id = ?', [admin.id])
  const disabled = await verify(newer.challengeId, newer.code)
  t.equal(disabled.response.status, 401)
  t.equal(disabled.error?.code, 'ACCOUNT_DISABLED', 'an account disabled between the two steps gets no tokens')
})

t.test('one right code sent many times at once gives exactly one session', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const { email, code } = await signUp(harness)
  const answers = await concurrently(10, async () => await api.POST('/api/v1/auth/verify-email', { body: { email, code } }))
  t.same(answers.map((answer) => answer.response.status).sort(), [200, ...Array<number>(9).fill(400)], 'one verification, nine refusals')
  const [row] = await harness.app.orm.em.fork().execute<Array<{ count: string }>>('select count(*) from sessions')
  t.equal(Number(row?.count), 1, 'one session')

  const admin = await bootstrapAdmin(harness)
  const step1 = await api.POST('/api/v1/admin/auth/signin', { body: { email: admin.email, password: PASSWORD } })
  const challengeId = step1.data!.challengeId
  const staffCode = await nextCode(harness, admin.email)
  const staffAnswers = await concurrently(10, async () => await api.POST('/api/v1/admin/auth/verify', { body: { challengeId, code: staffCode } }))
  t.same(staffAnswers.map((answer) => answer.response.status).sort(), [200, ...Array<number>(9).fill(400)], 'one staff sign-in from one challenge')
})
