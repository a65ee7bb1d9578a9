import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { usd } from '../helpers/catalog.js'
import { problem } from '../helpers/problems.js'
import {
  addToCart, buildShop, checkoutBody, createCustomer, createShippingMethod, idempotencyKey, sellable, stockOf,
  US_ADDRESS, type Customer, type ShopHarness
} from '../helpers/shop.js'

async function orderCount (app: FastifyInstance): Promise<number> {
  const [row] = await app.orm.em.fork().execute<Array<{ count: string }>>('select count(*) as count from orders')
  return Number(row?.count)
}

/** A checkout with any body, even one the types would refuse (that is the point). */
async function checkout (harness: ShopHarness, customer: Customer, body: unknown) {
  return await harness.api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body: body as never })
}

t.test('each refusal is a clear problem and writes nothing: no order, stock and cart untouched', async (t) => {
  const harness = await buildShop(t)
  const { api, staff } = harness
  const customer = await createCustomer(harness)
  const lamp = await sellable(harness, 3000, 5, 'Brass Lamp')

  const empty = await api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body: { address: US_ADDRESS, shippingMethodId: harness.shipping.id, paymentMethod: 'COD', expectedTotal: usd(499) } })
  t.same(empty.error, problem(409, 'CART_EMPTY', 'The cart is empty: add something before checking out.', '/api/v1/checkout'), 'a customer who never had a cart')

  await addToCart(api, customer.headers, lamp.variantId, 2)
  const body = await checkoutBody(harness, customer)
  const cartBefore = (await api.GET('/api/v1/cart', { headers: customer.headers })).data

  const refusals: Array<[string, unknown, number, string]> = [
    ['a total other than the one shown', { ...body, expectedTotal: usd(6000) }, 409, 'PRICE_CHANGED'],
    ['another currency', { ...body, expectedTotal: { amount: 6499, currency: 'EUR' } }, 400, 'VALIDATION_FAILED'],
    ['card payments, in a shop without Stripe', { ...body, paymentMethod: 'CARD' }, 409, 'PAYMENT_METHOD_UNAVAILABLE'],
    ['both an address and an address id', { ...body, addressId: customer.id }, 400, 'VALIDATION_FAILED'],
    ['neither', { shippingMethodId: body.shippingMethodId, paymentMethod: 'COD', expectedTotal: body.expectedTotal }, 400, 'VALIDATION_FAILED'],
    ['a country that does not exist', { ...body, address: { ...US_ADDRESS, country: 'ZZ' } }, 400, 'VALIDATION_FAILED'],
    ['a country the method does not serve', { ...body, address: { ...US_ADDRESS, country: 'FR' } }, 409, 'SHIPPING_NOT_AVAILABLE'],
    ['an unknown shipping method', { ...body, shippingMethodId: '0193b1e4-0000-7000-8000-000000000000' }, 404, 'NOT_FOUND'],
    ['an unknown saved address', { ...body, address: undefined, addressId: '0193b1e4-0000-7000-8000-000000000001' }, 404, 'NOT_FOUND'],
    ['a note of 501 characters', { ...body, note: 'x'.repeat(501) }, 400, 'VALIDATION_FAILED'],
    ['a total that is not an integer', { ...body, expectedTotal: { amount: 6499.5, currency: 'USD' } }, 400, 'VALIDATION_FAILED'],
    ['an unknown property', { ...body, discount: 100 }, 400, 'VALIDATION_FAILED']
  ]
  for (const [name, attempt, status, code] of refusals) {
    const { response, error } = await checkout(harness, customer, JSON.parse(JSON.stringify(attempt)))
    t.equal(response.status, status, name)
    t.equal((error as { code?: string }).code, code, name)
  }

  const noKey = await api.POST('/api/v1/checkout', { headers: customer.headers, body })
  t.same(noKey.error, problem(428, 'IDEMPOTENCY_KEY_REQUIRED', 'Send an Idempotency-Key header, so that retrying this request can never perform it twice.', '/api/v1/checkout'))
  const anonymous = await api.POST('/api/v1/checkout', { headers: { 'idempotency-key': idempotencyKey() }, body })
  t.equal(anonymous.response.status, 401)
  const asStaff = await api.POST('/api/v1/checkout', { headers: { ...staff, 'idempotency-key': idempotencyKey() }, body })
  t.equal(asStaff.response.status, 403, 'staff have no cart to check out')

  const inactive = await createShippingMethod(harness, { name: 'Courier', price: usd(999), countries: ['US'], estimatedDays: { min: 1, max: 1 }, active: false })
  const closed = await checkout(harness, customer, { ...body, shippingMethodId: inactive.id })
  t.equal((closed.error as { code?: string }).code, 'SHIPPING_NOT_AVAILABLE', 'an inactive method serves nobody')

  t.equal(await orderCount(harness.app), 0, 'no order was written')
  t.equal(await stockOf(harness, lamp.variantId), 5, 'no stock was taken')
  t.same((await api.GET('/api/v1/cart', { headers: customer.headers })).data?.items, cartBefore?.items, 'the cart is as it was')
})

