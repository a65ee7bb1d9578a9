import t from 'tap'
import type { components } from '../../openapi/schema.js'
import { ISO_INSTANT, UUID_V7, validationProblem } from '../helpers/problems.js'
import { buildIndianShop, INDIAN_ADDRESS, indianProduct, inr, type CheckoutAddress } from '../helpers/shipments.js'
import { startShiprocketStandIn, type ShiprocketStandIn } from '../helpers/shiprocket-stand-in.js'
import { addToCart, buildShop, createCustomer, createShippingMethod, idempotencyKey, type Customer, type ShippingMethod, type ShopHarness } from '../helpers/shop.js'

type CartShippingMethod = components['schemas']['CartShippingMethod']
type CreateShippingMethodRequest = components['schemas']['CreateShippingMethodRequest']

const METHODS_PATH = '/api/v1/admin/shipping-methods'
const SERVICEABILITY = '/courier/serviceability/'
const RATE_TIMEOUT_MS = 1000
const MUMBAI: CheckoutAddress = { ...INDIAN_ADDRESS, city: 'Mumbai', region: 'Maharashtra', postalCode: '400001' }
const courier: CreateShippingMethodRequest = { name: 'Courier', price: inr(9900), pricing: 'CARRIER_CALCULATED', carrier: 'shiprocket', freeAbove: inr(200_000), countries: ['IN'], estimatedDays: { min: 2, max: 4 } }

function without (body: CreateShippingMethodRequest, field: 'carrier' | 'pricing'): CreateShippingMethodRequest {
  const { [field]: dropped, ...rest } = body
  return rest
}

let standIn: ShiprocketStandIn
let shop: ShopHarness
let method: ShippingMethod
let tea: Awaited<ReturnType<typeof indianProduct>>
t.before(async () => {
  standIn = await startShiprocketStandIn(t)
  // Every courier for Bengaluru collects cash; in Mumbai the cheapest does not.
  standIn.setRates(INDIAN_ADDRESS.postalCode, [{ courierId: 10, name: 'Delhivery Surface', rate: '103.25' }, { courierId: 24, name: 'Xpressbees Surface', rate: 54.5 }])
  standIn.setRates(MUMBAI.postalCode, [{ courierId: 51, name: 'Ekart Logistics', rate: 41, cod: false }, { courierId: 24, name: 'Xpressbees Surface', rate: 54.5 }])
  shop = await buildIndianShop(t, standIn, { CARRIER_RATE_TIMEOUT_MS: String(RATE_TIMEOUT_MS) })
  method = await createShippingMethod(shop, courier)
  tea = await indianProduct(shop, 'Assam Tea', 24950, 250, 1000)
})

/** The cart's methods to `query`, by name. */
async function listed (customer: Customer, query: { country?: string, postalCode?: string, addressId?: string }): Promise<Record<string, CartShippingMethod>> {
  const { data, error } = await shop.api.GET('/api/v1/cart/shipping-methods', { headers: customer.headers, params: { query } })
  if (data === undefined) throw new Error(`listing failed: ${JSON.stringify(error)}`)
  return Object.fromEntries(data.items.map((item) => [item.name, item]))
}

async function checkout (customer: Customer, expectedTotal: components['schemas']['Money'], address = INDIAN_ADDRESS) {
  return await shop.api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body: { address, shippingMethodId: method.id, paymentMethod: 'COD', expectedTotal } })
}

/** A customer with `teas` teas (250 g and ₹249.50 each) in the cart. */
async function cartOf (teas: number): Promise<Customer> {
  const customer = await createCustomer(shop)
  await addToCart(shop.api, customer.headers, tea.variantId, teas)
  return customer
}

