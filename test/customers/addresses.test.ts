import t, { type Test } from 'tap'
import type { components, paths } from '../../openapi/schema.js'
import type { ApiClient } from '../helpers/client.js'
import { concurrently, settled } from '../helpers/concurrency.js'
import { bearer, bootstrapAdmin, buildWithMail, signUpVerified } from '../helpers/identity.js'
import { notFound, problem, validationProblem, ISO_INSTANT, JSON_TYPE, PROBLEM_JSON, UUID_V7 } from '../helpers/problems.js'

type Address = components['schemas']['Address']
type AddressPage = components['schemas']['AddressPage']
type CreateAddress = components['schemas']['CreateAddressRequest']
type UpdateAddress = components['schemas']['UpdateAddressRequest']
type PageQuery = NonNullable<paths['/api/v1/me/addresses']['get']['parameters']['query']>
type Tokens = { accessToken: string }
/** What a test reads from any answer: its status and headers, and the problem when there is one. */
type Answer = { response: Response, error?: unknown }

const BASE = '/api/v1/me/addresses'
const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000'

const MINIMAL: CreateAddress = { fullName: 'Ada Lovelace', line1: '12 St James\'s Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' }

const FULL: CreateAddress = {
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
function expected (input: CreateAddress): Omit<Address, 'id' | 'createdAt' | 'updatedAt'> {
  return {
    label: null,
    company: null,
    line2: null,
    region: null,
    phone: null,
    isDefaultShipping: false,
    isDefaultBilling: false,
    ...input
  }
}

/** Creates an address and checks it was created. */
async function create (t: Test, api: ApiClient, tokens: Tokens, input: CreateAddress = MINIMAL): Promise<Address> {
  const { data, response } = await api.POST('/api/v1/me/addresses', { headers: bearer(tokens), body: input })
  t.equal(response.status, 201, 'created')
  return data!
}

async function list (api: ApiClient, tokens: Tokens, query: PageQuery = {}): Promise<AddressPage> {
  const { data, error } = await api.GET('/api/v1/me/addresses', { headers: bearer(tokens), params: { query } })
  if (data === undefined) throw new Error(`list failed: ${JSON.stringify(error)}`)
  return data
}

/** Every address of the customer, walking all pages. */
async function listAll (api: ApiClient, tokens: Tokens): Promise<Address[]> {
  const all: Address[] = []
  let cursor: string | null = null
  do {
    const page: AddressPage = await list(api, tokens, { limit: 100, cursor: cursor ?? undefined })
    all.push(...page.items)
    cursor = page.nextCursor
  } while (cursor !== null)
  return all
}

/** A GET, a PATCH (of `change`) and a DELETE of the address `id`, each sent with `headers`, by method. */
function eachMethodOn (api: ApiClient, headers: { authorization?: string }, id: string, change: UpdateAddress = { city: 'York' }): Array<[string, () => Promise<Answer>]> {
  const one = { headers, params: { path: { id } } }
  return [
    ['GET', async () => await api.GET('/api/v1/me/addresses/{id}', one)],
    ['PATCH', async () => await api.PATCH('/api/v1/me/addresses/{id}', { ...one, body: change })],
    ['DELETE', async () => await api.DELETE('/api/v1/me/addresses/{id}', one)]
  ]
}

t.test('create, read, update and delete an address', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const customer = await signUpVerified(harness)
  const headers = bearer(customer)

  const created = await api.POST('/api/v1/me/addresses', { headers, body: FULL })
  t.equal(created.response.status, 201)
  t.equal(created.response.headers.get('content-type'), JSON_TYPE)
  const address = created.data!
  t.match(address, { id: UUID_V7, createdAt: ISO_INSTANT, updatedAt: ISO_INSTANT })
  t.equal(created.response.headers.get('location'), `${BASE}/${address.id}`)
  t.same(address, { id: address.id, ...expected(FULL), createdAt: address.createdAt, updatedAt: address.createdAt })

  const minimal = await api.POST('/api/v1/me/addresses', { headers, body: MINIMAL })
  t.equal(minimal.response.status, 201)
  const second = minimal.data!
  t.equal(minimal.response.headers.get('location'), `${BASE}/${second.id}`)
  t.same(second, { id: second.id, ...expected(MINIMAL), createdAt: second.createdAt, updatedAt: second.createdAt }, 'optional fields are null, flags false')

  const explicitNulls = { ...MINIMAL, label: null, company: null, line2: null, region: null, phone: null }
  const third = await api.POST('/api/v1/me/addresses', { headers, body: explicitNulls })
  t.equal(third.response.status, 201)
  const thirdAddress = third.data!
  t.same(thirdAddress, { id: thirdAddress.id, ...expected(MINIMAL), createdAt: thirdAddress.createdAt, updatedAt: thirdAddress.createdAt }, 'optional fields sent as null are null')
  t.equal((await api.DELETE('/api/v1/me/addresses/{id}', { headers, params: { path: { id: thirdAddress.id } } })).response.status, 204)

  const one = { headers, params: { path: { id: address.id } } }
  const got = await api.GET('/api/v1/me/addresses/{id}', one)
  t.equal(got.response.status, 200)
  t.equal(got.response.headers.get('content-type'), JSON_TYPE)
  t.same(got.data, address)

  const patched = await api.PATCH('/api/v1/me/addresses/{id}', { ...one, body: { city: 'Bath', postalCode: 'BA1 1AA' } })
  t.equal(patched.response.status, 200)
  t.equal(patched.response.headers.get('content-type'), JSON_TYPE)
  const afterPatch = patched.data!
  t.match(afterPatch.updatedAt, ISO_INSTANT)
  t.ok(afterPatch.updatedAt >= address.updatedAt, 'updatedAt moves forward')
  t.same(afterPatch, { ...address, city: 'Bath', postalCode: 'BA1 1AA', updatedAt: afterPatch.updatedAt }, 'only the fields sent change')

  const cleared = await api.PATCH('/api/v1/me/addresses/{id}', { ...one, body: { label: null, company: null, line2: null, region: null, phone: null } })
  t.equal(cleared.response.status, 200)
  const afterClear = cleared.data!
  t.same(afterClear, { ...afterPatch, label: null, company: null, line2: null, region: null, phone: null, updatedAt: afterClear.updatedAt }, 'null clears optional fields')
  t.same((await api.GET('/api/v1/me/addresses/{id}', one)).data, afterClear, 'the changes are stored')

  const refilled = await api.PATCH('/api/v1/me/addresses/{id}', { ...one, body: { label: 'Home', phone: '+14155550123', country: 'US', region: 'CA' } })
  t.equal(refilled.response.status, 200)
  t.same(refilled.data, { ...afterClear, label: 'Home', phone: '+14155550123', country: 'US', region: 'CA', updatedAt: refilled.data?.updatedAt })

  const deleted = await api.DELETE('/api/v1/me/addresses/{id}', one)
  t.equal(deleted.response.status, 204)
  t.equal(deleted.data, undefined, 'no body (the client over inject refuses a 204 that carries one)')

  for (const [method, send] of eachMethodOn(api, headers, address.id)) {
    const gone = await send()
    t.equal(gone.response.status, 404, `${method} after delete`)
    t.equal(gone.response.headers.get('content-type'), PROBLEM_JSON)
    t.same(gone.error, notFound(`${BASE}/${address.id}`))
  }
  t.same((await list(api, customer)).items, [second], 'the other address stays')
})

