import t from 'tap'
import { buildWithMail, nextCode, post, uniqueEmail, PASSWORD } from '../helpers/identity.js'

async function signUp (harness: Awaited<ReturnType<typeof buildWithMail>>, email = uniqueEmail()): Promise<{ email: string, code: string }> {
  await post(harness.app, '/api/v1/auth/signup', { email, password: PASSWORD, name: 'Code Tester' })
  return { email, code: await nextCode(harness, email) }
}

function wrongCode (code: string): string {
  return code === '000000' ? '111111' : '000000'
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
  t.same(sixth.json(), {
    type: 'urn:commerce-api:problem:code-attempts-exceeded',
    title: 'Bad Request',
    status: 400,
    detail: 'Too many wrong codes; request a new one.',
    instance: '/api/v1/auth/verify-email',
    code: 'CODE_ATTEMPTS_EXCEEDED'
  })

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
  t.equal(guesses.filter((response) => response.json().code === 'INVALID_CODE').length, 5)
  t.equal(guesses.filter((response) => response.json().code === 'CODE_ATTEMPTS_EXCEEDED').length, 15)
  const right = await post(harness.app, '/api/v1/auth/verify-email', { email, code })
  t.equal(right.json().code, 'CODE_ATTEMPTS_EXCEEDED')
})

t.test('an expired code is refused', async (t) => {
  const harness = await buildWithMail(t)
  const { email, code } = await signUp(harness)
  await harness.app.orm.em.fork().execute("update one_time_codes set expires_at = now() - interval '1 second'")
  const expired = await post(harness.app, '/api/v1/auth/verify-email', { email, code })
  t.equal(expired.statusCode, 400)
  t.equal(expired.json().code, 'CODE_EXPIRED')
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
