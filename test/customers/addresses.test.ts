import t, { type Test } from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { bearer, bootstrapAdmin, buildWithMail, signUpVerified } from '../helpers/identity.js'

const JSON_TYPE = 'application/json; charset=utf-8'
const PROBLEM_JSON = 'application/problem+json; charset=utf-8'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const BASE = '/api/v1/me/addresses'
const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000'

interface Address {
  id: string
  label: string | null
  fullName: string
  company: string | null
  line1: string
  line2: string | null
  city: string
  region: string | null
  postalCode: string
  country: string
  phone: string | null
  isDefaultShipping: boolean
  isDefaultBilling: boolean
  createdAt: string
  updatedAt: string
}

interface Page {
  items: Address[]
  nextCursor: string | null
}

type Tokens = { accessToken: string }
type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'

const MINIMAL = { fullName: 'Ada Lovelace', line1: '12 St James\'s Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' }

const FULL = {
  label: 'Office',
  fullName: 'Charles Babbage',
  company: 'Analytical Engines Ltd',
  line1: '1 Dorset Street',
  line2: 'Marylebone',
  city: 'London',
  region: 'Greater London',
  postalCode: 'W1U 4EG',
  country: 'GB',
  phone: '+442071234567',
  isDefaultShipping: true,
  isDefaultBilling: true
}

/** What the API answers for an address created from `input`: optional fields default to null and false. */
function expected (input: Record<string, unknown>): Omit<Address, 'id' | 'createdAt' | 'updatedAt'> {
  return {
    label: null,
    company: null,
    line2: null,
    region: null,
    phone: null,
    isDefaultShipping: false,
    isDefaultBilling: false,
    ...input
  } as Omit<Address, 'id' | 'createdAt' | 'updatedAt'>
}

async function call (app: FastifyInstance, method: Method, url: string, tokens: Tokens, payload?: unknown): Promise<LightMyRequestResponse> {
  return await app.inject({ method, url, headers: bearer(tokens), ...(payload === undefined ? {} : { payload: payload as object }) })
}

/** Creates an address and checks it was created. */
async function create (t: Test, app: FastifyInstance, tokens: Tokens, input: Record<string, unknown> = MINIMAL): Promise<Address> {
  const response = await call(app, 'POST', BASE, tokens, input)
  t.equal(response.statusCode, 201, 'created')
  return response.json<Address>()
}

async function list (app: FastifyInstance, tokens: Tokens, query = ''): Promise<Page> {
  const response = await call(app, 'GET', `${BASE}${query}`, tokens)
  if (response.statusCode !== 200) throw new Error(`list failed: ${response.body}`)
  return response.json<Page>()
}

/** Every address of the customer, walking all pages. */
async function listAll (app: FastifyInstance, tokens: Tokens): Promise<Address[]> {
  const all: Address[] = []
  let cursor: string | null = null
  do {
    const page: Page = await list(app, tokens, `?limit=100${cursor === null ? '' : `&cursor=${cursor}`}`)
    all.push(...page.items)
    cursor = page.nextCursor
  } while (cursor !== null)
  return all
}

function problem (status: number, code: string, title: string, detail: string, instance: string) {
  return { type: `urn:commerce-api:problem:${code.toLowerCase().replaceAll('_', '-')}`, title, status, detail, instance, code }
}

/** The detail names the first three failing fields and counts the rest. */
function validationDetail (errors: Array<{ pointer: string, detail: string }>): string {
  const named = errors.slice(0, 3).map((e) => `${e.pointer} ${e.detail}`).join('; ')
  return errors.length > 3 ? `The request is invalid: ${named}; and ${errors.length - 3} more (${errors.length} in all).` : `The request is invalid: ${named}.`
}

function validationProblem (instance: string, errors: Array<{ pointer: string, detail: string }>) {
  return {
    ...problem(400, 'VALIDATION_FAILED', 'Validation Failed', validationDetail(errors), instance),
    errors
  }
}