t.test('listing pages through the address book', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const customer = await signUpVerified(harness)
  const other = await signUpVerified(harness)
  const headers = bearer(customer)

  const empty = await api.GET('/api/v1/me/addresses', { headers })
  t.equal(empty.response.status, 200)
  t.equal(empty.response.headers.get('content-type'), JSON_TYPE)
  t.same(empty.data, { items: [], nextCursor: null })

  const created: Address[] = []
  for (const city of ['London', 'Paris', 'Berlin', 'Madrid']) {
    created.push(await create(t, api, customer, { ...MINIMAL, city }))
  }
  await create(t, api, other, { ...MINIMAL, city: 'Oslo' })

  t.same(await list(api, customer), { items: created, nextCursor: null }, 'oldest first, only the caller\'s own')

  const seen: Address[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const page: AddressPage = await list(api, customer, { limit: 1, cursor: cursor ?? undefined })
    pages += 1
    t.equal(page.items.length, 1)
    if (page.nextCursor !== null) t.match(page.nextCursor, /^[A-Za-z0-9_-]+$/, 'an opaque, URL-safe cursor')
    seen.push(...page.items)
    cursor = page.nextCursor
  } while (cursor !== null && pages < 10)
  t.equal(pages, 4, 'one page per address, the last without a next cursor')
  t.same(seen, created, 'every address once, in order')

  const firstTwo = await list(api, customer, { limit: 2 })
  t.same(firstTwo.items, created.slice(0, 2))
  t.type(firstTwo.nextCursor, 'string')
  const rest = await list(api, customer, { limit: 2, cursor: firstTwo.nextCursor ?? '' })
  t.same(rest, { items: created.slice(2), nextCursor: null }, 'a full last page has no next cursor')

  const late = await create(t, api, customer, { ...MINIMAL, city: 'Rome' })
  const samePage = await list(api, customer, { limit: 2, cursor: firstTwo.nextCursor ?? '' })
  t.same(samePage.items, created.slice(2), 'a cursor is stable while rows are inserted')
  t.type(samePage.nextCursor, 'string', 'and now leads on to the new row')
  t.same(await list(api, customer, { cursor: samePage.nextCursor ?? '' }), { items: [late], nextCursor: null })

  const otherWithCursor = await list(api, other, { cursor: firstTwo.nextCursor ?? '' })
  t.same(otherWithCursor.items.map((a) => a.city), ['Oslo'], 'a cursor never reveals another customer\'s addresses')

  const forged = Buffer.from(JSON.stringify({ after: 'not-a-uuid' })).toString('base64url')
  for (const garbage of ['garbage', forged, Buffer.from('{"after":').toString('base64url')]) {
    const { error, response } = await api.GET('/api/v1/me/addresses', { headers, params: { query: { cursor: garbage } } })
    t.equal(response.status, 400, `cursor ${garbage}`)
    t.equal(response.headers.get('content-type'), PROBLEM_JSON)
    t.same(error, problem(400, 'INVALID_CURSOR', 'The cursor is not one this API issued; start again without it.', `${BASE}?cursor=${garbage}`))
  }

  const notFinite = 'must be a finite number written in decimal digits'
  const badLimits: Array<[string, string]> = [['0', 'must be >= 1'], ['101', 'must be <= 100'], ['ten', 'must be integer'],
    ['Infinity', notFinite], ['-Infinity', notFinite], ['1e309', notFinite], ['0x10', notFinite]]
  for (const [limit, detail] of badLimits) {
    // Sent as written: 'ten', '1e309' and '0x10' are query strings the client would not produce from a number.
    const { error, response } = await api.GET('/api/v1/me/addresses', { headers, params: { query: { limit: limit as never } } })
    t.equal(response.status, 400, `limit ${limit}`)
    t.same(error, validationProblem(`${BASE}?limit=${limit}`, [{ pointer: '/query/limit', detail }]))
  }

  // A query parameter the contract does not have.
  const unknownQuery = await api.GET('/api/v1/me/addresses', { headers, params: { query: { sort: 'city' } as never } })
  t.equal(unknownQuery.response.status, 400)
  t.same(unknownQuery.error, validationProblem(`${BASE}?sort=city`, [{ pointer: '/query/sort', detail: 'must NOT have additional properties' }]))
})

