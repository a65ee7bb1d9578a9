import t from 'tap'
import type { components } from '../../openapi/schema.js'
import { usd } from '../helpers/catalog.js'
import { bearer, signUpVerified } from '../helpers/identity.js'
import { ISO_INSTANT, JSON_TYPE, problem, UUID_V7, validationProblem } from '../helpers/problems.js'
import {
  addToCart, buildShop, createCustomer, createCustomers, createShippingMethod, idempotencyKey, secondInstance, sellable, US_ADDRESS,
  type Customer, type ShippingMethod, type ShopHarness
} from '../helpers/shop.js'
import { settled } from '../helpers/concurrency.js'
import { signInModerator } from '../helpers/uploads.js'

type CreateShippingMethodRequest = components['schemas']['CreateShippingMethodRequest']

const ADMIN_PATH = '/api/v1/admin/shipping-methods'
const NO_METHOD = 'No shipping method has this id.'
const UNKNOWN_ID = '0193b1e4-0000-7000-8000-00000000beef'
const STAFF_TOKEN = 'Staff operations need a staff access token.'

const express: CreateShippingMethodRequest = { name: 'Express', price: usd(1500), countries: ['US'], estimatedDays: { min: 1, max: 2 } }

async function allMethods (harness: ShopHarness): Promise<ShippingMethod[]> {
  const { data, error } = await harness.api.GET(ADMIN_PATH, { headers: harness.staff, params: { query: { limit: 100 } } })
  if (data === undefined) throw new Error(`listing failed: ${JSON.stringify(error)}`)
  return data.items
}

async function saveAddress (harness: ShopHarness, customer: Customer, country: string): Promise<string> {
  const { data, error } = await harness.api.POST('/api/v1/me/addresses', { headers: customer.headers, body: { ...US_ADDRESS, country } })
  if (data === undefined) throw new Error(`saving the address failed: ${JSON.stringify(error)}`)
  return data.id
}

let shop: ShopHarness
t.before(async () => {
  shop = await buildShop(t)
})