t.test('a carrier-priced method names a carrier that gives rates in this shop; a flat one names none', async (t) => {
  t.same(method, { ...courier, id: method.id, active: true, createdAt: method.createdAt, updatedAt: method.updatedAt })
  t.match(method, { id: UUID_V7, createdAt: ISO_INSTANT })
  const refusals: Array<[string, CreateShippingMethodRequest, string]> = [
    ['manual, which has no rates', { ...courier, carrier: 'manual' }, 'manual gives no rates in this shop (it is not configured, or has no rate API)'],
    ['no carrier', without(courier, 'carrier'), 'is required with pricing CARRIER_CALCULATED'],
    ['a null carrier', { ...courier, carrier: null }, 'is required with pricing CARRIER_CALCULATED'],
    ['a flat method with a carrier', { ...courier, pricing: 'FLAT' }, 'is only for pricing CARRIER_CALCULATED'],
    ['a carrier without its pricing', without(courier, 'pricing'), 'is only for pricing CARRIER_CALCULATED']
  ]
  for (const [what, body, detail] of refusals) {
    const answer = await shop.api.POST(METHODS_PATH, { headers: shop.staff, body })
    t.same(answer.error, validationProblem(METHODS_PATH, [{ pointer: '/body/carrier', detail }]), what)
  }
  const flat = await createShippingMethod(shop, { name: 'Flat Rate', price: inr(5000), countries: ['IN'], estimatedDays: { min: 3, max: 6 } })
  t.same([flat.pricing, flat.carrier], ['FLAT', null])
  const instance = `${METHODS_PATH}/${flat.id}`
  t.same((await shop.api.PATCH(`${METHODS_PATH}/{id}`, { headers: shop.staff, params: { path: { id: flat.id } }, body: { pricing: 'CARRIER_CALCULATED' } })).error,
    validationProblem(instance, [{ pointer: '/body/carrier', detail: 'is required with pricing CARRIER_CALCULATED' }]))
  const switched = await shop.api.PATCH(`${METHODS_PATH}/{id}`, { headers: shop.staff, params: { path: { id: flat.id } }, body: { pricing: 'CARRIER_CALCULATED', carrier: 'shiprocket', active: false } })
  t.same([switched.data?.pricing, switched.data?.carrier], ['CARRIER_CALCULATED', 'shiprocket'], 'a flat method becomes carrier-priced with its carrier')

  const usd = await buildShop(t)
  const elsewhere = await usd.api.POST(METHODS_PATH, { headers: usd.staff, body: { ...courier, price: { amount: 999, currency: 'USD' }, freeAbove: null, countries: ['US'] } })
  t.same(elsewhere.error, validationProblem(METHODS_PATH, [{ pointer: '/body/carrier', detail: 'shiprocket gives no rates in this shop (it is not configured, or has no rate API)' }]), 'a shop without Shiprocket')
})

t.test('the cart listing quotes the carrier\'s cheapest price for the cart\'s weight and destination, and checkout charges that price', async (t) => {
  const customer = await cartOf(2)
  const before = standIn.requests.length
  const quoted = await listed(customer, { country: 'IN', postalCode: INDIAN_ADDRESS.postalCode })
  t.same(quoted.Courier, { id: method.id, name: 'Courier', price: inr(5450), priceSource: 'CARRIER', freeAbove: inr(200_000), estimatedDays: { min: 2, max: 4 }, total: inr(49_900 + 5450) }, 'Xpressbees, ₹54.50')
  t.same([quoted['India Post']?.price, quoted['India Post']?.priceSource], [inr(7900), 'FLAT'])
  t.same(standIn.requests.slice(before).filter((request) => request.path === SERVICEABILITY).map((request) => request.query), [{
    pickup_postcode: '110001', delivery_postcode: INDIAN_ADDRESS.postalCode, weight: '0.5', cod: '0', declared_value: '499'
  }], 'two teas of 250 g, worth ₹499, from the pickup pincode')

  const saved = await shop.api.POST('/api/v1/me/addresses', { headers: customer.headers, body: { fullName: INDIAN_ADDRESS.fullName, line1: INDIAN_ADDRESS.line1, city: INDIAN_ADDRESS.city, postalCode: INDIAN_ADDRESS.postalCode, country: 'IN' } })
  t.same((await listed(customer, { addressId: saved.data!.id })).Courier, quoted.Courier, 'a saved address is quoted for its pincode')

  const askedBefore = standIn.count(SERVICEABILITY)
  const placed = await checkout(customer, quoted.Courier!.total)
  t.equal(placed.response.status, 201)
  t.match(placed.data, { shippingTotal: inr(5450), total: inr(55_350), shippingMethod: { id: method.id, name: 'Courier', price: inr(5450) } })
  t.equal(standIn.count(SERVICEABILITY), askedBefore, 'checkout charges the quote the listing got, kept for ten minutes: the carrier is not asked again')
})