function notFound (instance: string) {
  return problem(404, 'NOT_FOUND', 'Not Found', 'The requested resource does not exist.', instance)
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

t.test('create, read, update and delete an address', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const customer = await signUpVerified(harness)

  const created = await call(app, 'POST', BASE, customer, FULL)
  t.equal(created.statusCode, 201)
  t.equal(created.headers['content-type'], JSON_TYPE)
  const address = created.json<Address>()
  t.match(address, { id: UUID, createdAt: ISO_INSTANT, updatedAt: ISO_INSTANT })
  t.equal(created.headers.location, `${BASE}/${address.id}`)
  t.same(address, { id: address.id, ...expected(FULL), createdAt: address.createdAt, updatedAt: address.createdAt })

  const minimal = await call(app, 'POST', BASE, customer, MINIMAL)
  t.equal(minimal.statusCode, 201)
  const second = minimal.json<Address>()
  t.equal(minimal.headers.location, `${BASE}/${second.id}`)
  t.same(second, { id: second.id, ...expected(MINIMAL), createdAt: second.createdAt, updatedAt: second.createdAt }, 'optional fields are null, flags false')

  const explicitNulls = { ...MINIMAL, label: null, company: null, line2: null, region: null, phone: null }
  const third = await call(app, 'POST', BASE, customer, explicitNulls)
  t.equal(third.statusCode, 201)
  t.same(third.json(), { id: third.json<Address>().id, ...expected(MINIMAL), createdAt: third.json<Address>().createdAt, updatedAt: third.json<Address>().createdAt }, 'optional fields sent as null are null')
  t.equal((await call(app, 'DELETE', `${BASE}/${third.json<Address>().id}`, customer)).statusCode, 204)

  const got = await call(app, 'GET', `${BASE}/${address.id}`, customer)
  t.equal(got.statusCode, 200)
  t.equal(got.headers['content-type'], JSON_TYPE)
  t.same(got.json(), address)

  const patched = await call(app, 'PATCH', `${BASE}/${address.id}`, customer, { city: 'Bath', postalCode: 'BA1 1AA' })
  t.equal(patched.statusCode, 200)
  t.equal(patched.headers['content-type'], JSON_TYPE)
  const afterPatch = patched.json<Address>()
  t.match(afterPatch.updatedAt, ISO_INSTANT)
  t.ok(afterPatch.updatedAt >= address.updatedAt, 'updatedAt moves forward')
  t.same(afterPatch, { ...address, city: 'Bath', postalCode: 'BA1 1AA', updatedAt: afterPatch.updatedAt }, 'only the fields sent change')

  const cleared = await call(app, 'PATCH', `${BASE}/${address.id}`, customer, { label: null, company: null, line2: null, region: null, phone: null })
  t.equal(cleared.statusCode, 200)
  const afterClear = cleared.json<Address>()
  t.same(afterClear, { ...afterPatch, label: null, company: null, line2: null, region: null, phone: null, updatedAt: afterClear.updatedAt }, 'null clears optional fields')
  t.same((await call(app, 'GET', `${BASE}/${address.id}`, customer)).json(), afterClear, 'the changes are stored')

  const refilled = await call(app, 'PATCH', `${BASE}/${address.id}`, customer, { label: 'Home', phone: '+14155550123', country: 'US', region: 'CA' })
  t.equal(refilled.statusCode, 200)
  t.same(refilled.json(), { ...afterClear, label: 'Home', phone: '+14155550123', country: 'US', region: 'CA', updatedAt: refilled.json<Address>().updatedAt })

  const deleted = await call(app, 'DELETE', `${BASE}/${address.id}`, customer)
  t.equal(deleted.statusCode, 204)
  t.equal(deleted.body, '')

  for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
    const gone = await call(app, method, `${BASE}/${address.id}`, customer, method === 'PATCH' ? { city: 'York' } : undefined)
    t.equal(gone.statusCode, 404, `${method} after delete`)
    t.equal(gone.headers['content-type'], PROBLEM_JSON)
    t.same(gone.json(), notFound(`${BASE}/${address.id}`))
  }
  t.same((await list(app, customer)).items, [second], 'the other address stays')
})