t.test('staff create, list, change and delete shipping methods; moderators may too', async (t) => {
  const { api, staff } = shop
  const created = await api.POST(ADMIN_PATH, { headers: staff, body: { name: '  Parcel Post  ', price: usd(699), freeAbove: usd(5000), countries: ['FR', 'BE', 'DE'], estimatedDays: { min: 3, max: 6 } } })
  t.equal(created.response.status, 201)
  t.equal(created.response.headers.get('content-type'), JSON_TYPE)
  const method = created.data!
  t.equal(created.response.headers.get('location'), `${ADMIN_PATH}/${method.id}`)
  t.same(method, {
    id: method.id,
    name: 'Parcel Post',
    price: usd(699),
    pricing: 'FLAT',
    carrier: null,
    freeAbove: usd(5000),
    countries: ['BE', 'DE', 'FR'],
    estimatedDays: { min: 3, max: 6 },
    active: true,
    createdAt: method.createdAt,
    updatedAt: method.updatedAt
  }, 'the name trimmed, the countries sorted, active unless told otherwise')
  t.match(method, { id: UUID_V7, createdAt: ISO_INSTANT, updatedAt: ISO_INSTANT })
  const paused = await createShippingMethod(shop, { ...express, name: 'Paused Courier', active: false })
  t.same([paused.active, paused.freeAbove], [false, null])

  const listed = await allMethods(shop)
  t.same(listed.filter((item) => [method.id, paused.id].includes(item.id)), [method, paused], 'staff see every method, active or not')
  const firstPage = await api.GET(ADMIN_PATH, { headers: staff, params: { query: { limit: 1 } } })
  t.equal(firstPage.data?.items.length, 1)
  t.type(firstPage.data?.nextCursor, 'string', 'pages follow the cursor')
  const secondPage = await api.GET(ADMIN_PATH, { headers: staff, params: { query: { limit: 1, cursor: firstPage.data!.nextCursor! } } })
  t.not(secondPage.data?.items[0]?.id, firstPage.data?.items[0]?.id)

  const changed = await api.PATCH(`${ADMIN_PATH}/{id}`, { headers: staff, params: { path: { id: method.id } }, body: { price: usd(799), freeAbove: null, countries: ['GB'], estimatedDays: { min: 0, max: 1 }, active: false } })
  t.equal(changed.response.status, 200)
  t.same(changed.data, { ...method, price: usd(799), freeAbove: null, countries: ['GB'], estimatedDays: { min: 0, max: 1 }, active: false, updatedAt: changed.data?.updatedAt })
  t.ok(Date.parse(changed.data!.updatedAt) >= Date.parse(method.updatedAt))
  const renamed = await api.PATCH(`${ADMIN_PATH}/{id}`, { headers: staff, params: { path: { id: method.id } }, body: { name: 'Parcel Post Plus' } })
  t.same(renamed.data, { ...changed.data, name: 'Parcel Post Plus', updatedAt: renamed.data?.updatedAt }, 'only what is sent changes')

  const moderator = await signInModerator(shop)
  const byModerator = await api.POST(ADMIN_PATH, { headers: moderator, body: { ...express, name: 'Moderated' } })
  t.equal(byModerator.response.status, 201, 'moderators create')
  t.equal((await api.PATCH(`${ADMIN_PATH}/{id}`, { headers: moderator, params: { path: { id: byModerator.data!.id } }, body: { active: false } })).response.status, 200, 'change')
  t.equal((await api.GET(ADMIN_PATH, { headers: moderator })).response.status, 200, 'list')
  t.equal((await api.DELETE(`${ADMIN_PATH}/{id}`, { headers: moderator, params: { path: { id: byModerator.data!.id } } })).response.status, 204, 'and delete')

  const deleted = await api.DELETE(`${ADMIN_PATH}/{id}`, { headers: staff, params: { path: { id: method.id } } })
  t.equal(deleted.response.status, 204)
  t.notOk((await allMethods(shop)).some((item) => item.id === method.id), 'gone from the list')
  const instance = `${ADMIN_PATH}/${method.id}`
  t.same((await api.DELETE(`${ADMIN_PATH}/{id}`, { headers: staff, params: { path: { id: method.id } } })).error, problem(404, 'NOT_FOUND', NO_METHOD, instance))
  t.same((await api.PATCH(`${ADMIN_PATH}/{id}`, { headers: staff, params: { path: { id: method.id } }, body: { active: true } })).error, problem(404, 'NOT_FOUND', NO_METHOD, instance))
  t.same((await api.PATCH(`${ADMIN_PATH}/{id}`, { headers: staff, params: { path: { id: 'standard' } }, body: { active: true } })).error, validationProblem(`${ADMIN_PATH}/standard`, [{ pointer: '/params/id', detail: 'must match format "uuid"' }]))
})

t.test('customers and the anonymous cannot manage shipping methods', async (t) => {
  const { api } = shop
  const customer = await createCustomer(shop)
  const signedUp = bearer(await signUpVerified(shop))
  const id = shop.shipping.id
  for (const headers of [customer.headers, signedUp]) {
    const attempts = [
      [ADMIN_PATH, await api.GET(ADMIN_PATH, { headers })],
      [ADMIN_PATH, await api.POST(ADMIN_PATH, { headers, body: express })],
      [`${ADMIN_PATH}/${id}`, await api.PATCH(`${ADMIN_PATH}/{id}`, { headers, params: { path: { id } }, body: { price: usd(1) } })],
      [`${ADMIN_PATH}/${id}`, await api.DELETE(`${ADMIN_PATH}/{id}`, { headers, params: { path: { id } } })]
    ] as const
    for (const [instance, attempt] of attempts) t.same(attempt.error, problem(401, 'INVALID_TOKEN', STAFF_TOKEN, instance), 'a customer token is not a staff token')
  }
  const anonymous = await api.POST(ADMIN_PATH, { body: express })
  t.same(anonymous.error, problem(401, 'UNAUTHORIZED', 'A valid bearer access token is required.', ADMIN_PATH))
  t.same((await allMethods(shop)).find((item) => item.id === id), shop.shipping, 'the method is untouched')
  t.notOk((await allMethods(shop)).some((item) => item.name === 'Express'), 'nothing was created')
})