t.test('a default flag moves: at most one default shipping and one default billing address', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const customer = await signUpVerified(harness)
  const other = await signUpVerified(harness)
  const othersDefault = await create(t, api, other, { ...MINIMAL, isDefaultShipping: true, isDefaultBilling: true })
  const patch = async (id: string, body: UpdateAddress) => await api.PATCH('/api/v1/me/addresses/{id}', { headers: bearer(customer), params: { path: { id } }, body })

  const flags = async (): Promise<Array<[string, boolean, boolean]>> =>
    (await listAll(api, customer)).map((a) => [a.city, a.isDefaultShipping, a.isDefaultBilling])

  const home = await create(t, api, customer, { ...MINIMAL, city: 'Home', isDefaultShipping: true })
  t.same([home.isDefaultShipping, home.isDefaultBilling], [true, false])
  const work = await create(t, api, customer, { ...MINIMAL, city: 'Work', isDefaultShipping: true, isDefaultBilling: true })
  t.same([work.isDefaultShipping, work.isDefaultBilling], [true, true])
  t.same(await flags(), [['Home', false, false], ['Work', true, true]], 'creating a default shipping address clears the flag on the others')

  const cottage = await create(t, api, customer, { ...MINIMAL, city: 'Cottage', isDefaultShipping: false, isDefaultBilling: false })
  t.same(await flags(), [['Home', false, false], ['Work', true, true], ['Cottage', false, false]], 'a non-default address changes nothing')

  const homeBilling = await patch(home.id, { isDefaultBilling: true })
  t.equal(homeBilling.response.status, 200)
  t.same([homeBilling.data?.isDefaultShipping, homeBilling.data?.isDefaultBilling], [false, true])
  t.same(await flags(), [['Home', false, true], ['Work', true, false], ['Cottage', false, false]], 'patching moves the billing flag only')

  const cottageShipping = await patch(cottage.id, { isDefaultShipping: true, city: 'Cottage' })
  t.equal(cottageShipping.response.status, 200)
  t.same(await flags(), [['Home', false, true], ['Work', false, false], ['Cottage', true, false]], 'and the shipping flag only')

  const again = await patch(cottage.id, { isDefaultShipping: true })
  t.equal(again.response.status, 200, 'setting the flag on the default address again is harmless')
  t.equal(again.data?.isDefaultShipping, true)

  const unset = await patch(cottage.id, { isDefaultShipping: false })
  t.equal(unset.response.status, 200)
  t.same(await flags(), [['Home', false, true], ['Work', false, false], ['Cottage', false, false]], 'a default can be unset, leaving none')

  const deleted = await api.DELETE('/api/v1/me/addresses/{id}', { headers: bearer(customer), params: { path: { id: home.id } } })
  t.equal(deleted.response.status, 204)
  t.same(await flags(), [['Work', false, false], ['Cottage', false, false]], 'deleting the default leaves none')

  const othersNow = await api.GET('/api/v1/me/addresses/{id}', { headers: bearer(other), params: { path: { id: othersDefault.id } } })
  t.same(othersNow.data, othersDefault, 'another customer\'s defaults are untouched')
})

