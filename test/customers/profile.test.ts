import t from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import {
  bearer,
  bootstrapAdmin,
  buildWithMail,
  nextCode,
  post,
  signUpVerified,
  uniqueEmail,
  PASSWORD,
  type Tokens
} from '../helpers/identity.js'

const JSON_TYPE = 'application/json; charset=utf-8'
const PROBLEM_JSON = 'application/problem+json; charset=utf-8'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

interface Profile {
  id: string
  email: string
  name: string
  phone: string | null
  role: string
  emailVerified: boolean
  mustChangePassword: boolean
  createdAt: string
  updatedAt: string
}

async function getMe (app: FastifyInstance, tokens: { accessToken: string }): Promise<LightMyRequestResponse> {
  return await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(tokens) })
}

async function patchMe (app: FastifyInstance, tokens: { accessToken: string }, payload: unknown): Promise<LightMyRequestResponse> {
  return await app.inject({ method: 'PATCH', url: '/api/v1/me', headers: bearer(tokens), payload: payload as object })
}

/** The problem body every validation failure has, listing each failing field. */
function validationProblem (instance: string, errors: Array<{ pointer: string, detail: string }>) {
  return {
    type: 'urn:commerce-api:problem:validation-failed',
    title: 'Validation Failed',
    status: 400,
    detail: `The request is invalid: ${errors.map((e) => `${e.pointer} ${e.detail}`).join('; ')}.`,
    instance,
    code: 'VALIDATION_FAILED',
    errors
  }
}

/** A code of the right shape that is not `code`. */
function wrongCode (code: string): string {
  return ((Number(code) + 1) % 1_000_000).toString().padStart(6, '0')
}

/**
 * Awaits every request before reporting any failure (Promise.all would end the test while the others are
 * still in flight).
 */
async function settled<T> (work: Array<Promise<T>>): Promise<T[]> {
  const results = await Promise.allSettled(work)
  const failure = results.find((result) => result.status === 'rejected')
  if (failure !== undefined) throw failure.reason
  return results.map((result) => (result as PromiseFulfilledResult<T>).value)
}

t.test('GET /me answers the signed-in customer\'s profile', async (t) => {
  const harness = await buildWithMail(t)
  const customer = await signUpVerified(harness)

  const me = await getMe(harness.app, customer)
  t.equal(me.statusCode, 200)
  t.equal(me.headers['content-type'], JSON_TYPE)
  const body = me.json<Profile>()
  t.match(body, { id: UUID, createdAt: ISO_INSTANT, updatedAt: ISO_INSTANT })
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

  const me = await getMe(harness.app, admin)
  t.equal(me.statusCode, 200)
  t.equal(me.headers['content-type'], JSON_TYPE)
  const body = me.json<Profile>()
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

  const renamed = await patchMe(harness.app, admin, { name: 'Grace Hopper' })
  t.equal(renamed.statusCode, 200, 'staff may change their own name')
  t.equal(renamed.json<Profile>().name, 'Grace Hopper')
  t.equal(renamed.json<Profile>().role, 'ADMIN')
})

t.test('without a token /me answers 401 with a bearer challenge', async (t) => {
  const { app } = await buildWithMail(t)
  const requests = [
    { method: 'GET' as const, url: '/api/v1/me' },
    { method: 'PATCH' as const, url: '/api/v1/me', payload: { name: 'Nobody' } },
    { method: 'POST' as const, url: '/api/v1/me/email', payload: { newEmail: uniqueEmail(), password: PASSWORD } },
    { method: 'POST' as const, url: '/api/v1/me/email/verify', payload: { code: '123456' } }
  ]
  for (const request of requests) {
    const response = await app.inject(request)
    t.equal(response.statusCode, 401, `${request.method} ${request.url}`)
    t.equal(response.headers['content-type'], PROBLEM_JSON)
    t.equal(response.headers['www-authenticate'], 'Bearer')
    t.same(response.json(), {
      type: 'urn:commerce-api:problem:unauthorized',
      title: 'Unauthorized',
      status: 401,
      detail: 'A valid bearer access token is required.',
      instance: request.url,
      code: 'UNAUTHORIZED'
    })
  }

  const garbage = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: 'Bearer not.a.jwt' } })
  t.equal(garbage.statusCode, 401)
  t.equal(garbage.headers['www-authenticate'], 'Bearer')
  t.same(garbage.json(), {
    type: 'urn:commerce-api:problem:invalid-token',
    title: 'Unauthorized',
    status: 401,
    detail: 'The access token is not valid.',
    instance: '/api/v1/me',
    code: 'INVALID_TOKEN'
  })
})