t.test('a price changed since the customer saw the cart: 409 with the cart as it is now; the new total goes through', async (t) => {
  const harness = await buildShop(t)
  const { api, staff } = harness
  const customer = await createCustomer(harness)
  const chair = await sellable(harness, 4000, 5, 'Oak Chair')
  await addToCart(api, customer.headers, chair.variantId, 2)
  const body = await checkoutBody(harness, customer)
  t.same(body.expectedTotal, usd(8499))
  const repriced = await api.PATCH('/api/v1/admin/products/{id}/variants/{variantId}', { headers: staff, params: { path: { id: chair.id, variantId: chair.variantId } }, body: { price: usd(4500) } })
  t.equal(repriced.response.status, 200)

  const key = idempotencyKey()
  const stale = await api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': key }, body })
  t.equal(stale.response.status, 409)
  const refusal = stale.error as unknown as { code: string, total: number, cart: { items: Array<{ priceChanged: boolean, unitPrice: unknown, addedUnitPrice: unknown }>, total: unknown } }
  t.equal(refusal.code, 'PRICE_CHANGED')
  t.equal(refusal.total, 9499, 'the new total, with shipping (9,000 is under the free threshold)')
  t.match(refusal.cart.items, [{ priceChanged: true, unitPrice: usd(4500), addedUnitPrice: usd(4000) }])
  t.same(refusal.cart.total, usd(9000))

  const replayed = await api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': key }, body })
  t.equal(replayed.response.status, 409, 'the same request with the same key gets the same answer')
  t.equal(replayed.response.headers.get('idempotent-replayed'), 'true')
  const changedWithOldKey = await api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': key }, body: { ...body, expectedTotal: usd(9499) } })
  t.equal(changedWithOldKey.response.status, 422, 'a changed request needs a new key')

  const placed = await api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body: { ...body, expectedTotal: usd(9499) } })
  t.equal(placed.response.status, 201)
  t.match(placed.data?.items, [{ unitPrice: usd(4500), lineTotal: usd(9000) }], 'the order has the price the customer accepted')
})

t.test('lines no longer sold, and stock that no longer covers a line, refuse the whole cart', async (t) => {
  const harness = await buildShop(t)
  const { api, staff } = harness
  const customer = await createCustomer(harness)
  const mug = await sellable(harness, 900, 3, 'Stoneware Mug')
  const bowl = await sellable(harness, 1500, 5, 'Stoneware Bowl')
  await addToCart(api, customer.headers, mug.variantId, 3)
  await addToCart(api, customer.headers, bowl.variantId, 2)
  const body = await checkoutBody(harness, customer)

  const sold = await api.POST('/api/v1/admin/variants/{id}/stock-adjustments', { headers: { ...staff, 'idempotency-key': idempotencyKey() }, params: { path: { id: mug.variantId } }, body: { change: -2, reason: 'Broken in the store room' } })
  t.equal(sold.response.status, 201)
  const short = await api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body })
  t.equal(short.response.status, 409)
  t.match(short.error, { code: 'OUT_OF_STOCK', variants: [{ variantId: mug.variantId, requested: 3, available: 1 }] })
  t.equal((short.error as unknown as { variants: unknown[] }).variants.length, 1, 'only the short line is named')
  t.equal(await stockOf(harness, bowl.variantId), 5, 'nothing was taken from the line that had stock')

  await api.PATCH('/api/v1/admin/products/{id}', { headers: staff, params: { path: { id: bowl.id } }, body: { status: 'ARCHIVED' } })
  const unsold = await api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body })
  t.match(unsold.error, { status: 409, code: 'PRODUCT_UNAVAILABLE', variants: [{ variantId: bowl.variantId, productName: 'Stoneware Bowl' }] })
  t.equal(await orderCount(harness.app), 0)
})