t.test('listing pages through the address book', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const customer = await signUpVerified(harness)
  const other = await signUpVerified(harness)

  const empty = await call(app, 'GET', BASE, customer)
  t.equal(empty.statusCode, 200)
  t.equal(empty.headers['content-type'], JSON_TYPE)
  t.same(empty.json(), { items: [], nextCursor: null })

  const created: Address[] = []
  for (const city of ['London', 'Paris', 'Berlin', 'Madrid']) {
    created.push(await create(t, app, customer, { ...MINIMAL, city }))
  }
  await create(t, app, other, { ...MINIMAL, city: 'Oslo' })

  t.same(await list(app, customer), { items: created, nextCursor: null }, 'oldest first, only the caller\'s own')

  const seen: Address[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const page: Page = await list(app, customer, `?limit=1${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`)
    pages += 1
    t.equal(page.items.length, 1)
    if (page.nextCursor !== null) t.match(page.nextCursor, /^[A-Za-z0-9_-]+$/, 'an opaque, URL-safe cursor')
    seen.push(...page.items)
    cursor = page.nextCursor
  } while (cursor !== null && pages < 10)
  t.equal(pages, 4, 'one page per address, the last without a next cursor')
  t.same(seen, created, 'every address once, in order')

  const firstTwo = await list(app, customer, '?limit=2')
  t.same(firstTwo.items, created.slice(0, 2))
  t.type(firstTwo.nextCursor, 'string')
  const rest = await list(app, customer, `?limit=2&cursor=${firstTwo.nextCursor ?? ''}`)
  t.same(rest, { items: created.slice(2), nextCursor: null }, 'a full last page has no next cursor')

  const late = await create(t, app, customer, { ...MINIMAL, city: 'Rome' })
  const samePage = await list(app, customer, `?limit=2&cursor=${firstTwo.nextCursor ?? ''}`)
  t.same(samePage.items, created.slice(2), 'a cursor is stable while rows are inserted')
  t.type(samePage.nextCursor, 'string', 'and now leads on to the new row')
  t.same(await list(app, customer, `?cursor=${samePage.nextCursor ?? ''}`), { items: [late], nextCursor: null })

  const otherWithCursor = await list(app, other, `?cursor=${firstTwo.nextCursor ?? ''}`)
  t.same(otherWithCursor.items.map((a) => a.city), ['Oslo'], 'a cursor never reveals another customer\'s addresses')

  const forged = Buffer.from(JSON.stringify({ after: 'not-a-uuid' })).toString('base64url')
  for (const garbage of ['garbage', forged, Buffer.from('{"after":').toString('base64url')]) {
    const response = await call(app, 'GET', `${BASE}?cursor=${garbage}`, customer)
    t.equal(response.statusCode, 400, `cursor ${garbage}`)
    t.equal(response.headers['content-type'], PROBLEM_JSON)
    t.same(response.json(), problem(400, 'INVALID_CURSOR', 'Bad Request', 'The cursor is not one this API issued; start again without it.', `${BASE}?cursor=${garbage}`))
  }

  const notFinite = 'must be a finite number written in decimal digits'
  const badLimits: Array<[string, string]> = [['0', 'must be >= 1'], ['101', 'must be <= 100'], ['ten', 'must be integer'],
    ['Infinity', notFinite], ['-Infinity', notFinite], ['1e309', notFinite], ['0x10', notFinite]]
  for (const [limit, detail] of badLimits) {
    const response = await call(app, 'GET', `${BASE}?limit=${limit}`, customer)
    t.equal(response.statusCode, 400, `limit ${limit}`)
    t.same(response.json(), validationProblem(`${BASE}?limit=${limit}`, [{ pointer: '/query/limit', detail }]))
  }

  const unknownQuery = await call(app, 'GET', `${BASE}?sort=city`, customer)
  t.equal(unknownQuery.statusCode, 400)
  t.same(unknownQuery.json(), validationProblem(`${BASE}?sort=city`, [{ pointer: '/query/sort', detail: 'must NOT have additional properties' }]))
})

