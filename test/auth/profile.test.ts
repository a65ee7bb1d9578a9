import t from 'tap'
import type { components } from '../../openapi/schema.js'
import type { ApiClient } from '../helpers/client.js'
import { concurrently } from '../helpers/concurrency.js'
import { bearer, bootstrapAdmin, buildWithMail, codeInSubject, nextCode, signUpVerified, uniqueEmail, wrongCode, PASSWORD } from '../helpers/identity.js'
import { problem, validationProblem, ISO_INSTANT, JSON_TYPE, PROBLEM_JSON, UUID_V7 } from '../helpers/problems.js'

type Tokens = { accessToken: string }

async function getMe (api: ApiClient, tokens: Tokens) {
  return await api.GET('/api/v1/me', { headers: bearer(tokens) })
}

async function patchMe (api: ApiClient, tokens: Tokens, body: components['schemas']['UpdateProfileRequest']) {
  return await api.PATCH('/api/v1/me', { headers: bearer(tokens), body })
}

const INVALID_CREDENTIALS = problem(401, 'INVALID_CREDENTIALS', 'The email or password is incorrect.', '/api/v1/auth/signin')
const EMAIL_TAKEN = 'An account with this email address already exists.'

t.test('GET /me answers the signed-in customer\'s profile', async (t) => {
  const harness = await buildWithMail(t)
  const customer = await signUpVerified(harness)

  const me = await getMe(harness.api, customer)
  t.equal(me.response.status, 200)
  t.equal(me.response.headers.get('content-type'), JSON_TYPE)
  const body = me.data!
  t.match(body, { id: UUID_V7, createdAt: ISO_INSTANT, updatedAt: ISO_INSTANT })
  t.same(body, {
    id: body.id,
    email: customer.email,
    name: 'Test Customer',
    phone: null,
    role: 'CUSTOMER',
    emailVerified: true,
    mustChangePassword: false,
    createdAt: body.createdAt,
    updatedAt: body.updatedAt
  })
})

t.test('GET /me answers a staff member\'s profile too', async (t) => {
  const harness = await buildWithMail(t)
  const admin = await bootstrapAdmin(harness)

  const me = await getMe(harness.api, admin)
  t.equal(me.response.status, 200)
  t.equal(me.response.headers.get('content-type'), JSON_TYPE)
  const body = me.data!
  t.match(body, { createdAt: ISO_INSTANT, updatedAt: ISO_INSTANT })
  t.same(body, {
    id: admin.id,
    email: admin.email,
    name: 'First Admin',
    phone: null,
    role: 'ADMIN',
    emailVerified: true,
    mustChangePassword: false,
    createdAt: body.createdAt,
    updatedAt: body.updatedAt
  })

  const renamed = await patchMe(harness.api, admin, { name: 'Grace Hopper' })
  t.equal(renamed.response.status, 200, 'staff may change their own name')
  t.equal(renamed.data?.name, 'Grace Hopper')
  t.equal(renamed.data?.role, 'ADMIN')
})

t.test('without a token /me answers 401 with a bearer challenge', async (t) => {
  const { api } = await buildWithMail(t)
  const requests: Array<[string, string, () => Promise<{ response: Response, error?: unknown }>]> = [
    ['GET', '/api/v1/me', async () => await api.GET('/api/v1/me')],
    ['PATCH', '/api/v1/me', async () => await api.PATCH('/api/v1/me', { body: { name: 'Nobody' } })],
    ['POST', '/api/v1/me/email', async () => await api.POST('/api/v1/me/email', { body: { newEmail: uniqueEmail(), password: PASSWORD } })],
    ['POST', '/api/v1/me/email/verify', async () => await api.POST('/api/v1/me/email/verify', { body: { code: '123456' } })]
  ]
  for (const [method, url, send] of requests) {
    const { error, response } = await send()
    t.equal(response.status, 401, `${method} ${url}`)
    t.equal(response.headers.get('content-type'), PROBLEM_JSON)
    t.equal(response.headers.get('www-authenticate'), 'Bearer')
    t.same(error, problem(401, 'UNAUTHORIZED', 'A valid bearer access token is required.', url))
  }

  const garbage = await api.GET('/api/v1/me', { headers: { authorization: 'Bearer not.a.jwt' } })
  t.equal(garbage.response.status, 401)
  t.equal(garbage.response.headers.get('www-authenticate'), 'Bearer')
  t.same(garbage.error, problem(401, 'INVALID_TOKEN', 'The access token is not valid.', '/api/v1/me'))
})