t.test('PATCH /me changes the name and the phone; null clears the phone', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const customer = await signUpVerified(harness)
  const before = (await getMe(app, customer)).json<Profile>()

  const both = await patchMe(app, customer, { name: '  Ada King  ', phone: '+442071234567' })
  t.equal(both.statusCode, 200)
  t.equal(both.headers['content-type'], JSON_TYPE)
  const changed = both.json<Profile>()
  t.same(changed, { ...before, name: 'Ada King', phone: '+442071234567', updatedAt: changed.updatedAt }, 'the name is trimmed')
  t.match(changed.updatedAt, ISO_INSTANT)
  t.ok(changed.updatedAt >= before.updatedAt, 'updatedAt moves forward')
  t.same((await getMe(app, customer)).json(), changed, 'the change is stored')

  const nameOnly = await patchMe(app, customer, { name: 'Ada Lovelace' })
  t.equal(nameOnly.statusCode, 200)
  t.same(nameOnly.json(), { ...changed, name: 'Ada Lovelace', updatedAt: nameOnly.json<Profile>().updatedAt }, 'the phone is untouched when not sent')

  const cleared = await patchMe(app, customer, { phone: null })
  t.equal(cleared.statusCode, 200)
  t.same(cleared.json(), { ...changed, name: 'Ada Lovelace', phone: null, updatedAt: cleared.json<Profile>().updatedAt }, 'null clears the phone')
  t.same((await getMe(app, customer)).json(), cleared.json())
})

t.test('PATCH /me rejects other properties rather than ignoring them', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const customer = await signUpVerified(harness)
  const before = (await getMe(app, customer)).json<Profile>()

  const attempts: Array<[string, unknown]> = [
    ['role', 'ADMIN'],
    ['email', uniqueEmail('hijack')],
    ['emailVerified', false],
    ['id', '01900000-0000-7000-8000-000000000000'],
    ['mustChangePassword', true],
    ['passwordHash', 'x'],
    ['favouriteColour', 'violet']
  ]
  for (const [property, value] of attempts) {
    const response = await patchMe(app, customer, { name: 'Sneaky', [property]: value })
    t.equal(response.statusCode, 400, property)
    t.equal(response.headers['content-type'], PROBLEM_JSON)
    t.same(response.json(), validationProblem('/api/v1/me', [{ pointer: `/body/${property}`, detail: 'must NOT have additional properties' }]))
  }
  const alone = await patchMe(app, customer, { role: 'ADMIN' })
  t.equal(alone.statusCode, 400)
  t.same(alone.json(), validationProblem('/api/v1/me', [{ pointer: '/body/role', detail: 'must NOT have additional properties' }]))

  t.same((await getMe(app, customer)).json(), before, 'nothing changed, not even the name sent beside them')
})

t.test('PATCH /me validates its body', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const customer = await signUpVerified(harness)
  const before = (await getMe(app, customer)).json<Profile>()

  const empty = await patchMe(app, customer, {})
  t.equal(empty.statusCode, 400)
  t.equal(empty.headers['content-type'], PROBLEM_JSON)
  t.same(empty.json(), validationProblem('/api/v1/me', [{ pointer: '/body', detail: 'must NOT have fewer than 1 properties' }]))

  // A phone is E.164 or null; anything else fails both branches of the schema's anyOf, each reported.
  const phoneErrors = [
    { pointer: '/body/phone', detail: 'must match pattern "^\\+[1-9][0-9]{6,14}$"' },
    { pointer: '/body/phone', detail: 'must be null' },
    { pointer: '/body/phone', detail: 'must match a schema in anyOf' }
  ]
  for (const phone of ['02071234567', '+0442071234567', '+44 20 7123 4567', '+12345', '+1234567890123456', '+44207123456x', '']) {
    const response = await patchMe(app, customer, { name: 'Ada King', phone })
    t.equal(response.statusCode, 400, `phone ${JSON.stringify(phone)}`)
    t.equal(response.headers['content-type'], PROBLEM_JSON)
    t.same(response.json(), validationProblem('/api/v1/me', phoneErrors))
  }
  const numeric = await patchMe(app, customer, { phone: 442071234567 })
  t.equal(numeric.statusCode, 400, 'a number is not a phone, nor turned into one')
  t.same(numeric.json(), validationProblem('/api/v1/me', [
    { pointer: '/body/phone', detail: 'must be string' },
    { pointer: '/body/phone', detail: 'must be null' },
    { pointer: '/body/phone', detail: 'must match a schema in anyOf' }
  ]))

  const blankName = await patchMe(app, customer, { name: '   ' })
  t.equal(blankName.statusCode, 400)
  t.same(blankName.json(), validationProblem('/api/v1/me', [{ pointer: '/body/name', detail: 'must match pattern "\\S"' }]))

  const longName = await patchMe(app, customer, { name: 'x'.repeat(101) })
  t.equal(longName.statusCode, 400)
  t.same(longName.json(), validationProblem('/api/v1/me', [{ pointer: '/body/name', detail: 'must NOT have more than 100 characters' }]))

  const nullName = await patchMe(app, customer, { name: null })
  t.equal(nullName.statusCode, 400, 'the name cannot be cleared')
  t.same(nullName.json(), validationProblem('/api/v1/me', [{ pointer: '/body/name', detail: 'must be string' }]))

  t.same((await getMe(app, customer)).json(), before, 'nothing changed')
})

