import t from 'tap'
import type { FastifyInstance } from 'fastify'
import type { ApiClient } from '../helpers/client.js'
import { settled } from '../helpers/concurrency.js'
import { problem } from '../helpers/problems.js'
import { addToCart, buildShop, createCustomer, createCustomers, idempotencyKey, secondInstance, sellable, type Cart, type ShopHarness } from '../helpers/shop.js'
import { usd } from '../helpers/catalog.js'

const CART_NOT_FOUND = 'No cart has this token: it never existed, was merged, or expired.'
const MERGE = '/api/v1/cart/merge'

async function guestCart (api: ApiClient): Promise<{ token: string, cart: Cart }> {
  const { data, error } = await api.POST('/api/v1/cart')
  if (data === undefined) throw new Error(`no guest cart: ${JSON.stringify(error)}`)
  return { token: data.cartToken, cart: data.cart }
}

/** Every line of the customer's cart as the database has it: variant and quantity, by variant. */
async function customerLines (app: FastifyInstance, customerId: string): Promise<Array<{ variant_id: string, quantity: number }>> {
  return await app.orm.em.fork().execute('select l.variant_id, l.quantity from cart_lines l join carts c on c.id = l.cart_id where c.customer_id = ? order by l.variant_id', [customerId])
}

async function cartExists (app: FastifyInstance, cartId: string): Promise<boolean> {
  const rows = await app.orm.em.fork().execute('select 1 from carts where id = ? union all select 1 from cart_lines where cart_id = ?', [cartId, cartId])
  return rows.length > 0
}

function byVariant (lines: Array<{ variant_id: string, quantity: number }>): Record<string, number> {
  return Object.fromEntries(lines.map((line) => [line.variant_id, line.quantity]))
}

let shop: ShopHarness
t.before(async () => {
  shop = await buildShop(t, { CART_MAX_LINE_QUANTITY: '5' })
})

t.test("merging adds the guest's quantities, capped by stock and the per-line limit; the guest cart is gone", async (t) => {
  const { api, app, staff } = shop
  const customer = await createCustomer(shop)
  const lamp = await sellable(shop, 1500, 50, 'Merged Lamp')
  const mug = await sellable(shop, 900, 4, 'Merged Mug')
  const bowl = await sellable(shop, 2000, 50, 'Merged Bowl')
  const rug = await sellable(shop, 6000, 3, 'Merged Rug')
  const vase = await sellable(shop, 3000, 10, 'Merged Vase')
  const jug = await sellable(shop, 1200, 2, 'Merged Jug')

  await addToCart(api, customer.headers, lamp.variantId, 2)
  await addToCart(api, customer.headers, mug.variantId, 3)
  const mine = await addToCart(api, customer.headers, bowl.variantId, 1)
  const guest = await guestCart(api)
  const as = { 'x-cart-token': guest.token }
  await addToCart(api, as, lamp.variantId, 2)
  await addToCart(api, as, mug.variantId, 3)
  await addToCart(api, as, bowl.variantId, 5)
  await addToCart(api, as, rug.variantId, 2)
  await addToCart(api, as, vase.variantId, 1)
  await addToCart(api, as, jug.variantId, 2)
  await api.PATCH('/api/v1/admin/products/{id}', { headers: staff, params: { path: { id: vase.id } }, body: { status: 'ARCHIVED' } })
  const sold = await api.POST('/api/v1/admin/variants/{id}/stock-adjustments', { headers: { ...staff, 'idempotency-key': idempotencyKey() }, params: { path: { id: jug.variantId } }, body: { change: -2, reason: 'Sold in the shop' } })
  t.equal(sold.response.status, 201)

  const merged = await api.POST(MERGE, { headers: customer.headers, body: { cartToken: guest.token } })
  t.equal(merged.response.status, 200)
  const cart = merged.data!
  t.equal(cart.id, mine.id, "the customer's own cart")
  t.match(cart.items, [
    { variantId: lamp.variantId, quantity: 4, lineTotal: usd(6000) },
    { variantId: mug.variantId, quantity: 4, stockShort: false },
    { variantId: bowl.variantId, quantity: 5 },
    { variantId: rug.variantId, quantity: 2, unitPrice: usd(6000), addedUnitPrice: usd(6000), priceChanged: false }
  ], '2+2; 3+3 capped at the stock of 4; 1+5 capped at the limit of 5; a new line; oldest first')
  t.equal(cart.items.length, 4, 'the archived vase and the sold-out jug are dropped')
  t.same([cart.itemCount, cart.subtotal], [15, usd(6000 + 3600 + 10_000 + 12_000)])
  t.same(byVariant(await customerLines(app, customer.id)), { [lamp.variantId]: 4, [mug.variantId]: 4, [bowl.variantId]: 5, [rug.variantId]: 2 })

  t.same((await api.GET('/api/v1/cart', { headers: as })).error, problem(404, 'CART_NOT_FOUND', CART_NOT_FOUND, '/api/v1/cart'), 'the guest token now names no cart')
  t.notOk(await cartExists(app, guest.cart.id), 'the guest cart and its lines are deleted')
  const again = await api.POST(MERGE, { headers: customer.headers, body: { cartToken: guest.token } })
  t.same(again.error, problem(404, 'CART_NOT_FOUND', CART_NOT_FOUND, MERGE), 'a merged cart cannot be merged again')
  t.same(byVariant(await customerLines(app, customer.id)), { [lamp.variantId]: 4, [mug.variantId]: 4, [bowl.variantId]: 5, [rug.variantId]: 2 }, 'nothing added twice')
})

