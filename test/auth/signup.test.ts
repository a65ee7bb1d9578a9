import t from 'tap'
import { bearer, buildWithMail, nextCode, post, signUpVerified, uniqueEmail, PASSWORD, type Tokens } from '../helpers/identity.js'

t.test('sign-up → emailed code → verify → sign in → refresh → sign out', async (t) => {
  const harness = await buildWithMail(t)
  const { app, smtp } = harness
  const email = uniqueEmail()

  const signUp = await post(app, '/api/v1/auth/signup', { email: `  ${email.toUpperCase()} `, password: PASSWORD, name: ' Ada Lovelace ' })
  t.equal(signUp.statusCode, 202)
  t.same(signUp.json(), { email, codeExpiresIn: 600 })

  const mail = await smtp.nextMessage(email)
  t.match(mail.subject, /^Your verification code: \d{6}$/)
  t.ok(mail.text?.includes('Ada Lovelace'), 'plain-text part')
  t.match(mail.html, /<p style="font-size:24px[^"]*">\d{6}<\/p>/, 'HTML part')
  const code = /(\d{6})/.exec(mail.subject ?? '')?.[1] ?? ''

  const early = await post(app, '/api/v1/auth/signin', { email, password: PASSWORD })
  t.equal(early.statusCode, 403, 'an unverified customer cannot sign in yet')
  t.equal(early.json().code, 'EMAIL_NOT_VERIFIED')
  const freshCode = await nextCode(harness, email)
  t.not(freshCode, undefined, 'and is sent a fresh code')

  const stale = await post(app, '/api/v1/auth/verify-email', { email, code })
  t.equal(stale.json().code, code === freshCode ? undefined : 'INVALID_CODE', 'the earlier code died when the fresh one was sent')

  const verified = await post(app, '/api/v1/auth/verify-email', { email, code: freshCode })
  t.equal(verified.statusCode, 200)
  const first = verified.json<Tokens>()
  t.match(first, { accessToken: /^[\w-]+\.[\w-]+\.[\w-]+$/, refreshToken: /^[0-9a-f-]{36}\.[\w-]{43}$/, expiresIn: 900, tokenType: 'Bearer' })

  const again = await post(app, '/api/v1/auth/verify-email', { email, code: freshCode })
  t.equal(again.statusCode, 400, 'a code works once')

  const signIn = await post(app, '/api/v1/auth/signin', { email: email.toUpperCase(), password: PASSWORD })
  t.equal(signIn.statusCode, 200)
  const session = signIn.json<Tokens>()

  const me = await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(session) })
  t.equal(me.statusCode, 200)
  t.match(me.json(), { email, name: 'Ada Lovelace', role: 'CUSTOMER', emailVerified: true, phone: null })
  t.notOk('passwordHash' in me.json(), 'no response carries a password hash')

  const refreshed = await post(app, '/api/v1/auth/refresh', { refreshToken: session.refreshToken })
  t.equal(refreshed.statusCode, 200)
  const rotated = refreshed.json<Tokens>()
  t.not(rotated.refreshToken, session.refreshToken, 'the refresh token rotates')

  const signOut = await post(app, '/api/v1/auth/signout', undefined, bearer(rotated))
  t.equal(signOut.statusCode, 204)
  t.equal(signOut.body, '')
  const after = await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(rotated) })
  t.equal(after.statusCode, 401, 'a signed-out access token stops working at once')
  t.equal(after.json().code, 'SESSION_REVOKED')
  const refreshAfter = await post(app, '/api/v1/auth/refresh', { refreshToken: rotated.refreshToken })
  t.equal(refreshAfter.statusCode, 401)

  const other = await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(first) })
  t.equal(other.statusCode, 200, 'other sessions are untouched by sign-out')
})

t.test('sign-up answers a taken email exactly like a new one, and tells the owner instead', async (t) => {
  const harness = await buildWithMail(t)
  const { app, smtp } = harness
  const owner = await signUpVerified(harness)
  const fresh = uniqueEmail()

  const taken = await post(app, '/api/v1/auth/signup', { email: owner.email.toUpperCase(), password: 'another long password', name: 'Intruder' })
  const created = await post(app, '/api/v1/auth/signup', { email: fresh, password: PASSWORD, name: 'Newcomer' })
  t.equal(taken.statusCode, 202)
  t.equal(created.statusCode, 202)
  t.same(taken.json(), { email: owner.email, codeExpiresIn: 600 })
  t.same(created.json(), { email: fresh, codeExpiresIn: 600 })
  const headersOf = (response: typeof taken): string[] => Object.keys(response.headers).filter((name) => !['date', 'x-request-id', 'content-length'].includes(name)).sort()
  t.same(headersOf(taken), headersOf(created), 'the same headers')
  t.equal(Number(taken.headers['content-length']) - owner.email.length, Number(created.headers['content-length']) - fresh.length, 'bodies differ only by the address')

  const notice = await smtp.nextMessage(owner.email)
  t.equal(notice.subject, 'Someone tried to sign up with your email address')
  t.match(notice.text, /sign in with your password, or reset the password/)
  t.notMatch(notice.text, /\b\d{6}\b/, 'the notice carries no code')
  t.match(await nextCode(harness, fresh), /^\d{6}$/, 'the new address gets its code')

  const signIn = await post(app, '/api/v1/auth/signin', { email: owner.email, password: PASSWORD })
  t.equal(signIn.statusCode, 200, "the owner's password still works")
  const intruder = await post(app, '/api/v1/auth/signin', { email: owner.email, password: 'another long password' })
  t.equal(intruder.statusCode, 401, "and the second sign-up's password does not")
  const users = await app.orm.em.fork().execute<Array<{ name: string }>>('select name from users where email = ?', [owner.email])
  t.same(users, [{ name: 'Test Customer' }], 'the account is untouched')
  t.equal(smtp.messages.filter((message) => message.subject?.startsWith('Your verification code')).length, 2, 'no code went to the taken address')
})

