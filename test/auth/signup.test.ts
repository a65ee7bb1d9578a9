import t from 'tap'
import { concurrently } from '../helpers/concurrency.js'
import { bearer, buildWithMail, codeInSubject, nextCode, signUpVerified, uniqueEmail, PASSWORD } from '../helpers/identity.js'

t.test('sign-up → emailed code → verify → sign in → refresh → sign out', async (t) => {
  const harness = await buildWithMail(t)
  const { api, smtp } = harness
  const email = uniqueEmail()

  const signUp = await api.POST('/api/v1/auth/signup', { body: { email: `  ${email.toUpperCase()} `, password: PASSWORD, name: ' Ada Lovelace ' } })
  t.equal(signUp.response.status, 202)
  t.same(signUp.data, { email, codeExpiresIn: 600 })

  const mail = await smtp.nextMessage(email)
  t.match(mail.subject, /^Your verification code: \d{6}$/)
  t.ok(mail.text?.includes('Ada Lovelace'), 'plain-text part')
  t.match(mail.html, /<p style="font-size:24px[^"]*">\d{6}<\/p>/, 'HTML part')
  const code = codeInSubject(mail)

  const early = await api.POST('/api/v1/auth/signin', { body: { email, password: PASSWORD } })
  t.equal(early.response.status, 403, 'an unverified customer cannot sign in yet')
  t.equal(early.error?.code, 'EMAIL_NOT_VERIFIED')
  const freshCode = await nextCode(harness, email)
  t.not(freshCode, undefined, 'and is sent a fresh code')

  const stale = await api.POST('/api/v1/auth/verify-email', { body: { email, code } })
  t.equal(stale.error?.code, code === freshCode ? undefined : 'INVALID_CODE', 'the earlier code died when the fresh one was sent')

  const verified = await api.POST('/api/v1/auth/verify-email', { body: { email, code: freshCode } })
  t.equal(verified.response.status, 200)
  const first = verified.data!
  t.match(first, { accessToken: /^[\w-]+\.[\w-]+\.[\w-]+$/, refreshToken: /^[0-9a-f-]{36}\.[\w-]{43}$/, expiresIn: 900, tokenType: 'Bearer' })

  const again = await api.POST('/api/v1/auth/verify-email', { body: { email, code: freshCode } })
  t.equal(again.response.status, 400, 'a code works once')

  const signIn = await api.POST('/api/v1/auth/signin', { body: { email: email.toUpperCase(), password: PASSWORD } })
  t.equal(signIn.response.status, 200)
  const session = signIn.data!

  const me = await api.GET('/api/v1/me', { headers: bearer(session) })
  t.equal(me.response.status, 200)
  t.match(me.data, { email, name: 'Ada Lovelace', role: 'CUSTOMER', emailVerified: true, phone: null })
  t.notOk('passwordHash' in me.data!, 'no response carries a password hash')

  const refreshed = await api.POST('/api/v1/auth/refresh', { body: { refreshToken: session.refreshToken } })
  t.equal(refreshed.response.status, 200)
  const rotated = refreshed.data!
  t.not(rotated.refreshToken, session.refreshToken, 'the refresh token rotates')

  const signOut = await api.POST('/api/v1/auth/signout', { headers: bearer(rotated) })
  t.equal(signOut.response.status, 204)
  t.equal(signOut.data, undefined, 'no body (the client over inject refuses a 204 that carries one)')
  const after = await api.GET('/api/v1/me', { headers: bearer(rotated) })
  t.equal(after.response.status, 401, 'a signed-out access token stops working at once')
  t.equal(after.error?.code, 'SESSION_REVOKED')
  const refreshAfter = await api.POST('/api/v1/auth/refresh', { body: { refreshToken: rotated.refreshToken } })
  t.equal(refreshAfter.response.status, 401)

  const other = await api.GET('/api/v1/me', { headers: bearer(first) })
  t.equal(other.response.status, 200, 'other sessions are untouched by sign-out')
})