t.test('a cash-on-delivery checkout at the total the cart listing showed goes through, where the cheapest courier takes no cash', async (t) => {
  const customer = await cartOf(2)
  const quoted = await listed(customer, { country: 'IN', postalCode: MUMBAI.postalCode })
  const placed = await checkout(customer, quoted.Courier!.total, MUMBAI)
  t.equal(placed.response.status, 201, `checkout charges what the listing showed (${JSON.stringify(quoted.Courier?.price)}): ${JSON.stringify(placed.error?.detail)}`)
})

t.test('a carrier that does not answer in CARRIER_RATE_TIMEOUT_MS: the method\'s own price (FALLBACK), which checkout charges too', async (t) => {
  const customer = await cartOf(3)
  // Signed in with Shiprocket already; this cart's parcel has no quote kept yet.
  await listed(customer, { country: 'IN', postalCode: MUMBAI.postalCode })
  const asked = standIn.count(SERVICEABILITY)
  standIn.delayNext(RATE_TIMEOUT_MS * 3)
  const started = Date.now()
  const quoted = await listed(customer, { country: 'IN', postalCode: INDIAN_ADDRESS.postalCode })
  t.ok(Date.now() - started < RATE_TIMEOUT_MS * 3, 'the cart did not wait for the carrier')
  t.equal(standIn.count(SERVICEABILITY), asked + 1, 'the carrier was asked')
  t.same([quoted.Courier?.price, quoted.Courier?.priceSource, quoted.Courier?.total], [inr(9900), 'FALLBACK', inr(49_900 * 3 / 2 + 9900)])

  standIn.delayNext(RATE_TIMEOUT_MS * 3)
  const placed = await checkout(customer, quoted.Courier!.total)
  t.equal(placed.response.status, 201)
  t.match(placed.data, { shippingTotal: inr(9900), total: inr(49_900 * 3 / 2 + 9900) })
  t.equal(standIn.count(SERVICEABILITY), asked + 2, 'asked again at checkout, before its transaction, and slow again: the fallback')
})

t.test('without a postal code, or for one no courier serves, the method\'s own price applies (FALLBACK)', async (t) => {
  const customer = await cartOf(1)
  const asked = standIn.count(SERVICEABILITY)
  const countryOnly = await listed(customer, { country: 'IN' })
  t.same([countryOnly.Courier?.price, countryOnly.Courier?.priceSource], [inr(9900), 'FALLBACK'])
  t.equal(standIn.count(SERVICEABILITY), asked, 'no carrier asked without a pincode')
  const unserved = await listed(customer, { country: 'IN', postalCode: '799001' })
  t.same([unserved.Courier?.price, unserved.Courier?.priceSource], [inr(9900), 'FALLBACK'])
  t.equal(standIn.count(SERVICEABILITY), asked + 1, 'the carrier was asked, and serves nobody there')
})

t.test('from freeAbove on the method is free, and the carrier is not asked', async (t) => {
  const customer = await cartOf(9) // ₹2245.50
  const asked = standIn.count(SERVICEABILITY)
  const quoted = await listed(customer, { country: 'IN', postalCode: INDIAN_ADDRESS.postalCode })
  t.same([quoted.Courier?.price, quoted.Courier?.priceSource, quoted.Courier?.total], [inr(0), 'FLAT', inr(224_550)])
  const placed = await checkout(customer, quoted.Courier!.total)
  t.equal(placed.response.status, 201)
  t.match(placed.data, { shippingTotal: inr(0), total: inr(224_550) })
  t.equal(standIn.count(SERVICEABILITY), asked, 'no serviceability request, for the listing or the checkout')
})