t.test('shipping methods are validated: ISO countries, whole non-negative prices within bounds, delivery days, the active flag', async (t) => {
  const { api, staff } = shop
  const before = (await allMethods(shop)).length
  const invalid: Array<[string, unknown, string]> = [
    ['a country that does not exist', { ...express, countries: ['US', 'ZZ'] }, '/body/countries/1'],
    ['a withdrawn code', { ...express, countries: ['UK'] }, '/body/countries/0'],
    ['lower case', { ...express, countries: ['us'] }, '/body/countries/0'],
    ['three letters', { ...express, countries: ['USA'] }, '/body/countries/0'],
    ['no countries', { ...express, countries: [] }, '/body/countries'],
    ['a country twice', { ...express, countries: ['US', 'US'] }, '/body/countries'],
    ['a negative price', { ...express, price: usd(-1) }, '/body/price/amount'],
    ['a fractional price', { ...express, price: usd(4.99) }, '/body/price/amount'],
    ['a price above a billion', { ...express, price: usd(1_000_000_001) }, '/body/price/amount'],
    ['a price as a string', { ...express, price: { amount: '499', currency: 'USD' } }, '/body/price/amount'],
    ['a price as a bare number', { ...express, price: 499 }, '/body/price'],
    ['another currency', { ...express, price: { amount: 499, currency: 'EUR' } }, '/body/price/currency'],
    ['a negative free-above', { ...express, freeAbove: usd(-5) }, '/body/freeAbove'],
    ['a free-above in another currency', { ...express, freeAbove: { amount: 5000, currency: 'GBP' } }, '/body/freeAbove/currency'],
    ['negative days', { ...express, estimatedDays: { min: -1, max: 2 } }, '/body/estimatedDays/min'],
    ['more than a year', { ...express, estimatedDays: { min: 1, max: 366 } }, '/body/estimatedDays/max'],
    ['fractional days', { ...express, estimatedDays: { min: 1.5, max: 2 } }, '/body/estimatedDays/min'],
    ['min above max', { ...express, estimatedDays: { min: 5, max: 2 } }, '/body/estimatedDays/min'],
    ['no estimate', { name: 'Express', price: usd(1500), countries: ['US'] }, '/body'],
    ['an active flag that is not a boolean', { ...express, active: 'yes' }, '/body/active'],
    ['an empty name', { ...express, name: '' }, '/body/name'],
    ['a blank name', { ...express, name: '   ' }, '/body/name'],
    ['a name of 201 characters', { ...express, name: 'x'.repeat(201) }, '/body/name'],
    ['an unknown property', { ...express, carrier: 'UPS' }, '/body']
  ]
  for (const [name, body, pointer] of invalid) {
    const { response, error } = await api.POST(ADMIN_PATH, { headers: staff, body: body as never })
    t.equal(response.status, 400, name)
    t.match(error, { code: 'VALIDATION_FAILED', errors: [{ pointer }] }, `${name}: ${pointer}`)
  }
  t.same((await api.POST(ADMIN_PATH, { headers: staff, body: { ...express, countries: ['ZZ'] } })).error, validationProblem(ADMIN_PATH, [{ pointer: '/body/countries/0', detail: 'is not an ISO 3166-1 alpha-2 country code' }]))
  t.same((await api.POST(ADMIN_PATH, { headers: staff, body: { ...express, estimatedDays: { min: 5, max: 2 } } })).error, validationProblem(ADMIN_PATH, [{ pointer: '/body/estimatedDays/min', detail: 'must not be above max' }]))

  const edge = await createShippingMethod(shop, { ...express, name: 'Edge', price: usd(0), freeAbove: usd(0), estimatedDays: { min: 0, max: 365 }, countries: ['AQ'] })
  t.same([edge.price, edge.freeAbove, edge.estimatedDays], [usd(0), usd(0), { min: 0, max: 365 }], 'zero prices and the widest estimate are fine')
  const huge = await createShippingMethod(shop, { ...express, name: 'Freight', price: usd(1_000_000_000) })
  t.same(huge.price, usd(1_000_000_000), 'up to a billion minor units')

  const path = { path: { id: edge.id } }
  const patches: Array<[string, unknown, string]> = [
    ['nothing', {}, '/body'],
    ['a country that does not exist', { countries: ['ZZ'] }, '/body/countries/0'],
    ['a negative price', { price: usd(-1) }, '/body/price/amount'],
    ['min above max', { estimatedDays: { min: 9, max: 3 } }, '/body/estimatedDays/min'],
    ['a null price', { price: null }, '/body/price'],
    ['an active flag of 1', { active: 1 }, '/body/active'],
    ['an unknown property', { id: UNKNOWN_ID }, '/body']
  ]
  for (const [name, body, pointer] of patches) {
    const { response, error } = await api.PATCH(`${ADMIN_PATH}/{id}`, { headers: staff, params: path, body: body as never })
    t.equal(response.status, 400, `changing to ${name}`)
    t.match(error, { code: 'VALIDATION_FAILED', errors: [{ pointer }] }, `changing to ${name}: ${pointer}`)
  }
  t.same((await allMethods(shop)).find((item) => item.id === edge.id), edge, 'no refused change was written')
  t.equal((await allMethods(shop)).length, before + 2, 'no refused method was created')
})