t.test('the request body is validated', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const customer = await signUpVerified(harness)
  const headers = bearer(customer)
  const postAddress = async (body: CreateAddress) => await api.POST('/api/v1/me/addresses', { headers, body })

  const lowerCase = await postAddress({ ...MINIMAL, country: 'gb' })
  t.equal(lowerCase.response.status, 400)
  t.equal(lowerCase.response.headers.get('content-type'), PROBLEM_JSON)
  t.same(lowerCase.error, validationProblem(BASE, [{ pointer: '/body/country', detail: 'must match pattern "^[A-Z]{2}$"' }]))

  // Two capitals, but not an assigned ISO 3166-1 code: unassigned, the unknown region, reserved or withdrawn.
  for (const country of ['XX', 'AA', 'ZZ', 'UK', 'EU', 'UN', 'SU', 'YU', 'XK', 'AC']) {
    const unknown = await postAddress({ ...MINIMAL, country })
    t.equal(unknown.response.status, 400, `country ${country}`)
    t.equal(unknown.response.headers.get('content-type'), PROBLEM_JSON)
    t.same(unknown.error, validationProblem(BASE, [{ pointer: '/body/country', detail: 'is not an ISO 3166-1 alpha-2 country code' }]))
  }

  // Required fields missing: bodies the contract refuses.
  const missing = await postAddress({} as never)
  t.equal(missing.response.status, 400)
  t.equal(missing.response.headers.get('content-type'), PROBLEM_JSON)
  const missingErrors = missing.error?.errors ?? []
  t.same(missing.error, validationProblem(BASE, missingErrors), 'a complete validation problem')
  t.same(
    missingErrors.map((e) => e.pointer).sort(),
    ['/body/city', '/body/country', '/body/fullName', '/body/line1', '/body/postalCode'],
    'each missing field is listed'
  )
  t.ok(missingErrors.every((e) => e.detail === `must have required property '${e.pointer.slice('/body/'.length)}'`))

  const some = await postAddress({ fullName: 'Ada', city: 'London', country: 'GB' } as never)
  t.equal(some.response.status, 400)
  t.same(some.error, validationProblem(BASE, [
    { pointer: '/body/line1', detail: 'must have required property \'line1\'' },
    { pointer: '/body/postalCode', detail: 'must have required property \'postalCode\'' }
  ]))

  const blank = await postAddress({ ...MINIMAL, line1: '   ', postalCode: '' })
  t.equal(blank.response.status, 400)
  t.same(blank.error, validationProblem(BASE, [
    { pointer: '/body/line1', detail: 'must match pattern "\\S"' },
    { pointer: '/body/postalCode', detail: 'must NOT have fewer than 1 characters' },
    { pointer: '/body/postalCode', detail: 'must match pattern "\\S"' }
  ]))

  const badPhone = await postAddress({ ...MINIMAL, phone: '020 7123 4567' })
  t.equal(badPhone.response.status, 400)
  t.same(badPhone.error, validationProblem(BASE, [
    { pointer: '/body/phone', detail: 'must match pattern "^\\+[1-9][0-9]{6,14}$"' },
    { pointer: '/body/phone', detail: 'must be null' },
    { pointer: '/body/phone', detail: 'must match a schema in anyOf' }
  ]))

  const tooLong = await postAddress({ ...MINIMAL, line2: 'x'.repeat(201) })
  t.equal(tooLong.response.status, 400)
  t.same(tooLong.error?.errors?.[0], { pointer: '/body/line2', detail: 'must NOT have more than 200 characters' })

  for (const country of ['GB', 'US', 'DE', 'JP', 'SS', 'BQ', 'AX']) {
    const valid = await postAddress({ ...MINIMAL, country })
    t.equal(valid.response.status, 201, `country ${country}`)
    t.equal(valid.data?.country, country)
    t.equal((await api.DELETE('/api/v1/me/addresses/{id}', { headers, params: { path: { id: valid.data!.id } } })).response.status, 204)
  }

  const address = await create(t, api, customer)
  const one = { headers, params: { path: { id: address.id } } }

  const emptyPatch = await api.PATCH('/api/v1/me/addresses/{id}', { ...one, body: {} })
  t.equal(emptyPatch.response.status, 400)
  t.same(emptyPatch.error, validationProblem(`${BASE}/${address.id}`, [{ pointer: '/body', detail: 'must NOT have fewer than 1 properties' }]))

  const patchUnknownCountry = await api.PATCH('/api/v1/me/addresses/{id}', { ...one, body: { country: 'XX', city: 'Nowhere' } })
  t.equal(patchUnknownCountry.response.status, 400)
  t.same(patchUnknownCountry.error, validationProblem(`${BASE}/${address.id}`, [{ pointer: '/body/country', detail: 'is not an ISO 3166-1 alpha-2 country code' }]))

  // A required field sent as null: a body the contract refuses.
  const patchRequiredToNull = await api.PATCH('/api/v1/me/addresses/{id}', { ...one, body: { fullName: null } as never })
  t.equal(patchRequiredToNull.response.status, 400, 'a required field cannot be cleared')
  t.equal(patchRequiredToNull.error?.errors?.[0]?.pointer, '/body/fullName')

  t.same((await api.GET('/api/v1/me/addresses/{id}', one)).data, address, 'no failed request changed anything')
  t.same((await list(api, customer)).items, [address], 'and none created anything')
})