t.test('PATCH /me changes the name and the phone; null clears the phone', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const customer = await signUpVerified(harness)
  const before = (await getMe(api, customer)).data!

  const both = await patchMe(api, customer, { name: '  Ada King  ', phone: '+442071234567' })
  t.equal(both.response.status, 200)
  t.equal(both.response.headers.get('content-type'), JSON_TYPE)
  const changed = both.data!
  t.same(changed, { ...before, name: 'Ada King', phone: '+442071234567', updatedAt: changed.updatedAt }, 'the name is trimmed')
  t.match(changed.updatedAt, ISO_INSTANT)
  t.ok(changed.updatedAt >= before.updatedAt, 'updatedAt moves forward')
  t.same((await getMe(api, customer)).data, changed, 'the change is stored')

  const nameOnly = await patchMe(api, customer, { name: 'Ada Lovelace' })
  t.equal(nameOnly.response.status, 200)
  t.same(nameOnly.data, { ...changed, name: 'Ada Lovelace', updatedAt: nameOnly.data?.updatedAt }, 'the phone is untouched when not sent')

  const cleared = await patchMe(api, customer, { phone: null })
  t.equal(cleared.response.status, 200)
  t.same(cleared.data, { ...changed, name: 'Ada Lovelace', phone: null, updatedAt: cleared.data?.updatedAt }, 'null clears the phone')
  t.same((await getMe(api, customer)).data, cleared.data)
})

t.test('PATCH /me rejects other properties rather than ignoring them', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const customer = await signUpVerified(harness)
  const before = (await getMe(api, customer)).data!

  const attempts: Array<[string, unknown]> = [
    ['role', 'ADMIN'],
    ['email', uniqueEmail('hijack')],
    ['emailVerified', false],
    ['id', '01900000-0000-7000-8000-000000000000'],
    ['mustChangePassword', true],
    ['passwordHash', 'x'],
    ['favouriteColour', 'violet']
  ]
  // Properties the contract does not have: bodies it refuses.
  for (const [property, value] of attempts) {
    const response = await patchMe(api, customer, { name: 'Sneaky', [property]: value } as never)
    t.equal(response.response.status, 400, property)
    t.equal(response.response.headers.get('content-type'), PROBLEM_JSON)
    t.same(response.error, validationProblem('/api/v1/me', [{ pointer: `/body/${property}`, detail: 'must NOT have additional properties' }]))
  }
  const alone = await patchMe(api, customer, { role: 'ADMIN' } as never)
  t.equal(alone.response.status, 400)
  t.same(alone.error, validationProblem('/api/v1/me', [{ pointer: '/body/role', detail: 'must NOT have additional properties' }]))

  t.same((await getMe(api, customer)).data, before, 'nothing changed, not even the name sent beside them')
})