t.test('GET /cart/shipping-methods lists the active methods serving the country, priced for this cart', async (t) => {
  const { api } = shop
  const customer = await createCustomer(shop)
  const courier = await createShippingMethod(shop, { ...express, name: 'Courier' })
  const europe = await createShippingMethod(shop, { name: 'Europe Post', price: usd(800), freeAbove: usd(5000), countries: ['FR', 'DE'], estimatedDays: { min: 3, max: 7 } })
  await createShippingMethod(shop, { ...express, name: 'Closed Courier', price: usd(100), active: false })
  const lamp = await sellable(shop, 2000, 20, 'Shipped Lamp')
  const quote = async (country: string, headers: Record<string, string> = customer.headers) =>
    await api.GET('/api/v1/cart/shipping-methods', { headers, params: { query: { country } } })
  const ids = (answer: Awaited<ReturnType<typeof quote>>) => answer.data?.items.map((item) => item.id)

  const empty = await quote('US')
  t.equal(empty.response.status, 200)
  t.match(empty.data?.items[0], { id: shop.shipping.id, price: usd(499), total: usd(499) }, 'an empty cart pays only shipping')

  await addToCart(api, customer.headers, lamp.variantId, 2)
  const us = await quote('US')
  t.equal(us.data?.country, 'US')
  const standard = us.data?.items.find((item) => item.id === shop.shipping.id)
  t.same(standard, { id: shop.shipping.id, name: 'Standard', price: usd(499), priceSource: 'FLAT', freeAbove: usd(10_000), estimatedDays: { min: 2, max: 5 }, total: usd(4499) })
  t.same(us.data?.items.find((item) => item.id === courier.id), { id: courier.id, name: 'Courier', price: usd(1500), priceSource: 'FLAT', freeAbove: null, estimatedDays: { min: 1, max: 2 }, total: usd(5500) })
  t.notOk(us.data?.items.some((item) => item.name === 'Closed Courier'), 'inactive methods are not offered')
  t.notOk(us.data?.items.some((item) => item.id === europe.id), 'nor methods that do not serve the country')
  const prices = us.data!.items.map((item) => item.price.amount)
  t.same(prices, [...prices].sort((a, b) => a - b), 'cheapest first')

  t.same(ids(await quote('DE')), [shop.shipping.id, europe.id], 'DE: 499, then 800')
  t.same(ids(await quote('FR')), [europe.id])
  t.same((await quote('JP')).data, { country: 'JP', items: [] }, 'a country nobody serves has no methods')

  await addToCart(api, customer.headers, lamp.variantId, 1)
  const de = await quote('DE')
  t.match(de.data?.items, [{ id: europe.id, price: usd(0), total: usd(6000) }, { id: shop.shipping.id, price: usd(499), total: usd(6499) }], 'free above 5,000: now the cheapest')

  await addToCart(api, customer.headers, lamp.variantId, 2)
  t.match((await quote('GB')).data?.items, [{ id: shop.shipping.id, price: usd(0), total: usd(10_000) }], 'a subtotal of exactly the threshold ships free')

  const guest = await api.POST('/api/v1/cart')
  const guestHeaders = { 'x-cart-token': guest.data!.cartToken }
  await addToCart(api, guestHeaders, lamp.variantId, 1)
  t.match((await quote('US', guestHeaders)).data?.items, [{ id: shop.shipping.id, total: usd(2499) }], "a guest's cart by its token")
  t.same((await quote('US', {})).error, problem(401, 'UNAUTHORIZED', 'Sign in, or send the X-Cart-Token of a guest cart (POST /api/v1/cart).', '/api/v1/cart/shipping-methods?country=US'))
  t.same((await quote('US', { 'x-cart-token': 'gone' })).error, problem(404, 'CART_NOT_FOUND', 'No cart has this token: it never existed, was merged, or expired.', '/api/v1/cart/shipping-methods?country=US'))
})