t.test('a customer without a cart gets the guest lines; an empty guest cart merges to nothing; refusals', async (t) => {
  const { api, app } = shop
  const [fresh, other] = await createCustomers(shop, 2)
  const lamp = await sellable(shop, 1500, 50, 'First Lamp')
  const guest = await guestCart(api)
  await addToCart(api, { 'x-cart-token': guest.token }, lamp.variantId, 3)
  const merged = await api.POST(MERGE, { headers: fresh!.headers, body: { cartToken: guest.token } })
  t.match(merged.data, { items: [{ variantId: lamp.variantId, quantity: 3 }], itemCount: 3 })
  t.not(merged.data?.id, guest.cart.id, 'the lines moved into a cart of the customer, not the guest cart')
  t.same(byVariant(await customerLines(app, fresh!.id)), { [lamp.variantId]: 3 })

  const empty = await guestCart(api)
  const nothing = await api.POST(MERGE, { headers: fresh!.headers, body: { cartToken: empty.token } })
  t.match(nothing.data, { id: merged.data?.id, items: [{ variantId: lamp.variantId, quantity: 3 }] }, 'the cart is as it was')
  t.notOk(await cartExists(app, empty.cart.id), 'the empty guest cart is gone too')

  t.same((await api.POST(MERGE, { headers: fresh!.headers, body: { cartToken: 'never-issued' } })).error, problem(404, 'CART_NOT_FOUND', CART_NOT_FOUND, MERGE), 'an unknown token')
  const kept = await guestCart(api)
  await addToCart(api, { 'x-cart-token': kept.token }, lamp.variantId, 1)
  const anonymous = await api.POST(MERGE, { body: { cartToken: kept.token } })
  t.equal(anonymous.response.status, 401, 'merging needs a signed-in customer')
  const refusals: Array<[string, unknown]> = [['an empty token', { cartToken: '' }], ['no token', {}], ['a token of 201 characters', { cartToken: 'x'.repeat(201) }], ['an unknown property', { cartToken: kept.token, into: other!.id }]]
  for (const [name, body] of refusals) {
    const refused = await api.POST(MERGE, { headers: other!.headers, body: body as never })
    t.match(refused.error, { status: 400, code: 'VALIDATION_FAILED' }, name)
  }
  t.same(await customerLines(app, other!.id), [], 'nothing was merged by a refusal')
  t.equal((await api.GET('/api/v1/cart', { headers: { 'x-cart-token': kept.token } })).data?.itemCount, 1, 'the guest cart is still there')
})