t.test('mass assignment is rejected, not ignored', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const customer = await signUpVerified(harness)
  const other = await signUpVerified(harness)
  const otherProfile = (await api.GET('/api/v1/me', { headers: bearer(other) })).data!
  const address = await create(t, api, customer)
  const headers = bearer(customer)

  const attempts: Array<[string, unknown]> = [
    ['id', UNKNOWN_ID],
    ['user', otherProfile.id],
    ['userId', otherProfile.id],
    ['createdAt', '2020-01-01T00:00:00.000Z'],
    ['updatedAt', '2020-01-01T00:00:00.000Z'],
    ['version', 7]
  ]
  for (const [property, value] of attempts) {
    // A property the contract does not have, in both bodies.
    const created = await api.POST('/api/v1/me/addresses', { headers, body: { ...MINIMAL, [property]: value } as never })
    t.equal(created.response.status, 400, `POST with ${property}`)
    t.equal(created.response.headers.get('content-type'), PROBLEM_JSON)
    t.same(created.error, validationProblem(BASE, [{ pointer: `/body/${property}`, detail: 'must NOT have additional properties' }]))

    const patched = await api.PATCH('/api/v1/me/addresses/{id}', { headers, params: { path: { id: address.id } }, body: { city: 'Bath', [property]: value } as never })
    t.equal(patched.response.status, 400, `PATCH with ${property}`)
    t.equal(patched.response.headers.get('content-type'), PROBLEM_JSON)
    t.same(patched.error, validationProblem(`${BASE}/${address.id}`, [{ pointer: `/body/${property}`, detail: 'must NOT have additional properties' }]))
  }

  t.same(await list(api, customer), { items: [address], nextCursor: null }, 'nothing was created or changed')
  t.same(await list(api, other), { items: [], nextCursor: null }, 'and nothing was given to anyone else')
})