t.test('the country must be an assigned ISO 3166-1 alpha-2 code in upper case', async (t) => {
  const { api } = shop
  const customer = await createCustomer(shop)
  for (const country of ['ZZ', 'UK', 'XX', 'usa', 'us', 'Us', 'U1', '', 'USA']) {
    const instance = `/api/v1/cart/shipping-methods?country=${country}`
    const { response, error } = await api.GET('/api/v1/cart/shipping-methods', { headers: customer.headers, params: { query: { country } } })
    t.equal(response.status, 400, `"${country}" is refused`)
    t.match(error, { status: 400, code: 'VALIDATION_FAILED', instance, errors: [{ pointer: '/query/country' }] })
  }
  const unassigned = await api.GET('/api/v1/cart/shipping-methods', { headers: customer.headers, params: { query: { country: 'ZZ' } } })
  t.same(unassigned.error, validationProblem('/api/v1/cart/shipping-methods?country=ZZ', [{ pointer: '/query/country', detail: 'is not an ISO 3166-1 alpha-2 country code' }]))
})

t.test('?addressId= quotes to a saved address of the customer; anyone else\'s is a 404', async (t) => {
  const { api, staff } = shop
  const [customer, other] = await createCustomers(shop, 2)
  const lamp = await sellable(shop, 2000, 20, 'Addressed Lamp')
  await addToCart(api, customer!.headers, lamp.variantId, 1)
  const german = await saveAddress(shop, customer!, 'DE')
  const theirs = await saveAddress(shop, other!, 'US')
  const quote = async (query: Record<string, string>, headers: Record<string, string> = customer!.headers) =>
    await api.GET('/api/v1/cart/shipping-methods', { headers, params: { query } })

  const toGermany = await quote({ addressId: german })
  t.equal(toGermany.response.status, 200)
  t.equal(toGermany.data?.country, 'DE', "the address's country")
  t.same(toGermany.data, (await quote({ country: 'DE' })).data, 'the same methods as for its country')

  const foreign = await quote({ addressId: theirs })
  t.equal(foreign.response.status, 404, "another customer's address")
  t.match(foreign.error, { code: 'NOT_FOUND' })
  t.equal((await quote({ addressId: UNKNOWN_ID })).response.status, 404, 'an address that does not exist')
  t.match((await quote({ addressId: 'home' })).error, { status: 400, errors: [{ pointer: '/query/addressId' }] })
  t.same((await quote({ addressId: german, country: 'DE' })).error, validationProblem(`/api/v1/cart/shipping-methods?addressId=${german}&country=DE`, [{ pointer: '/query', detail: 'must have exactly one of addressId and country' }]))
  t.same((await quote({})).error, validationProblem('/api/v1/cart/shipping-methods', [{ pointer: '/query', detail: 'must have exactly one of addressId and country' }]))
  t.match((await quote({ country: 'DE', carrier: 'UPS' })).error, { status: 400, code: 'VALIDATION_FAILED' }, 'unknown query parameters are refused')

  const guest = await api.POST('/api/v1/cart')
  const asGuest = await quote({ addressId: german }, { 'x-cart-token': guest.data!.cartToken })
  t.same(asGuest.error, validationProblem(`/api/v1/cart/shipping-methods?addressId=${german}`, [{ pointer: '/query/addressId', detail: 'names a saved address, which needs a signed-in customer; send country instead' }]))
  t.equal((await quote({ addressId: german }, staff)).response.status, 403, 'staff have no cart to quote')
})