t.test('changing the email address', async (t) => {
  const harness = await buildWithMail(t)
  const { app, smtp } = harness
  const customer = await signUpVerified(harness)
  const other = await signUpVerified(harness)
  const before = (await getMe(app, customer)).json<Profile>()
  const newEmail = uniqueEmail('renamed')

  const wrongPassword = await post(app, '/api/v1/me/email', { newEmail, password: 'not the password' }, bearer(customer))
  t.equal(wrongPassword.statusCode, 400)
  t.equal(wrongPassword.headers['content-type'], PROBLEM_JSON)
  t.same(wrongPassword.json(), {
    type: 'urn:commerce-api:problem:invalid-current-password',
    title: 'Bad Request',
    status: 400,
    detail: 'The current password is incorrect.',
    instance: '/api/v1/me/email',
    code: 'INVALID_CURRENT_PASSWORD'
  })

  for (const taken of [other.email, other.email.toUpperCase(), customer.email]) {
    const response = await post(app, '/api/v1/me/email', { newEmail: taken, password: PASSWORD }, bearer(customer))
    t.equal(response.statusCode, 409, `${taken} is taken`)
    t.equal(response.headers['content-type'], PROBLEM_JSON)
    t.same(response.json(), {
      type: 'urn:commerce-api:problem:email-taken',
      title: 'Conflict',
      status: 409,
      detail: 'An account with this email address already exists.',
      instance: '/api/v1/me/email',
      code: 'EMAIL_TAKEN'
    })
  }

  const invalid = await post(app, '/api/v1/me/email', { newEmail: 'not-an-email', password: PASSWORD, role: 'ADMIN' }, bearer(customer))
  t.equal(invalid.statusCode, 400)
  t.same(invalid.json(), validationProblem('/api/v1/me/email', [
    { pointer: '/body/role', detail: 'must NOT have additional properties' },
    { pointer: '/body/newEmail', detail: 'must match format "email"' }
  ]))

  const started = await post(app, '/api/v1/me/email', { newEmail: `  ${newEmail.toUpperCase()} `, password: PASSWORD }, bearer(customer))
  t.equal(started.statusCode, 202)
  t.equal(started.headers['content-type'], JSON_TYPE)
  t.same(started.json(), { email: newEmail, codeExpiresIn: 600 }, 'the new address is normalised')

  const mail = await smtp.nextMessage(newEmail)
  t.match(mail.subject, /^Confirm your new email address: \d{6}$/)
  const code = /(\d{6})/.exec(mail.subject ?? '')?.[1] ?? ''
  t.match(code, /^\d{6}$/)
  t.ok(mail.text?.includes(code), 'the code is in the plain-text part')
  t.notOk(smtp.messages.some((m) => m !== mail && m.subject?.startsWith('Confirm your new email address')), 'no code goes anywhere else')

  t.same((await getMe(app, customer)).json(), before, 'nothing changes before the code is verified')

  const wrong = await post(app, '/api/v1/me/email/verify', { code: wrongCode(code) }, bearer(customer))
  t.equal(wrong.statusCode, 400)
  t.equal(wrong.headers['content-type'], PROBLEM_JSON)
  t.same(wrong.json(), {
    type: 'urn:commerce-api:problem:invalid-code',
    title: 'Bad Request',
    status: 400,
    detail: 'The code is wrong or no longer valid.',
    instance: '/api/v1/me/email/verify',
    code: 'INVALID_CODE'
  })

  const otherTries = await post(app, '/api/v1/me/email/verify', { code }, bearer(other))
  t.equal(otherTries.statusCode, 400, 'the code belongs to the account that asked for it')
  t.equal(otherTries.json().code, 'INVALID_CODE')

  const verified = await post(app, '/api/v1/me/email/verify', { code }, bearer(customer))
  t.equal(verified.statusCode, 200)
  t.equal(verified.headers['content-type'], JSON_TYPE)
  const after = verified.json<Profile>()
  t.same(after, { ...before, email: newEmail, updatedAt: after.updatedAt })
  t.same((await getMe(app, customer)).json(), after, 'the profile shows the new email')

  const again = await post(app, '/api/v1/me/email/verify', { code }, bearer(customer))
  t.equal(again.statusCode, 400, 'a code works once')
  t.equal(again.json().code, 'INVALID_CODE')

  const signInNew = await post(app, '/api/v1/auth/signin', { email: newEmail, password: PASSWORD })
  t.equal(signInNew.statusCode, 200, 'sign-in works with the new email')
  t.equal((await getMe(app, signInNew.json<Tokens>())).json<Profile>().id, before.id)

  const signInOld = await post(app, '/api/v1/auth/signin', { email: customer.email, password: PASSWORD })
  t.equal(signInOld.statusCode, 401, 'and fails with the old one')
  t.equal(signInOld.headers['www-authenticate'], 'Bearer')
  t.same(signInOld.json(), {
    type: 'urn:commerce-api:problem:invalid-credentials',
    title: 'Unauthorized',
    status: 401,
    detail: 'The email or password is incorrect.',
    instance: '/api/v1/auth/signin',
    code: 'INVALID_CREDENTIALS'
  })

  const reuseOld = await post(app, '/api/v1/me/email', { newEmail: customer.email, password: PASSWORD }, bearer(other))
  t.equal(reuseOld.statusCode, 202, 'the old address is free again')
})