t.test('one guest cart merged concurrently, by two requests on each of two instances: one cart holding each variant once', async (t) => {
  const { api, app } = shop
  const second = await secondInstance(t, shop, { CART_MAX_LINE_QUANTITY: '5' })
  const apis = [api, second.api, api, second.api]
  for (let round = 0; round < 6; round++) {
    const customer = await createCustomer(shop)
    const lamp = await sellable(shop, 1500, 50, `Raced Lamp ${round}`)
    const mug = await sellable(shop, 900, 50, `Raced Mug ${round}`)
    // Half the rounds start with the variant already in the customer's cart, half without any cart at all.
    const held = round % 2 === 0 ? 2 : 0
    if (held > 0) await addToCart(api, customer.headers, lamp.variantId, held)
    const guest = await guestCart(api)
    await addToCart(api, { 'x-cart-token': guest.token }, lamp.variantId, 2)
    await addToCart(api, { 'x-cart-token': guest.token }, mug.variantId, 1)

    const answers = await settled(apis.map(async (client) => await client.POST(MERGE, { headers: customer.headers, body: { cartToken: guest.token } })))
    const merged = answers.filter((answer) => answer.response.status === 200)
    t.equal(merged.length, 1, `round ${round}: one merge happened`)
    for (const answer of answers.filter((other) => other.response.status !== 200)) {
      t.same(answer.error, problem(404, 'CART_NOT_FOUND', CART_NOT_FOUND, MERGE), `round ${round}: the others found the guest cart merged`)
    }
    t.same(byVariant(await customerLines(app, customer.id)), { [lamp.variantId]: held + 2, [mug.variantId]: 1 }, `round ${round}: each variant once, added once`)
    t.match(merged[0]?.data?.items, [{ variantId: lamp.variantId, quantity: held + 2 }, { variantId: mug.variantId, quantity: 1 }])
    const [carts] = await app.orm.em.fork().execute<Array<{ count: string }>>('select count(*) from carts where customer_id = ?', [customer.id])
    t.equal(Number(carts?.count), 1, `round ${round}: one customer cart`)
    t.notOk(await cartExists(app, guest.cart.id))
  }
})

t.test('concurrent merges of two guest carts, and adds, of the same variant into one customer cart add up in one line, capped', async (t) => {
  const { api, app } = shop
  const second = await secondInstance(t, shop, { CART_MAX_LINE_QUANTITY: '5' })
  for (let round = 0; round < 4; round++) {
    const customer = await createCustomer(shop)
    const lamp = await sellable(shop, 1500, 50, `Doubled Lamp ${round}`)
    const guests = [await guestCart(api), await guestCart(api)]
    for (const guest of guests) await addToCart(api, { 'x-cart-token': guest.token }, lamp.variantId, 2)
    const answers = await settled([
      api.POST(MERGE, { headers: customer.headers, body: { cartToken: guests[0]!.token } }),
      second.api.POST(MERGE, { headers: customer.headers, body: { cartToken: guests[1]!.token } }),
      second.api.POST('/api/v1/cart/items', { headers: customer.headers, body: { variantId: lamp.variantId, quantity: 1 } })
    ])
    t.same(answers.map((answer) => answer.response.status), [200, 200, 200], `round ${round}: every request went through`)
    t.same(await customerLines(app, customer.id), [{ variant_id: lamp.variantId, quantity: 5 }], `round ${round}: one line, 2 + 2 + 1 = 5`)
    for (const guest of guests) t.notOk(await cartExists(app, guest.cart.id))
  }

  const [first, rival] = await createCustomers(shop, 2)
  const mug = await sellable(shop, 900, 50, 'Contested Mug')
  const guest = await guestCart(api)
  await addToCart(api, { 'x-cart-token': guest.token }, mug.variantId, 3)
  const answers = await settled([
    api.POST(MERGE, { headers: first!.headers, body: { cartToken: guest.token } }),
    second.api.POST(MERGE, { headers: rival!.headers, body: { cartToken: guest.token } })
  ])
  t.same(answers.map((answer) => answer.response.status).sort(), [200, 404], 'two customers racing for one guest cart: one gets it')
  const lines = [...await customerLines(app, first!.id), ...await customerLines(app, rival!.id)]
  t.same(lines, [{ variant_id: mug.variantId, quantity: 3 }], 'its lines landed in one cart, once')
})