t.test('a default flag moves: at most one default shipping and one default billing address', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const customer = await signUpVerified(harness)
  const other = await signUpVerified(harness)
  const othersDefault = await create(t, app, other, { ...MINIMAL, isDefaultShipping: true, isDefaultBilling: true })

  const flags = async (): Promise<Array<[string, boolean, boolean]>> =>
    (await listAll(app, customer)).map((a) => [a.city, a.isDefaultShipping, a.isDefaultBilling])

  const home = await create(t, app, customer, { ...MINIMAL, city: 'Home', isDefaultShipping: true })
  t.same([home.isDefaultShipping, home.isDefaultBilling], [true, false])
  const work = await create(t, app, customer, { ...MINIMAL, city: 'Work', isDefaultShipping: true, isDefaultBilling: true })
  t.same([work.isDefaultShipping, work.isDefaultBilling], [true, true])
  t.same(await flags(), [['Home', false, false], ['Work', true, true]], 'creating a default shipping address clears the flag on the others')

  const cottage = await create(t, app, customer, { ...MINIMAL, city: 'Cottage', isDefaultShipping: false, isDefaultBilling: false })
  t.same(await flags(), [['Home', false, false], ['Work', true, true], ['Cottage', false, false]], 'a non-default address changes nothing')

  const homeBilling = await call(app, 'PATCH', `${BASE}/${home.id}`, customer, { isDefaultBilling: true })
  t.equal(homeBilling.statusCode, 200)
  t.same([homeBilling.json<Address>().isDefaultShipping, homeBilling.json<Address>().isDefaultBilling], [false, true])
  t.same(await flags(), [['Home', false, true], ['Work', true, false], ['Cottage', false, false]], 'patching moves the billing flag only')

  const cottageShipping = await call(app, 'PATCH', `${BASE}/${cottage.id}`, customer, { isDefaultShipping: true, city: 'Cottage' })
  t.equal(cottageShipping.statusCode, 200)
  t.same(await flags(), [['Home', false, true], ['Work', false, false], ['Cottage', true, false]], 'and the shipping flag only')

  const again = await call(app, 'PATCH', `${BASE}/${cottage.id}`, customer, { isDefaultShipping: true })
  t.equal(again.statusCode, 200, 'setting the flag on the default address again is harmless')
  t.equal(again.json<Address>().isDefaultShipping, true)

  const unset = await call(app, 'PATCH', `${BASE}/${cottage.id}`, customer, { isDefaultShipping: false })
  t.equal(unset.statusCode, 200)
  t.same(await flags(), [['Home', false, true], ['Work', false, false], ['Cottage', false, false]], 'a default can be unset, leaving none')

  const deleted = await call(app, 'DELETE', `${BASE}/${home.id}`, customer)
  t.equal(deleted.statusCode, 204)
  t.same(await flags(), [['Work', false, false], ['Cottage', false, false]], 'deleting the default leaves none')

  t.same((await call(app, 'GET', `${BASE}/${othersDefault.id}`, other)).json(), othersDefault, 'another customer\'s defaults are untouched')
})

