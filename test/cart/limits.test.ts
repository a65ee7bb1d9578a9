import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { createProduct, uniqueSku, usd } from '../helpers/catalog.js'
import { concurrently } from '../helpers/concurrency.js'
import { problem, PROBLEM_JSON, validationProblem } from '../helpers/problems.js'
import { addToCart, buildShop, createCustomer, sellable } from '../helpers/shop.js'

async function cartLines (app: FastifyInstance, cartId: string): Promise<Array<{ variant_id: string, quantity: number }>> {
  return await app.orm.em.fork().execute('select variant_id, quantity from cart_lines where cart_id = ? order by id', [cartId])
}

t.test('quantities are whole numbers from 1 to CART_MAX_LINE_QUANTITY; anything else changes nothing', async (t) => {
  const harness = await buildShop(t, { CART_MAX_LINE_QUANTITY: '3' })
  const { api, app } = harness
  const customer = await createCustomer(harness)
  const lamp = await sellable(harness, 1500, 50, 'Limited Lamp')
  const chair = await sellable(harness, 4000, 50, 'Limited Chair')
  const cart = await addToCart(api, customer.headers, lamp.variantId, 3)
  t.equal(cart.items[0]?.quantity, 3, 'up to the limit')
  const limit = { ...problem(409, 'QUANTITY_LIMIT_EXCEEDED', 'A cart line holds at most 3 units.', '/api/v1/cart/items'), limit: 3 }
  const fourth = await api.POST('/api/v1/cart/items', { headers: customer.headers, body: { variantId: lamp.variantId, quantity: 1 } })
  t.equal(fourth.response.status, 409)
  t.same(fourth.error, limit, 'the 4th unit is refused')
  const fourAtOnce = await api.POST('/api/v1/cart/items', { headers: customer.headers, body: { variantId: chair.variantId, quantity: 4 } })
  t.same(fourAtOnce.error, limit, 'so are 4 at once')
  const lineId = cart.items[0]!.id
  const raised = await api.PATCH('/api/v1/cart/items/{itemId}', { headers: customer.headers, params: { path: { itemId: lineId } }, body: { quantity: 4 } })
  t.same(raised.error, { ...limit, instance: `/api/v1/cart/items/${lineId}` }, 'a change is held to the same limit')

  const wrong: Array<[string, unknown]> = [
    ['zero', 0], ['negative', -1], ['a fraction', 1.5], ['a numeric string', '2'], ['the string Infinity', 'Infinity'],
    ['above 1000', 1001], ['huge', 1e21], ['null', null], ['a boolean', true], ['an array', [1]]
  ]
  for (const [name, quantity] of wrong) {
    const added = await api.POST('/api/v1/cart/items', { headers: customer.headers, body: { variantId: chair.variantId, quantity } as never })
    t.equal(added.response.status, 400, `adding ${name}`)
    t.match(added.error, { code: 'VALIDATION_FAILED', errors: [{ pointer: '/body/quantity' }] }, `adding ${name} names the field`)
    if (name === 'zero') {
      t.same(added.error, validationProblem('/api/v1/cart/items', [{ pointer: '/body/quantity', detail: 'must be >= 1' }]))
      continue
    }
    const changed = await api.PATCH('/api/v1/cart/items/{itemId}', { headers: customer.headers, params: { path: { itemId: lineId } }, body: { quantity } as never })
    t.equal(changed.response.status, 400, `changing to ${name}`)
    t.match(changed.error, { code: 'VALIDATION_FAILED', errors: [{ pointer: '/body/quantity' }] })
  }
  for (const payload of [`{"variantId":"${chair.variantId}","quantity":1e400}`, `{"variantId":"${chair.variantId}","quantity":Infinity}`]) {
    const raw = await app.inject({ method: 'POST', url: '/api/v1/cart/items', headers: { ...customer.headers, 'content-type': 'application/json' }, payload })
    t.equal(raw.statusCode, 400, `raw JSON ${payload.slice(-20)}`)
  }
  const bodies: Array<[string, unknown]> = [
    ['no quantity', { variantId: chair.variantId }],
    ['no variant', { quantity: 1 }],
    ['a variant id that is not a UUID', { variantId: 'chair', quantity: 1 }],
    ['an unknown property', { variantId: chair.variantId, quantity: 1, price: 1 }]
  ]
  for (const [name, body] of bodies) {
    const added = await api.POST('/api/v1/cart/items', { headers: customer.headers, body: body as never })
    t.match(added.error, { status: 400, code: 'VALIDATION_FAILED' }, name)
  }
  const badLineId = await api.PATCH('/api/v1/cart/items/{itemId}', { headers: customer.headers, params: { path: { itemId: 'line-1' } }, body: { quantity: 1 } })
  t.match(badLineId.error, { status: 400, errors: [{ pointer: '/params/itemId' }] })
  t.same(await cartLines(app, cart.id), [{ variant_id: lamp.variantId, quantity: 3 }], 'nothing was written by any refusal')
})