t.test('another customer\'s address is not found, and stays as it was', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const alice = await signUpVerified(harness)
  const bob = await signUpVerified(harness)
  const hers = await create(t, api, alice, FULL)
  await create(t, api, bob, { ...MINIMAL, city: 'Bristol' })

  for (const [method, send] of eachMethodOn(api, bearer(bob), hers.id, { city: 'Stolen', isDefaultShipping: true })) {
    const { error, response } = await send()
    t.equal(response.status, 404, `${method} of another customer's address`)
    t.equal(response.headers.get('content-type'), PROBLEM_JSON)
    t.same(error, notFound(`${BASE}/${hers.id}`))
  }
  t.same((await api.GET('/api/v1/me/addresses/{id}', { headers: bearer(alice), params: { path: { id: hers.id } } })).data, hers, 'her address is unchanged')
  t.same((await list(api, alice)).items, [hers])
  t.equal((await list(api, bob)).items[0]?.isDefaultShipping, false, 'his own addresses are not touched either')

  const unknown = eachMethodOn(api, bearer(alice), UNKNOWN_ID)
  const malformed = eachMethodOn(api, bearer(alice), 'not-a-uuid')
  for (const [index, [method, send]] of unknown.entries()) {
    const answer = await send()
    t.equal(answer.response.status, 404, `${method} of an unknown id`)
    t.same(answer.error, notFound(`${BASE}/${UNKNOWN_ID}`))

    const refused = await malformed[index]![1]()
    t.equal(refused.response.status, 400, `${method} of a malformed id`)
    t.equal(refused.response.headers.get('content-type'), PROBLEM_JSON)
    t.same(refused.error, validationProblem(`${BASE}/not-a-uuid`, [{ pointer: '/params/id', detail: 'must match format "uuid"' }]))
  }
})

t.test('the address book is for customers only', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const admin = await bootstrapAdmin(harness)
  const customer = await signUpVerified(harness)
  const hers = await create(t, api, customer)

  const one = (headers: { authorization?: string }) => ({ headers, params: { path: { id: hers.id } } })
  const requests: Array<[string, string, (headers: { authorization?: string }) => Promise<Answer>]> = [
    ['GET', BASE, async (headers) => await api.GET('/api/v1/me/addresses', { headers })],
    ['POST', BASE, async (headers) => await api.POST('/api/v1/me/addresses', { headers, body: MINIMAL })],
    ['GET', `${BASE}/${hers.id}`, async (headers) => await api.GET('/api/v1/me/addresses/{id}', one(headers))],
    ['PATCH', `${BASE}/${hers.id}`, async (headers) => await api.PATCH('/api/v1/me/addresses/{id}', { ...one(headers), body: { city: 'Staff Town' } })],
    ['DELETE', `${BASE}/${hers.id}`, async (headers) => await api.DELETE('/api/v1/me/addresses/{id}', one(headers))]
  ]
  for (const [method, url, send] of requests) {
    const { error, response } = await send(bearer(admin))
    t.equal(response.status, 403, `staff ${method} ${url}`)
    t.equal(response.headers.get('content-type'), PROBLEM_JSON)
    t.same(error, problem(403, 'FORBIDDEN', 'This operation requires one of the roles CUSTOMER.', url))
  }

  for (const [method, url, send] of requests) {
    const { error, response } = await send({})
    t.equal(response.status, 401, `anonymous ${method} ${url}`)
    t.equal(response.headers.get('www-authenticate'), 'Bearer')
    t.same(error, problem(401, 'UNAUTHORIZED', 'A valid bearer access token is required.', url))
  }
  t.same((await list(api, customer)).items, [hers], 'her address book is untouched')
})