t.test('concurrent sign-ups with one new address create one account and send one code', async (t) => {
  const harness = await buildWithMail(t)
  const { app, smtp } = harness
  const email = uniqueEmail()
  const answers = await Promise.all(Array.from({ length: 5 }, async () => await post(app, '/api/v1/auth/signup', { email, password: PASSWORD, name: 'Racer' })))
  t.same(answers.map((answer) => answer.statusCode), [202, 202, 202, 202, 202])
  await nextCode(harness, email)
  for (let notices = 0; notices < 4; notices++) await smtp.nextMessage(email)
  const [row] = await app.orm.em.fork().execute<Array<{ count: string }>>('select count(*) from users where email = ?', [email])
  t.equal(Number(row?.count), 1, 'one account')
  const subjects = smtp.messages.map((message) => message.subject ?? '')
  t.equal(subjects.filter((subject) => subject.startsWith('Your verification code')).length, 1, 'one code')
  t.equal(subjects.filter((subject) => subject.startsWith('Someone tried')).length, 4, 'the others found the account taken')
})

t.test('sign-up refuses weak passwords, malformed addresses and unknown fields', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness

  const common = await post(app, '/api/v1/auth/signup', { email: uniqueEmail(), password: 'Password123', name: 'Weak' })
  t.equal(common.statusCode, 400)
  t.same(common.json().errors, [{ pointer: '/body/password', detail: 'is one of the most commonly used passwords; choose another' }])

  const short = await post(app, '/api/v1/auth/signup', { email: uniqueEmail(), password: 'short', name: 'Short' })
  t.equal(short.statusCode, 400)
  t.same(short.json().errors, [{ pointer: '/body/password', detail: 'must NOT have fewer than 10 characters' }])

  const badEmail = await post(app, '/api/v1/auth/signup', { email: 'not-an-email', password: PASSWORD, name: 'X' })
  t.equal(badEmail.statusCode, 400)
  t.equal(badEmail.json().errors[0].pointer, '/body/email')

  // Each of these is one string that a mailer could read as another recipient, or as none.
  for (const email of ['x,second@probe.test', 'a@b.co, c@d.ef', 'a;b@c.de', 'Name <a@b.co>', '"x y"@b.co', 'a b@c.de', 'a@b.co\nBcc: c@d.ef', '(c)a@b.co', 'a@b', '.a@b.co', 'a..b@c.de', 'a@-b.co']) {
    const refused = await post(app, '/api/v1/auth/signup', { email, password: PASSWORD, name: 'List' })
    t.equal(refused.statusCode, 400, `${JSON.stringify(email)} is refused`)
    t.same(refused.json().errors, [{ pointer: '/body/email', detail: 'must match format "email"' }])
  }
  const accepted = ["o'hara+shop@example.co.uk", 'müller@bücher.de', 'first.last@mail-1.example.org']
  for (const email of accepted) {
    t.equal((await post(app, '/api/v1/auth/signup', { email, password: PASSWORD, name: 'Fine' })).statusCode, 202, `${email} is accepted`)
    await nextCode(harness, email)
  }
  t.same(harness.smtp.recipients, accepted.map((email) => [email]), 'mail went to the accepted addresses only, one each')

  const massAssignment = await post(app, '/api/v1/auth/signup', { email: uniqueEmail(), password: PASSWORD, name: 'Sneaky', role: 'ADMIN' })
  t.equal(massAssignment.statusCode, 400)
  t.same(massAssignment.json().errors, [{ pointer: '/body/role', detail: 'must NOT have additional properties' }])

  const missing = await post(app, '/api/v1/auth/signup', { email: uniqueEmail() })
  t.equal(missing.statusCode, 400)
  t.same(missing.json().errors.map((e: { pointer: string }) => e.pointer).sort(), ['/body/name', '/body/password'])
})

t.test('wrong email and wrong password answer the same', async (t) => {
  const harness = await buildWithMail(t)
  const { email } = await signUpVerified(harness)
  const wrongPassword = await post(harness.app, '/api/v1/auth/signin', { email, password: 'not the password' })
  const wrongEmail = await post(harness.app, '/api/v1/auth/signin', { email: uniqueEmail('nobody'), password: PASSWORD })
  t.equal(wrongPassword.statusCode, 401)
  t.equal(wrongEmail.statusCode, 401)
  const { instance: _a, ...first } = wrongPassword.json()
  const { instance: _b, ...second } = wrongEmail.json()
  t.same(first, second)
  t.equal(first.code, 'INVALID_CREDENTIALS')
})