t.test('the request body is validated', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const customer = await signUpVerified(harness)

  const lowerCase = await call(app, 'POST', BASE, customer, { ...MINIMAL, country: 'gb' })
  t.equal(lowerCase.statusCode, 400)
  t.equal(lowerCase.headers['content-type'], PROBLEM_JSON)
  t.same(lowerCase.json(), validationProblem(BASE, [{ pointer: '/body/country', detail: 'must match pattern "^[A-Z]{2}$"' }]))

  // Two capitals, but not an assigned ISO 3166-1 code: unassigned, the unknown region, reserved or withdrawn.
  for (const country of ['XX', 'AA', 'ZZ', 'UK', 'EU', 'UN', 'SU', 'YU', 'XK', 'AC']) {
    const unknown = await call(app, 'POST', BASE, customer, { ...MINIMAL, country })
    t.equal(unknown.statusCode, 400, `country ${country}`)
    t.equal(unknown.headers['content-type'], PROBLEM_JSON)
    t.same(unknown.json(), validationProblem(BASE, [{ pointer: '/body/country', detail: 'is not an ISO 3166-1 alpha-2 country code' }]))
  }

  const missing = await call(app, 'POST', BASE, customer, {})
  t.equal(missing.statusCode, 400)
  t.equal(missing.headers['content-type'], PROBLEM_JSON)
  const missingProblem = missing.json<{ errors: Array<{ pointer: string, detail: string }> }>()
  t.same(missingProblem, validationProblem(BASE, missingProblem.errors), 'a complete validation problem')
  t.same(
    missingProblem.errors.map((e) => e.pointer).sort(),
    ['/body/city', '/body/country', '/body/fullName', '/body/line1', '/body/postalCode'],
    'each missing field is listed'
  )
  t.ok(missingProblem.errors.every((e) => e.detail === `must have required property '${e.pointer.slice('/body/'.length)}'`))

  const some = await call(app, 'POST', BASE, customer, { fullName: 'Ada', city: 'London', country: 'GB' })
  t.equal(some.statusCode, 400)
  t.same(some.json(), validationProblem(BASE, [
    { pointer: '/body/line1', detail: 'must have required property \'line1\'' },
    { pointer: '/body/postalCode', detail: 'must have required property \'postalCode\'' }
  ]))

  const blank = await call(app, 'POST', BASE, customer, { ...MINIMAL, line1: '   ', postalCode: '' })
  t.equal(blank.statusCode, 400)
  t.same(blank.json(), validationProblem(BASE, [
    { pointer: '/body/line1', detail: 'must match pattern "\\S"' },
    { pointer: '/body/postalCode', detail: 'must NOT have fewer than 1 characters' },
    { pointer: '/body/postalCode', detail: 'must match pattern "\\S"' }
  ]))

  const badPhone = await call(app, 'POST', BASE, customer, { ...MINIMAL, phone: '020 7123 4567' })
  t.equal(badPhone.statusCode, 400)
  t.same(badPhone.json(), validationProblem(BASE, [
    { pointer: '/body/phone', detail: 'must match pattern "^\\+[1-9][0-9]{6,14}$"' },
    { pointer: '/body/phone', detail: 'must be null' },
    { pointer: '/body/phone', detail: 'must match a schema in anyOf' }
  ]))

  const tooLong = await call(app, 'POST', BASE, customer, { ...MINIMAL, line2: 'x'.repeat(201) })
  t.equal(tooLong.statusCode, 400)
  t.same(tooLong.json().errors[0], { pointer: '/body/line2', detail: 'must NOT have more than 200 characters' })

  for (const country of ['GB', 'US', 'DE', 'JP', 'SS', 'BQ', 'AX']) {
    const valid = await call(app, 'POST', BASE, customer, { ...MINIMAL, country })
    t.equal(valid.statusCode, 201, `country ${country}`)
    t.equal(valid.json<Address>().country, country)
    t.equal((await call(app, 'DELETE', `${BASE}/${valid.json<Address>().id}`, customer)).statusCode, 204)
  }

  const address = await create(t, app, customer)

  const emptyPatch = await call(app, 'PATCH', `${BASE}/${address.id}`, customer, {})
  t.equal(emptyPatch.statusCode, 400)
  t.same(emptyPatch.json(), validationProblem(`${BASE}/${address.id}`, [{ pointer: '/body', detail: 'must NOT have fewer than 1 properties' }]))

  const patchUnknownCountry = await call(app, 'PATCH', `${BASE}/${address.id}`, customer, { country: 'XX', city: 'Nowhere' })
  t.equal(patchUnknownCountry.statusCode, 400)
  t.same(patchUnknownCountry.json(), validationProblem(`${BASE}/${address.id}`, [{ pointer: '/body/country', detail: 'is not an ISO 3166-1 alpha-2 country code' }]))

  const patchRequiredToNull = await call(app, 'PATCH', `${BASE}/${address.id}`, customer, { fullName: null })
  t.equal(patchRequiredToNull.statusCode, 400, 'a required field cannot be cleared')
  t.equal(patchRequiredToNull.json().errors[0].pointer, '/body/fullName')

  t.same((await call(app, 'GET', `${BASE}/${address.id}`, customer)).json(), address, 'no failed request changed anything')
  t.same((await list(app, customer)).items, [address], 'and none created anything')
})

