import t from 'tap'
import { bootstrapAdmin, buildWithMail, nextCode, post, signUpVerified, uniqueEmail, PASSWORD } from '../helpers/identity.js'

async function signUp (harness: Awaited<ReturnType<typeof buildWithMail>>, email = uniqueEmail()): Promise<{ email: string, code: string }> {
  await post(harness.app, '/api/v1/auth/signup', { email, password: PASSWORD, name: 'Code Tester' })
  return { email, code: await nextCode(harness, email) }
}

function wrongCode (code: string): string {
  return code === '000000' ? '111111' : '000000'
}

const INVALID_CODE = {
  type: 'urn:commerce-api:problem:invalid-code',
  title: 'Bad Request',
  status: 400,
  detail: 'The code is wrong or no longer valid.',
  instance: '/api/v1/auth/verify-email',
  code: 'INVALID_CODE'
}

t.test('five wrong tries kill the code; the sixth is refused even when right', async (t) => {
  const harness = await buildWithMail(t)
  const { email, code } = await signUp(harness)
  for (let attempt = 1; attempt <= 5; attempt++) {
    const wrong = await post(harness.app, '/api/v1/auth/verify-email', { email, code: wrongCode(code) })
    t.equal(wrong.statusCode, 400)
    t.equal(wrong.json().code, 'INVALID_CODE', `wrong try ${attempt}`)
  }
  const sixth = await post(harness.app, '/api/v1/auth/verify-email', { email, code })
  t.equal(sixth.statusCode, 400)
  t.same(sixth.json(), INVALID_CODE, 'the right code no longer works, and the answer is the one every failure gets')

  const resend = await post(harness.app, '/api/v1/auth/resend-code', { email })
  t.equal(resend.statusCode, 202)
  const fresh = await nextCode(harness, email)
  const verified = await post(harness.app, '/api/v1/auth/verify-email', { email, code: fresh })
  t.equal(verified.statusCode, 200, 'a new code works')
})

t.test('twenty concurrent wrong guesses buy no more than five tries', async (t) => {
  const harness = await buildWithMail(t)
  const { email, code } = await signUp(harness)
  const guesses = await Promise.all(Array.from({ length: 20 }, async () => await post(harness.app, '/api/v1/auth/verify-email', { email, code: wrongCode(code) })))
  t.ok(guesses.every((response) => response.statusCode === 400 && response.json().code === 'INVALID_CODE'), 'every guess is INVALID_CODE')
  const [row] = await harness.app.orm.em.fork().execute<Array<{ attempts: number }>>('select attempts from one_time_codes')
  t.equal(row?.attempts, 5, 'only five tries were counted')
  const right = await post(harness.app, '/api/v1/auth/verify-email', { email, code })
  t.same(right.json(), INVALID_CODE, 'the right code comes too late')
})

t.test('an expired code is refused', async (t) => {
  const harness = await buildWithMail(t)
  const { email, code } = await signUp(harness)
  await harness.app.orm.em.fork().execute("update one_time_codes set expires_at = now() - interval '1 second'")
  const expired = await post(harness.app, '/api/v1/auth/verify-email', { email, code })
  t.equal(expired.statusCode, 400)
  t.same(expired.json(), INVALID_CODE)
  const [row] = await harness.app.orm.em.fork().execute<Array<{ email_verified_at: Date | null }>>('select email_verified_at from users where email = ?', [email])
  t.equal(row?.email_verified_at, null, 'the address is still unverified')
})

/** Status, body and header names of a response: all that a client can tell one answer from another by. */
function answer (response: Awaited<ReturnType<typeof post>>): unknown {
  const headers = Object.keys(response.headers).filter((name) => !['date', 'x-request-id'].includes(name)).sort()
  return { status: response.statusCode, body: response.json(), headers, length: response.headers['content-length'] }
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
    const answers = await Promise.all([pending.email, verified.email, unknown].map(async (email) => answer(await post(harness.app, '/api/v1/auth/verify-email', { email, code: guess }))))
    t.same(answers[0], answers[2], `try ${attempt}: pending sign-up and unknown address alike`)
    t.same(answers[1], answers[2], `try ${attempt}: verified account and unknown address alike`)
    t.match(answers[0], { status: 400, body: { code: 'INVALID_CODE' } })
  }
})