t.test('verifying an email change without a pending change', async (t) => {
  const harness = await buildWithMail(t)
  const customer = await signUpVerified(harness)
  const response = await post(harness.app, '/api/v1/me/email/verify', { code: '123456' }, bearer(customer))
  t.equal(response.statusCode, 400)
  t.equal(response.json().code, 'INVALID_CODE')

  const malformed = await post(harness.app, '/api/v1/me/email/verify', { code: '12345' }, bearer(customer))
  t.equal(malformed.statusCode, 400)
  t.same(malformed.json(), validationProblem('/api/v1/me/email/verify', [{ pointer: '/body/code', detail: 'must match pattern "^[0-9]{6}$"' }]))
})

t.test('an address taken while the change was pending is refused at verification', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const customer = await signUpVerified(harness)
  const newEmail = uniqueEmail('contested')

  const started = await post(app, '/api/v1/me/email', { newEmail, password: PASSWORD }, bearer(customer))
  t.equal(started.statusCode, 202)
  const code = await nextCode(harness, newEmail)
  await signUpVerified(harness, newEmail)

  const verified = await post(app, '/api/v1/me/email/verify', { code }, bearer(customer))
  t.equal(verified.statusCode, 409)
  t.same(verified.json(), {
    type: 'urn:commerce-api:problem:email-taken',
    title: 'Conflict',
    status: 409,
    detail: 'An account with this email address already exists.',
    instance: '/api/v1/me/email/verify',
    code: 'EMAIL_TAKEN'
  })
  t.equal((await getMe(app, customer)).json<Profile>().email, customer.email, 'the email is unchanged')
})

t.test('concurrent profile updates all succeed and the stored profile is one of them', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const customer = await signUpVerified(harness)

  const names = Array.from({ length: 10 }, (_, i) => `Concurrent ${i}`)
  const responses = await settled(names.map(async (name, i) =>
    await patchMe(app, customer, { name, phone: `+4420712345${String(i).padStart(2, '0')}` })))
  t.same(responses.map((r) => r.statusCode), Array(10).fill(200), 'no update is refused')
  responses.forEach((response, i) => {
    t.equal(response.json<Profile>().name, names[i])
  })

  const stored = (await getMe(app, customer)).json<Profile>()
  const index = names.indexOf(stored.name)
  t.ok(index >= 0, 'the stored name is one of those sent')
  t.equal(stored.phone, `+4420712345${String(index).padStart(2, '0')}`, 'with the phone sent beside it')
})