t.test('checkout refuses a method that does not serve the address, or no longer ships', async (t) => {
  const { api, staff } = shop
  const customer = await createCustomer(shop)
  const lamp = await sellable(shop, 2000, 20, 'Exported Lamp')
  await addToCart(api, customer.headers, lamp.variantId, 1)
  const portuguese = await saveAddress(shop, customer, 'PT')
  const portuguesePost = await createShippingMethod(shop, { name: 'CTT Expresso', price: usd(650), countries: ['PT'], estimatedDays: { min: 2, max: 4 } })
  const checkout = async (body: Record<string, unknown>) =>
    await api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body: { paymentMethod: 'COD', ...body } as never })
  const refusal = (country: string) => problem(409, 'SHIPPING_NOT_AVAILABLE', `This shipping method does not deliver to ${country}; GET /api/v1/cart/shipping-methods lists those that do.`, '/api/v1/checkout')

  t.same((await checkout({ addressId: portuguese, shippingMethodId: shop.shipping.id, expectedTotal: usd(2499) })).error, refusal('PT'), 'Standard does not serve the saved Portuguese address')
  t.same((await checkout({ address: { ...US_ADDRESS, country: 'JP' }, shippingMethodId: portuguesePost.id, expectedTotal: usd(2650) })).error, refusal('JP'), 'nor CTT a Japanese one')

  const offered = await api.GET('/api/v1/cart/shipping-methods', { headers: customer.headers, params: { query: { addressId: portuguese } } })
  t.same(offered.data?.items.map((item) => item.id), [portuguesePost.id], 'the quote offers what serves the address')
  const paused = await api.PATCH(`${ADMIN_PATH}/{id}`, { headers: staff, params: { path: { id: portuguesePost.id } }, body: { active: false } })
  t.equal(paused.response.status, 200)
  t.same((await checkout({ addressId: portuguese, shippingMethodId: portuguesePost.id, expectedTotal: offered.data!.items[0]!.total })).error, refusal('PT'), 'a method paused since the quote')
  await api.PATCH(`${ADMIN_PATH}/{id}`, { headers: staff, params: { path: { id: portuguesePost.id } }, body: { active: true } })

  const placed = await checkout({ addressId: portuguese, shippingMethodId: portuguesePost.id, expectedTotal: usd(2650) })
  t.equal(placed.response.status, 201)
  t.match(placed.data, { shippingTotal: usd(650), total: usd(2650), shippingAddress: { country: 'PT' } })

  const deleted = await api.DELETE(`${ADMIN_PATH}/{id}`, { headers: staff, params: { path: { id: portuguesePost.id } } })
  t.equal(deleted.response.status, 204, 'a method used by an order can be deleted')
  const order = await api.GET('/api/v1/orders/{id}', { headers: customer.headers, params: { path: { id: placed.data!.id } } })
  t.match(order.data, { shippingTotal: usd(650), total: usd(2650) }, 'the order keeps what it was charged')
})

t.test('concurrent changes of one method, on two instances, each apply; a change racing a delete is a 404 or lands before it', async (t) => {
  const { api, staff } = shop
  const second = await secondInstance(t, shop)
  const method = await createShippingMethod(shop, { ...express, name: 'Raced', countries: ['NZ'] })
  const changes: Array<Record<string, unknown>> = [
    { name: 'Raced Again' }, { price: usd(1600) }, { freeAbove: usd(20_000) }, { countries: ['AU', 'NZ'] }, { estimatedDays: { min: 2, max: 3 } }, { active: false }
  ]
  const answers = await settled(changes.map(async (body, index) => await (index % 2 === 0 ? api : second.api).PATCH(`${ADMIN_PATH}/{id}`, { headers: staff, params: { path: { id: method.id } }, body: body as never })))
  t.same(answers.map((answer) => answer.response.status), changes.map(() => 200), 'every change went through')
  t.match((await allMethods(shop)).find((item) => item.id === method.id), {
    ...method,
    name: 'Raced Again',
    price: usd(1600),
    freeAbove: usd(20_000),
    countries: ['AU', 'NZ'],
    estimatedDays: { min: 2, max: 3 },
    active: false,
    updatedAt: String
  }, 'and none was lost')

  for (let round = 0; round < 4; round++) {
    const doomed = await createShippingMethod(shop, { ...express, name: `Doomed ${round}` })
    const changing = api.PATCH(`${ADMIN_PATH}/{id}`, { headers: staff, params: { path: { id: doomed.id } }, body: { price: usd(1700) } })
    const deleting = second.api.DELETE(`${ADMIN_PATH}/{id}`, { headers: staff, params: { path: { id: doomed.id } } })
    await settled<unknown>([changing, deleting])
    const [changed, deleted] = [await changing, await deleting]
    t.equal(deleted.response.status, 204)
    t.ok([200, 404].includes(changed.response.status), `round ${round}: the change answered ${changed.response.status}`)
    t.notOk((await allMethods(shop)).some((item) => item.id === doomed.id), 'the method is gone')
  }
})