t.test('password reset answers an existing and an unknown account identically, try after try', async (t) => {
  const harness = await buildWithMail(t)
  const customer = await signUpVerified(harness)
  const unknown = customer.email.replace('customer-', 'nobodyyy-')
  for (const email of [customer.email, unknown]) t.equal((await post(harness.app, '/api/v1/auth/password/forgot', { email })).statusCode, 202)
  const code = await nextCode(harness, customer.email)
  for (let attempt = 1; attempt <= 8; attempt++) {
    const body = (email: string): object => ({ email, code: wrongCode(code), newPassword: 'another fine password' })
    const [existing, missing] = await Promise.all([customer.email, unknown].map(async (email) => answer(await post(harness.app, '/api/v1/auth/password/reset', body(email)))))
    t.same(existing, missing, `try ${attempt}: alike`)
    t.match(existing, { status: 400, body: { code: 'INVALID_CODE', instance: '/api/v1/auth/password/reset' } })
  }
  const tooLate = await post(harness.app, '/api/v1/auth/password/reset', { email: customer.email, code, newPassword: 'another fine password' })
  t.equal(tooLate.json().code, 'INVALID_CODE', 'the code died after five wrong tries')
  t.equal((await post(harness.app, '/api/v1/auth/signin', { email: customer.email, password: PASSWORD })).statusCode, 200, 'the password is unchanged')
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
  const { email, code } = await signUp(harness)
  const resend = await post(harness.app, '/api/v1/auth/resend-code', { email })
  t.equal(resend.statusCode, 202)
  t.same(resend.json(), { message: 'If the account exists, a code has been sent to it.' })
  const unknown = await post(harness.app, '/api/v1/auth/resend-code', { email: uniqueEmail('nobody') })
  t.same(unknown.json(), resend.json())
  t.equal(harness.smtp.messages.length, 1, 'no second email within the cooldown, none to unknown addresses')
  const verified = await post(harness.app, '/api/v1/auth/verify-email', { email, code })
  t.equal(verified.statusCode, 200, 'the first code still works')
})

t.test('resend after the cooldown sends a new code and kills the old one', async (t) => {
  const harness = await buildWithMail(t)
  const { email, code } = await signUp(harness)
  await post(harness.app, '/api/v1/auth/resend-code', { email })
  const fresh = await nextCode(harness, email)
  if (fresh !== code) {
    const old = await post(harness.app, '/api/v1/auth/verify-email', { email, code })
    t.equal(old.json().code, 'INVALID_CODE', 'the old code died')
  }
  const verified = await post(harness.app, '/api/v1/auth/verify-email', { email, code: fresh })
  t.equal(verified.statusCode, 200)
})

t.test('a staff challenge, reached only with the password, tells wrong, dead, expired and used codes apart', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const admin = await bootstrapAdmin(harness)
  const challenge = async (): Promise<{ challengeId: string, code: string }> => {
    const step1 = await post(app, '/api/v1/admin/auth/signin', { email: admin.email, password: PASSWORD })
    return { challengeId: step1.json<{ challengeId: string }>().challengeId, code: await nextCode(harness, admin.email) }
  }
  const verify = async (challengeId: string, code: string) => await post(app, '/api/v1/admin/auth/verify', { challengeId, code })

  const guessed = await challenge()
  for (let attempt = 1; attempt <= 5; attempt++) t.equal((await verify(guessed.challengeId, wrongCode(guessed.code))).json().code, 'INVALID_CODE', `wrong try ${attempt}`)
  t.equal((await verify(guessed.challengeId, guessed.code)).json().code, 'CODE_ATTEMPTS_EXCEEDED', 'the sixth try is refused, right code or not')

  const late = await challenge()
  await app.orm.em.fork().execute("update one_time_codes set expires_at = now() - interval '1 second' where id = ?", [late.challengeId])
  t.equal((await verify(late.challengeId, late.code)).json().code, 'CODE_EXPIRED')

  const used = await challenge()
  t.equal((await verify(used.challengeId, used.code)).statusCode, 200)
  t.equal((await verify(used.challengeId, used.code)).json().code, 'INVALID_CODE', 'a code works once')

  const superseded = await challenge()
  const newer = await challenge()
  t.equal((await verify(superseded.challengeId, superseded.code)).json().code, 'INVALID_CODE', 'a newer challenge kills the older one')

  await app.orm.em.fork().execute('update users set disabled_at = now() where id = ?', [admin.id])
  const disabled = await verify(newer.challengeId, newer.code)
  t.equal(disabled.statusCode, 401)
  t.equal(disabled.json().code, 'ACCOUNT_DISABLED', 'an account disabled between the two steps gets no tokens')
})

t.test('one right code sent many times at once gives exactly one session', async (t) => {
  const harness = await buildWithMail(t)
  const { email, code } = await signUp(harness)
  const answers = await Promise.all(Array.from({ length: 10 }, async () => await post(harness.app, '/api/v1/auth/verify-email', { email, code })))
  t.same(answers.map((answer) => answer.statusCode).sort(), [200, ...Array<number>(9).fill(400)], 'one verification, nine refusals')
  const [row] = await harness.app.orm.em.fork().execute<Array<{ count: string }>>('select count(*) from sessions')
  t.equal(Number(row?.count), 1, 'one session')

  const admin = await bootstrapAdmin(harness)
  const step1 = await post(harness.app, '/api/v1/admin/auth/signin', { email: admin.email, password: PASSWORD })
  const challengeId = step1.json<{ challengeId: string }>().challengeId
  const staffCode = await nextCode(harness, admin.email)
  const staffAnswers = await Promise.all(Array.from({ length: 10 }, async () => await post(harness.app, '/api/v1/admin/auth/verify', { challengeId, code: staffCode })))
  t.same(staffAnswers.map((answer) => answer.statusCode).sort(), [200, ...Array<number>(9).fill(400)], 'one staff sign-in from one challenge')
})