t.test('PATCH /me validates its body', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const customer = await signUpVerified(harness)
  const before = (await getMe(api, customer)).data!

  const empty = await patchMe(api, customer, {})
  t.equal(empty.response.status, 400)
  t.equal(empty.response.headers.get('content-type'), PROBLEM_JSON)
  t.same(empty.error, validationProblem('/api/v1/me', [{ pointer: '/body', detail: 'must NOT have fewer than 1 properties' }]))

  // A phone is E.164 or null; anything else fails both branches of the schema's anyOf, each reported.
  const phoneErrors = [
    { pointer: '/body/phone', detail: 'must match pattern "^\\+[1-9][0-9]{6,14}$"' },
    { pointer: '/body/phone', detail: 'must be null' },
    { pointer: '/body/phone', detail: 'must match a schema in anyOf' }
  ]
  for (const phone of ['02071234567', '+0442071234567', '+44 20 7123 4567', '+12345', '+1234567890123456', '+44207123456x', '']) {
    const response = await patchMe(api, customer, { name: 'Ada King', phone })
    t.equal(response.response.status, 400, `phone ${JSON.stringify(phone)}`)
    t.equal(response.response.headers.get('content-type'), PROBLEM_JSON)
    t.same(response.error, validationProblem('/api/v1/me', phoneErrors))
  }
  // Wrong JSON types: bodies the contract refuses.
  const numeric = await patchMe(api, customer, { phone: 442071234567 } as never)
  t.equal(numeric.response.status, 400, 'a number is not a phone, nor turned into one')
  t.same(numeric.error, validationProblem('/api/v1/me', [
    { pointer: '/body/phone', detail: 'must be string' },
    { pointer: '/body/phone', detail: 'must be null' },
    { pointer: '/body/phone', detail: 'must match a schema in anyOf' }
  ]))

  const blankName = await patchMe(api, customer, { name: '   ' })
  t.equal(blankName.response.status, 400)
  t.same(blankName.error, validationProblem('/api/v1/me', [{ pointer: '/body/name', detail: 'must match pattern "\\S"' }]))

  const longName = await patchMe(api, customer, { name: 'x'.repeat(101) })
  t.equal(longName.response.status, 400)
  t.same(longName.error, validationProblem('/api/v1/me', [{ pointer: '/body/name', detail: 'must NOT have more than 100 characters' }]))

  const nullName = await patchMe(api, customer, { name: null } as never)
  t.equal(nullName.response.status, 400, 'the name cannot be cleared')
  t.same(nullName.error, validationProblem('/api/v1/me', [{ pointer: '/body/name', detail: 'must be string' }]))

  t.same((await getMe(api, customer)).data, before, 'nothing changed')
})

t.test('changing the email address', async (t) => {
  const harness = await buildWithMail(t)
  const { api, smtp } = harness
  const customer = await signUpVerified(harness)
  const other = await signUpVerified(harness)
  const before = (await getMe(api, customer)).data!
  const newEmail = uniqueEmail('renamed')

  const wrongPassword = await api.POST('/api/v1/me/email', { headers: bearer(customer), body: { newEmail, password: 'not the password' } })
  t.equal(wrongPassword.response.status, 400)
  t.equal(wrongPassword.response.headers.get('content-type'), PROBLEM_JSON)
  t.same(wrongPassword.error, problem(400, 'INVALID_CURRENT_PASSWORD', 'The current password is incorrect.', '/api/v1/me/email'))

  for (const taken of [other.email, other.email.toUpperCase(), customer.email]) {
    const response = await api.POST('/api/v1/me/email', { headers: bearer(customer), body: { newEmail: taken, password: PASSWORD } })
    t.equal(response.response.status, 409, `${taken} is taken`)
    t.equal(response.response.headers.get('content-type'), PROBLEM_JSON)
    t.same(response.error, problem(409, 'EMAIL_TAKEN', EMAIL_TAKEN, '/api/v1/me/email'))
  }

  // An unknown property beside an invalid address: a body the contract refuses.
  const invalid = await api.POST('/api/v1/me/email', { headers: bearer(customer), body: { newEmail: 'not-an-email', password: PASSWORD, role: 'ADMIN' } as never })
  t.equal(invalid.response.status, 400)
  t.same(invalid.error, validationProblem('/api/v1/me/email', [
    { pointer: '/body/role', detail: 'must NOT have additional properties' },
    { pointer: '/body/newEmail', detail: 'must match format "email"' }
  ]))

  const started = await api.POST('/api/v1/me/email', { headers: bearer(customer), body: { newEmail: `  ${newEmail.toUpperCase()} `, password: PASSWORD } })
  t.equal(started.response.status, 202)
  t.equal(started.response.headers.get('content-type'), JSON_TYPE)
  t.same(started.data, { email: newEmail, codeExpiresIn: 600 }, 'the new address is normalised')

  const mail = await smtp.nextMessage(newEmail)
  t.match(mail.subject, /^Confirm your new email address: \d{6}$/)
  const code = codeInSubject(mail)
  t.match(code, /^\d{6}$/)
  t.ok(mail.text?.includes(code), 'the code is in the plain-text part')
  t.notOk(smtp.messages.some((m) => m !== mail && m.subject?.startsWith('Confirm your new email address')), 'no code goes anywhere else')

  t.same((await getMe(api, customer)).data, before, 'nothing changes before the code is verified')

  const wrong = await api.POST('/api/v1/me/email/verify', { headers: bearer(customer), body: { code: wrongCode(code) } })
  t.equal(wrong.response.status, 400)
  t.equal(wrong.response.headers.get('content-type'), PROBLEM_JSON)
  t.same(wrong.error, problem(400, 'INVALID_CODE', 'The code is wrong or no longer valid.', '/api/v1/me/email/verify'))

  const otherTries = await api.POST('/api/v1/me/email/verify', { headers: bearer(other), body: { code } })
  t.equal(otherTries.response.status, 400, 'the code belongs to the account that asked for it')
  t.equal(otherTries.error?.code, 'INVALID_CODE')

  const verified = await api.POST('/api/v1/me/email/verify', { headers: bearer(customer), body: { code } })
  t.equal(verified.response.status, 200)
  t.equal(verified.response.headers.get('content-type'), JSON_TYPE)
  const after = verified.data!
  t.same(after, { ...before, email: newEmail, updatedAt: after.updatedAt })
  t.same((await getMe(api, customer)).data, after, 'the profile shows the new email')

  const again = await api.POST('/api/v1/me/email/verify', { headers: bearer(customer), body: { code } })
  t.equal(again.response.status, 400, 'a code works once')
  t.equal(again.error?.code, 'INVALID_CODE')

  const signInNew = await api.POST('/api/v1/auth/signin', { body: { email: newEmail, password: PASSWORD } })
  t.equal(signInNew.response.status, 200, 'sign-in works with the new email')
  t.equal((await getMe(api, signInNew.data!)).data?.id, before.id)

  const signInOld = await api.POST('/api/v1/auth/signin', { body: { email: customer.email, password: PASSWORD } })
  t.equal(signInOld.response.status, 401, 'and fails with the old one')
  t.equal(signInOld.response.headers.get('www-authenticate'), 'Bearer')
  t.same(signInOld.error, INVALID_CREDENTIALS)

  const reuseOld = await api.POST('/api/v1/me/email', { headers: bearer(other), body: { newEmail: customer.email, password: PASSWORD } })
  t.equal(reuseOld.response.status, 202, 'the old address is free again')
})