t.test('mass assignment is rejected, not ignored', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const customer = await signUpVerified(harness)
  const other = await signUpVerified(harness)
  const otherProfile = (await call(app, 'GET', '/api/v1/me', other)).json<{ id: string }>()
  const address = await create(t, app, customer)

  const attempts: Array<[string, unknown]> = [
    ['id', UNKNOWN_ID],
    ['user', otherProfile.id],
    ['userId', otherProfile.id],
    ['createdAt', '2020-01-01T00:00:00.000Z'],
    ['updatedAt', '2020-01-01T00:00:00.000Z'],
    ['version', 7]
  ]
  for (const [property, value] of attempts) {
    const created = await call(app, 'POST', BASE, customer, { ...MINIMAL, [property]: value })
    t.equal(created.statusCode, 400, `POST with ${property}`)
    t.equal(created.headers['content-type'], PROBLEM_JSON)
    t.same(created.json(), validationProblem(BASE, [{ pointer: `/body/${property}`, detail: 'must NOT have additional properties' }]))

    const patched = await call(app, 'PATCH', `${BASE}/${address.id}`, customer, { city: 'Bath', [property]: value })
    t.equal(patched.statusCode, 400, `PATCH with ${property}`)
    t.equal(patched.headers['content-type'], PROBLEM_JSON)
    t.same(patched.json(), validationProblem(`${BASE}/${address.id}`, [{ pointer: `/body/${property}`, detail: 'must NOT have additional properties' }]))
  }

  t.same(await list(app, customer), { items: [address], nextCursor: null }, 'nothing was created or changed')
  t.same(await list(app, other), { items: [], nextCursor: null }, 'and nothing was given to anyone else')
})

t.test('another customer\'s address is not found, and stays as it was', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const alice = await signUpVerified(harness)
  const bob = await signUpVerified(harness)
  const hers = await create(t, app, alice, FULL)
  await create(t, app, bob, { ...MINIMAL, city: 'Bristol' })

  const attempts: Array<[Method, unknown]> = [['GET', undefined], ['PATCH', { city: 'Stolen', isDefaultShipping: true }], ['DELETE', undefined]]
  for (const [method, payload] of attempts) {
    const response = await call(app, method, `${BASE}/${hers.id}`, bob, payload)
    t.equal(response.statusCode, 404, `${method} of another customer's address`)
    t.equal(response.headers['content-type'], PROBLEM_JSON)
    t.same(response.json(), notFound(`${BASE}/${hers.id}`))
  }
  t.same((await call(app, 'GET', `${BASE}/${hers.id}`, alice)).json(), hers, 'her address is unchanged')
  t.same((await list(app, alice)).items, [hers])
  t.equal((await list(app, bob)).items[0]?.isDefaultShipping, false, 'his own addresses are not touched either')

  for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
    const unknown = await call(app, method, `${BASE}/${UNKNOWN_ID}`, alice, method === 'PATCH' ? { city: 'York' } : undefined)
    t.equal(unknown.statusCode, 404, `${method} of an unknown id`)
    t.same(unknown.json(), notFound(`${BASE}/${UNKNOWN_ID}`))

    const malformed = await call(app, method, `${BASE}/not-a-uuid`, alice, method === 'PATCH' ? { city: 'York' } : undefined)
    t.equal(malformed.statusCode, 400, `${method} of a malformed id`)
    t.equal(malformed.headers['content-type'], PROBLEM_JSON)
    t.same(malformed.json(), validationProblem(`${BASE}/not-a-uuid`, [{ pointer: '/params/id', detail: 'must match format "uuid"' }]))
  }
})

t.test('the address book is for customers only', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const admin = await bootstrapAdmin(harness)
  const customer = await signUpVerified(harness)
  const hers = await create(t, app, customer)

  const requests: Array<[Method, string, unknown]> = [
    ['GET', BASE, undefined],
    ['POST', BASE, MINIMAL],
    ['GET', `${BASE}/${hers.id}`, undefined],
    ['PATCH', `${BASE}/${hers.id}`, { city: 'Staff Town' }],
    ['DELETE', `${BASE}/${hers.id}`, undefined]
  ]
  for (const [method, url, payload] of requests) {
    const response = await call(app, method, url, admin, payload)
    t.equal(response.statusCode, 403, `staff ${method} ${url}`)
    t.equal(response.headers['content-type'], PROBLEM_JSON)
    t.same(response.json(), problem(403, 'FORBIDDEN', 'Forbidden', 'This operation requires one of the roles CUSTOMER.', url))
  }

  for (const [method, url, payload] of requests) {
    const response = await app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) })
    t.equal(response.statusCode, 401, `anonymous ${method} ${url}`)
    t.equal(response.headers['www-authenticate'], 'Bearer')
    t.same(response.json(), problem(401, 'UNAUTHORIZED', 'Unauthorized', 'A valid bearer access token is required.', url))
  }
  t.same((await list(app, customer)).items, [hers], 'her address book is untouched')
})