t.test('a cart holds at most 100 lines: the 101st variant is refused, more of one already there is not', async (t) => {
  const shop = await buildShop(t)
  const { api, app } = shop
  const customer = await createCustomer(shop)
  const sizes = Array.from({ length: 50 }, (_, index) => `S${index + 1}`)
  const colours = ['Red', 'Blue']
  const shirt = await createProduct(shop, {
    name: 'Every Shirt',
    options: [{ name: 'Size', values: sizes }, { name: 'Colour', values: colours }],
    variants: sizes.flatMap((size) => colours.map((colour) => ({ sku: uniqueSku('SHIRT'), optionValues: { Size: size, Colour: colour }, price: usd(1000), stock: 5 })))
  })
  t.equal(shirt.variants.length, 100)
  const sock = await sellable(shop, 300, 5, 'Odd Sock')
  await concurrently(100, async (index) => await addToCart(api, customer.headers, shirt.variants[index]!.id, 1))
  const full = await api.POST('/api/v1/cart/items', { headers: customer.headers, body: { variantId: sock.variantId, quantity: 1 } })
  t.same(full.error, { ...problem(409, 'CART_FULL', 'A cart holds at most 100 lines; remove one first.', '/api/v1/cart/items'), limit: 100 })
  const more = await addToCart(api, customer.headers, shirt.variants[0]!.id, 1)
  t.same([more.items.length, more.itemCount, more.subtotal], [100, 101, usd(101_000)], 'a line already in the cart still takes more')
  t.equal((await cartLines(app, more.id)).length, 100)
  const freed = await api.DELETE('/api/v1/cart/items/{itemId}', { headers: customer.headers, params: { path: { itemId: more.items[99]!.id } } })
  t.equal(freed.data?.items.length, 99)
  t.equal((await addToCart(api, customer.headers, sock.variantId, 1)).items.length, 100, 'once a line is removed, a new one fits')
})

t.test('one client IP may start GUEST_CARTS_PER_IP_PER_HOUR guest carts an hour: with 3, the fourth is a 429 and makes nothing', async (t) => {
  const harness = await buildShop(t, { GUEST_CARTS_PER_IP_PER_HOUR: '3' })
  const { app } = harness
  const start = async (remoteAddress: string) => await app.inject({ method: 'POST', url: '/api/v1/cart', remoteAddress })
  const carts = async (): Promise<number> => Number((await app.orm.em.fork().execute<Array<{ count: string }>>('select count(*) from carts where customer_id is null'))[0]?.count)

  for (let index = 0; index < 3; index++) t.equal((await start('203.0.113.7')).statusCode, 201, `cart ${index + 1} of 3`)
  const fourth = await start('203.0.113.7')
  t.equal(fourth.statusCode, 429, 'the fourth is refused')
  t.equal(fourth.headers['content-type'], PROBLEM_JSON)
  const retryAfter = Number(fourth.headers['retry-after'])
  t.ok(retryAfter > 3500 && retryAfter <= 3600, `Retry-After names the rest of the hour (${retryAfter} s)`)
  t.same(fourth.json(), problem(429, 'RATE_LIMITED', `Too many attempts. Try again in ${retryAfter} seconds.`, '/api/v1/cart'))
  t.equal(await carts(), 3, 'the refused request made no cart')

  t.equal((await start('198.51.100.20')).statusCode, 201, 'another address has its own allowance')
  const customer = await createCustomer(harness)
  const own = await harness.api.GET('/api/v1/cart', { headers: customer.headers })
  t.equal(own.response.status, 200, "a signed-in customer's cart is not a guest cart and is not limited")
  t.equal(await carts(), 4)
})