t.test('an address book holds at most 100 addresses', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const customer = await signUpVerified(harness)
  const headers = bearer(customer)
  for (let batch = 0; batch < 10; batch++) {
    const responses = await concurrently(10, async (i) =>
      await api.POST('/api/v1/me/addresses', { headers, body: { ...MINIMAL, label: `#${batch * 10 + i}` } }))
    t.same(responses.map((r) => r.response.status), Array(10).fill(201), `batch ${batch}`)
  }
  const full = await api.POST('/api/v1/me/addresses', { headers, body: MINIMAL })
  t.equal(full.response.status, 409)
  t.equal(full.response.headers.get('content-type'), PROBLEM_JSON)
  t.same(full.error, problem(409, 'ADDRESS_BOOK_FULL', 'An address book holds at most 100 addresses; delete one first.', BASE))
  t.equal((await listAll(api, customer)).length, 100)
})

t.test('concurrent default-flag changes leave exactly one default', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const customer = await signUpVerified(harness)
  const headers = bearer(customer)

  const posts = await concurrently(10, async (i) =>
    await api.POST('/api/v1/me/addresses', { headers, body: { ...MINIMAL, label: `concurrent ${i}`, isDefaultShipping: true } }))
  t.same(posts.map((r) => r.response.status), Array(10).fill(201), 'every concurrent create succeeds')
  for (const created of posts) t.equal(created.data?.isDefaultShipping, true)

  const afterPosts = await listAll(api, customer)
  t.equal(afterPosts.length, 10)
  t.same(afterPosts.map((a) => a.label).sort(), Array.from({ length: 10 }, (_, i) => `concurrent ${i}`).sort())
  t.equal(afterPosts.filter((a) => a.isDefaultShipping).length, 1, 'exactly one default shipping address')
  t.equal(afterPosts.filter((a) => a.isDefaultBilling).length, 0)

  const patches = await settled(afterPosts.map(async (address) =>
    await api.PATCH('/api/v1/me/addresses/{id}', { headers, params: { path: { id: address.id } }, body: { isDefaultBilling: true } })))
  t.same(patches.map((r) => r.response.status), Array(10).fill(200), 'every concurrent patch succeeds')
  for (const patched of patches) t.equal(patched.data?.isDefaultBilling, true)

  const afterPatches = await listAll(api, customer)
  t.equal(afterPatches.filter((a) => a.isDefaultBilling).length, 1, 'exactly one default billing address')
  t.equal(afterPatches.filter((a) => a.isDefaultShipping).length, 1, 'still exactly one default shipping address')
  t.same(afterPatches.map((a) => a.id), afterPosts.map((a) => a.id), 'no address was lost or added')
})

t.test('concurrent partial updates of one address are all applied', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const customer = await signUpVerified(harness)
  const address = await create(t, api, customer)
  const other = await create(t, api, customer, { ...MINIMAL, isDefaultBilling: true })
  const headers = bearer(customer)

  const changes: UpdateAddress[] = [
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
  const responses = await settled(changes.map(async (change) =>
    await api.PATCH('/api/v1/me/addresses/{id}', { headers, params: { path: { id: address.id } }, body: change })))
  t.same(responses.map((r) => r.response.status), Array(10).fill(200), 'no update is refused')
  responses.forEach((response, i) => {
    t.match(response.data, changes[i], 'each answer shows its own change')
  })

  const stored = (await api.GET('/api/v1/me/addresses/{id}', { headers, params: { path: { id: address.id } } })).data!
  t.same(stored, { ...address, ...Object.assign({}, ...changes), updatedAt: stored.updatedAt }, 'and no change is lost')
  const otherNow = await api.GET('/api/v1/me/addresses/{id}', { headers, params: { path: { id: other.id } } })
  t.equal(otherNow.data?.isDefaultBilling, false, 'the billing default moved')
})