t.test('verifying an email change without a pending change', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const customer = await signUpVerified(harness)
  const response = await api.POST('/api/v1/me/email/verify', { headers: bearer(customer), body: { code: '123456' } })
  t.equal(response.response.status, 400)
  t.equal(response.error?.code, 'INVALID_CODE')

  const malformed = await api.POST('/api/v1/me/email/verify', { headers: bearer(customer), body: { code: '12345' } })
  t.equal(malformed.response.status, 400)
  t.same(malformed.error, validationProblem('/api/v1/me/email/verify', [{ pointer: '/body/code', detail: 'must match pattern "^[0-9]{6}$"' }]))
})

t.test('an address taken while the change was pending is refused at verification', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const customer = await signUpVerified(harness)
  const newEmail = uniqueEmail('contested')

  const started = await api.POST('/api/v1/me/email', { headers: bearer(customer), body: { newEmail, password: PASSWORD } })
  t.equal(started.response.status, 202)
  const code = await nextCode(harness, newEmail)
  await signUpVerified(harness, newEmail)

  const verified = await api.POST('/api/v1/me/email/verify', { headers: bearer(customer), body: { code } })
  t.equal(verified.response.status, 409)
  t.same(verified.error, problem(409, 'EMAIL_TAKEN', EMAIL_TAKEN, '/api/v1/me/email/verify'))
  t.equal((await getMe(api, customer)).data?.email, customer.email, 'the email is unchanged')
})

t.test('concurrent profile updates all succeed and the stored profile is one of them', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const customer = await signUpVerified(harness)

  const names = Array.from({ length: 10 }, (_, i) => `Concurrent ${i}`)
  const responses = await concurrently(10, async (i) =>
    await patchMe(api, customer, { name: names[i], phone: `+4420712345${String(i).padStart(2, '0')}` }))
  t.same(responses.map((r) => r.response.status), Array(10).fill(200), 'no update is refused')
  responses.forEach((response, i) => {
    t.equal(response.data?.name, names[i])
  })

  const stored = (await getMe(api, customer)).data!
  const index = names.indexOf(stored.name)
  t.ok(index >= 0, 'the stored name is one of those sent')
  t.equal(stored.phone, `+4420712345${String(index).padStart(2, '0')}`, 'with the phone sent beside it')
})