t.test('an address book holds at most 100 addresses', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const customer = await signUpVerified(harness)
  for (let batch = 0; batch < 10; batch++) {
    const responses = await settled(Array.from({ length: 10 }, async (_, i) =>
      await call(app, 'POST', BASE, customer, { ...MINIMAL, label: `#${batch * 10 + i}` })))
    t.same(responses.map((r) => r.statusCode), Array(10).fill(201), `batch ${batch}`)
  }
  const full = await call(app, 'POST', BASE, customer, MINIMAL)
  t.equal(full.statusCode, 409)
  t.equal(full.headers['content-type'], PROBLEM_JSON)
  t.same(full.json(), problem(409, 'ADDRESS_BOOK_FULL', 'Conflict', 'An address book holds at most 100 addresses; delete one first.', BASE))
  t.equal((await listAll(app, customer)).length, 100)
})

t.test('concurrent default-flag changes leave exactly one default', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const customer = await signUpVerified(harness)

  const posts = await settled(Array.from({ length: 10 }, async (_, i) =>
    await call(app, 'POST', BASE, customer, { ...MINIMAL, label: `concurrent ${i}`, isDefaultShipping: true })))
  t.same(posts.map((r) => r.statusCode), Array(10).fill(201), 'every concurrent create succeeds')
  for (const response of posts) t.equal(response.json<Address>().isDefaultShipping, true)

  const afterPosts = await listAll(app, customer)
  t.equal(afterPosts.length, 10)
  t.same(afterPosts.map((a) => a.label).sort(), Array.from({ length: 10 }, (_, i) => `concurrent ${i}`).sort())
  t.equal(afterPosts.filter((a) => a.isDefaultShipping).length, 1, 'exactly one default shipping address')
  t.equal(afterPosts.filter((a) => a.isDefaultBilling).length, 0)

  const patches = await settled(afterPosts.map(async (address) =>
    await call(app, 'PATCH', `${BASE}/${address.id}`, customer, { isDefaultBilling: true })))
  t.same(patches.map((r) => r.statusCode), Array(10).fill(200), 'every concurrent patch succeeds')
  for (const response of patches) t.equal(response.json<Address>().isDefaultBilling, true)

  const afterPatches = await listAll(app, customer)
  t.equal(afterPatches.filter((a) => a.isDefaultBilling).length, 1, 'exactly one default billing address')
  t.equal(afterPatches.filter((a) => a.isDefaultShipping).length, 1, 'still exactly one default shipping address')
  t.same(afterPatches.map((a) => a.id), afterPosts.map((a) => a.id), 'no address was lost or added')
})

t.test('concurrent partial updates of one address are all applied', async (t) => {
  const harness = await buildWithMail(t)
  const { app } = harness
  const customer = await signUpVerified(harness)
  const address = await create(t, app, customer)
  const other = await create(t, app, customer, { ...MINIMAL, isDefaultBilling: true })

  const changes: Array<Record<string, unknown>> = [
    { label: 'Home' },
    { company: 'Analytical Engines Ltd' },
    { line2: 'Flat 2' },
    { region: 'Greater London' },
    { phone: '+442071234567' },
    { fullName: 'Augusta Ada King' },
    { city: 'Westminster' },
    { postalCode: 'SW1A 1AA' },
    { isDefaultShipping: true },
    { isDefaultBilling: true }
  ]
  const responses = await settled(changes.map(async (change) => await call(app, 'PATCH', `${BASE}/${address.id}`, customer, change)))
  t.same(responses.map((r) => r.statusCode), Array(10).fill(200), 'no update is refused')
  responses.forEach((response, i) => {
    t.match(response.json(), changes[i], 'each answer shows its own change')
  })

  const stored = (await call(app, 'GET', `${BASE}/${address.id}`, customer)).json<Address>()
  t.same(stored, { ...address, ...Object.assign({}, ...changes), updatedAt: stored.updatedAt }, 'and no change is lost')
  t.equal((await call(app, 'GET', `${BASE}/${other.id}`, customer)).json<Address>().isDefaultBilling, false, 'the billing default moved')
})