t.test('a saved address is copied into the order; editing it later leaves the order as it was', async (t) => {
  const harness = await buildShop(t)
  const { api } = harness
  const customer = await createCustomer(harness)
  const other = await createCustomer(harness)
  const rug = await sellable(harness, 6000, 4, 'Wool Rug')
  const saved = await api.POST('/api/v1/me/addresses', { headers: customer.headers, body: { fullName: 'Grace Hopper', line1: '7 Compiler Street', city: 'Arlington', postalCode: '22201', country: 'US', phone: '+12025550143' } })
  const addressId = saved.data!.id
  await addToCart(api, customer.headers, rug.variantId, 2)
  const quote = await api.GET('/api/v1/cart/shipping-methods', { headers: customer.headers, params: { query: { addressId } } })
  const total = quote.data?.items[0]?.total
  t.same(total, usd(12000), 'free shipping from 10,000')
  const body = { addressId, shippingMethodId: harness.shipping.id, paymentMethod: 'COD' as const, expectedTotal: total! }

  await addToCart(api, other.headers, rug.variantId, 1)
  const foreign = await api.POST('/api/v1/checkout', { headers: { ...other.headers, 'idempotency-key': idempotencyKey() }, body: { ...body, expectedTotal: usd(6499) } })
  t.equal(foreign.response.status, 404, "another customer's address is not found")

  const { data: order } = await api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body })
  t.same(order?.shippingAddress, { fullName: 'Grace Hopper', company: null, line1: '7 Compiler Street', line2: null, city: 'Arlington', region: null, postalCode: '22201', country: 'US', phone: '+12025550143' })
  t.same(order?.shippingTotal, usd(0))
  await api.PATCH('/api/v1/me/addresses/{id}', { headers: customer.headers, params: { path: { id: addressId } }, body: { line1: '8 Linker Lane' } })
  const later = await api.GET('/api/v1/orders/{id}', { headers: customer.headers, params: { path: { id: order!.id } } })
  t.equal(later.data?.shippingAddress.line1, '7 Compiler Street')
})

t.test('order numbers are unique and increasing; a checked-out line is gone from the cart', async (t) => {
  const harness = await buildShop(t)
  const { api } = harness
  const customer = await createCustomer(harness)
  const candle = await sellable(harness, 1100, 10, 'Beeswax Candle')
  const numbers: number[] = []
  for (let index = 0; index < 3; index++) {
    const cart = await addToCart(api, customer.headers, candle.variantId, 1)
    const { data } = await api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body: await checkoutBody(harness, customer) })
    numbers.push(Number(data?.number))
    const stale = await api.PATCH('/api/v1/cart/items/{itemId}', { headers: customer.headers, params: { path: { itemId: cart.items[0]!.id } }, body: { quantity: 2 } })
    t.equal(stale.response.status, 404, 'the line was checked out with the cart')
  }
  t.ok(numbers[0]! >= 100001, `numbers start at 100001 (${numbers[0]})`)
  t.ok(numbers[0]! < numbers[1]! && numbers[1]! < numbers[2]!, `increasing: ${numbers.join(', ')}`)
  t.equal(await stockOf(harness, candle.variantId), 7)
})