t.test('sign-up answers a taken email exactly like a new one, and tells the owner instead', async (t) => {
  const harness = await buildWithMail(t)
  const { app, api, smtp } = harness
  const owner = await signUpVerified(harness)
  const fresh = uniqueEmail()

  const taken = await api.POST('/api/v1/auth/signup', { body: { email: owner.email.toUpperCase(), password: 'another long password', name: 'Intruder' } })
  const created = await api.POST('/api/v1/auth/signup', { body: { email: fresh, password: PASSWORD, name: 'Newcomer' } })
  t.equal(taken.response.status, 202)
  t.equal(created.response.status, 202)
  t.same(taken.data, { email: owner.email, codeExpiresIn: 600 })
  t.same(created.data, { email: fresh, codeExpiresIn: 600 })
  const headersOf = (response: Response): string[] => [...response.headers.keys()].filter((name) => !['date', 'x-request-id', 'content-length'].includes(name)).sort()
  t.same(headersOf(taken.response), headersOf(created.response), 'the same headers')
  const lengthOf = (response: Response): number => Number(response.headers.get('content-length') ?? Number.NaN)
  t.equal(lengthOf(taken.response) - owner.email.length, lengthOf(created.response) - fresh.length, 'bodies differ only by the address')

  const notice = await smtp.nextMessage(owner.email)
  t.equal(notice.subject, 'Someone tried to sign up with your email address')
  t.match(notice.text, /sign in with your password, or reset the password/)
  t.notMatch(notice.text, /\b\d{6}\b/, 'the notice carries no code')
  t.match(await nextCode(harness, fresh), /^\d{6}$/, 'the new address gets its code')

  const signIn = await api.POST('/api/v1/auth/signin', { body: { email: owner.email, password: PASSWORD } })
  t.equal(signIn.response.status, 200, "the owner's password still works")
  const intruder = await api.POST('/api/v1/auth/signin', { body: { email: owner.email, password: 'another long password' } })
  t.equal(intruder.response.status, 401, "and the second sign-up's password does not")
  const users = await app.orm.em.fork().execute<Array<{ name: string }>>('select name from users where email = ?', [owner.email])
  t.same(users, [{ name: 'Test Customer' }], 'the account is untouched')
  t.equal(smtp.messages.filter((message) => message.subject?.startsWith('Your verification code')).length, 2, 'no code went to the taken address')
})

t.test('concurrent sign-ups with one new address create one account and send one code', async (t) => {
  const harness = await buildWithMail(t)
  const { app, api, smtp } = harness
  const email = uniqueEmail()
  const answers = await concurrently(5, async () => await api.POST('/api/v1/auth/signup', { body: { email, password: PASSWORD, name: 'Racer' } }))
  t.same(answers.map((answer) => answer.response.status), [202, 202, 202, 202, 202])
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
  const { api } = harness

  const common = await api.POST('/api/v1/auth/signup', { body: { email: uniqueEmail(), password: 'Password123', name: 'Weak' } })
  t.equal(common.response.status, 400)
  t.same(common.error?.errors, [{ pointer: '/body/password', detail: 'is one of the most commonly used passwords; choose another' }])

  const short = await api.POST('/api/v1/auth/signup', { body: { email: uniqueEmail(), password: 'short', name: 'Short' } })
  t.equal(short.response.status, 400)
  t.same(short.error?.errors, [{ pointer: '/body/password', detail: 'must NOT have fewer than 10 characters' }])

  const badEmail = await api.POST('/api/v1/auth/signup', { body: { email: 'not-an-email', password: PASSWORD, name: 'X' } })
  t.equal(badEmail.response.status, 400)
  t.equal(badEmail.error?.errors?.[0]?.pointer, '/body/email')

  // Each of these is one string that a mailer could read as another recipient, or as none.
  for (const email of ['x,second@probe.test', 'a@b.co, c@d.ef', 'a;b@c.de', 'Name <a@b.co>', '"x y"@b.co', 'a b@c.de', 'a@b.co\nBcc: c@d.ef', '(c)a@b.co', 'a@b', '.a@b.co', 'a..b@c.de', 'a@-b.co']) {
    const refused = await api.POST('/api/v1/auth/signup', { body: { email, password: PASSWORD, name: 'List' } })
    t.equal(refused.response.status, 400, `${JSON.stringify(email)} is refused`)
    t.same(refused.error?.errors, [{ pointer: '/body/email', detail: 'must match format "email"' }])
  }
  const accepted = ["o'hara+shop@example.co.uk", 'müller@bücher.de', 'first.last@mail-1.example.org']
  for (const email of accepted) {
    t.equal((await api.POST('/api/v1/auth/signup', { body: { email, password: PASSWORD, name: 'Fine' } })).response.status, 202, `${email} is accepted`)
    await nextCode(harness, email)
  }
  t.same(harness.smtp.recipients, accepted.map((email) => [email]), 'mail went to the accepted addresses only, one each')

  // An unknown property, and then missing ones: bodies the contract refuses.
  const massAssignment = await api.POST('/api/v1/auth/signup', { body: { email: uniqueEmail(), password: PASSWORD, name: 'Sneaky', role: 'ADMIN' } as never })
  t.equal(massAssignment.response.status, 400)
  t.same(massAssignment.error?.errors, [{ pointer: '/body/role', detail: 'must NOT have additional properties' }])

  const missing = await api.POST('/api/v1/auth/signup', { body: { email: uniqueEmail() } as never })
  t.equal(missing.response.status, 400)
  t.same((missing.error?.errors ?? []).map((error) => error.pointer).sort(), ['/body/name', '/body/password'])
})

t.test('wrong email and wrong password answer the same', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const { email } = await signUpVerified(harness)
  const wrongPassword = await api.POST('/api/v1/auth/signin', { body: { email, password: 'not the password' } })
  const wrongEmail = await api.POST('/api/v1/auth/signin', { body: { email: uniqueEmail('nobody'), password: PASSWORD } })
  t.equal(wrongPassword.response.status, 401)
  t.equal(wrongEmail.response.status, 401)
  const { instance: _a, ...first } = wrongPassword.error!
  const { instance: _b, ...second } = wrongEmail.error!
  t.same(first, second)
  t.equal(first.code, 'INVALID_CREDENTIALS')
})
