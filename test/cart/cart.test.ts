import { createHash } from 'node:crypto'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { createProduct, usd } from '../helpers/catalog.js'
import type { ApiClient } from '../helpers/client.js'
import { concurrently } from '../helpers/concurrency.js'
import { ISO_INSTANT, JSON_TYPE, problem, PROBLEM_JSON, UUID_V7 } from '../helpers/problems.js'
import { addToCart, buildShop, createCustomer, createCustomers, idempotencyKey, placeOrder, sellable, type Cart, type ShopHarness } from '../helpers/shop.js'

const CART_NOT_FOUND = 'No cart has this token: it never existed, was merged, or expired.'
const NO_LINE = 'The cart has no such line.'
const NO_VARIANT = 'No product variant has this id.'
const UNKNOWN_ID = '0193b1e4-0000-7000-8000-00000000abcd'
const DAY_MS = 86_400_000

async function guestCart (api: ApiClient): Promise<{ token: string, cart: Cart }> {
  const { data, error } = await api.POST('/api/v1/cart')
  if (data === undefined) throw new Error(`no guest cart: ${JSON.stringify(error)}`)
  return { token: data.cartToken, cart: data.cart }
}

async function cartLines (app: FastifyInstance, cartId: string): Promise<Array<{ variant_id: string, quantity: number }>> {
  return await app.orm.em.fork().execute('select variant_id, quantity from cart_lines where cart_id = ? order by id', [cartId])
}

async function adjustStock (harness: ShopHarness, variantId: string, change: number): Promise<void> {
  const { response, error } = await harness.api.POST('/api/v1/admin/variants/{id}/stock-adjustments', { headers: { ...harness.staff, 'idempotency-key': idempotencyKey() }, params: { path: { id: variantId } }, body: { change, reason: 'Counted the shelf' } })
  if (response.status !== 201) throw new Error(`adjusting stock failed: ${JSON.stringify(error)}`)
}

let shop: ShopHarness
t.before(async () => {
  // One shop for the file; each test makes its own customers, guests and products.
  shop = await buildShop(t)
})

t.test('a guest starts a cart and gets its token: the token, and only the token, finds it again', async (t) => {
  const { api, app } = shop
  const created = await api.POST('/api/v1/cart')
  t.equal(created.response.status, 201)
  t.equal(created.response.headers.get('content-type'), JSON_TYPE)
  const { cartToken, cart } = created.data!
  t.match(cartToken, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url')
  t.match(cart, { id: UUID_V7, items: [], itemCount: 0, subtotal: usd(0), discount: null, total: usd(0), updatedAt: ISO_INSTANT })
  t.equal(Date.parse(cart.expiresAt) - Date.parse(cart.updatedAt), 7 * DAY_MS, 'it expires CART_TTL_DAYS (7) after its last change')

  const other = await guestCart(api)
  t.not(other.token, cartToken)
  t.not(other.cart.id, cart.id)

  const [row] = await app.orm.em.fork().execute<Array<{ token_hash: string, customer_id: string | null }>>('select token_hash, customer_id from carts where id = ?', [cart.id])
  t.same(row, { token_hash: createHash('sha256').update(cartToken).digest('hex'), customer_id: null }, 'only the hash of the token is kept')

  const found = await api.GET('/api/v1/cart', { headers: { 'x-cart-token': cartToken } })
  t.equal(found.response.status, 200)
  t.same(found.data, cart, 'the same cart, as it was made')

  const lamp = await sellable(shop, 1500, 10, 'Guest Lamp')
  const added = await addToCart(api, { 'x-cart-token': cartToken }, lamp.variantId, 2)
  t.equal(added.id, cart.id)
  t.equal(added.itemCount, 2)
  t.same((await api.GET('/api/v1/cart', { headers: { 'x-cart-token': other.token } })).data?.items, [], "another guest's cart is untouched")

  const unknownToken = 'x'.repeat(43)
  const lost = await api.GET('/api/v1/cart', { headers: { 'x-cart-token': unknownToken } })
  t.equal(lost.response.status, 404)
  t.equal(lost.response.headers.get('content-type'), PROBLEM_JSON)
  t.same(lost.error, problem(404, 'CART_NOT_FOUND', CART_NOT_FOUND, '/api/v1/cart'))
  const lineId = added.items[0]!.id
  const unknownHeaders = { 'x-cart-token': unknownToken }
  const attempts = [
    ['add', '/api/v1/cart/items', await api.POST('/api/v1/cart/items', { headers: unknownHeaders, body: { variantId: lamp.variantId, quantity: 1 } })],
    ['change', `/api/v1/cart/items/${lineId}`, await api.PATCH('/api/v1/cart/items/{itemId}', { headers: unknownHeaders, params: { path: { itemId: lineId } }, body: { quantity: 1 } })],
    ['remove', `/api/v1/cart/items/${lineId}`, await api.DELETE('/api/v1/cart/items/{itemId}', { headers: unknownHeaders, params: { path: { itemId: lineId } } })],
    ['clear', '/api/v1/cart', await api.DELETE('/api/v1/cart', { headers: unknownHeaders })]
  ] as const
  for (const [name, instance, attempt] of attempts) t.same(attempt.error, problem(404, 'CART_NOT_FOUND', CART_NOT_FOUND, instance), `${name} with an unknown token`)
  t.same(await cartLines(app, cart.id), [{ variant_id: lamp.variantId, quantity: 2 }], 'the real cart is as it was')

  const none = await api.GET('/api/v1/cart')
  t.equal(none.response.status, 401)
  t.equal(none.response.headers.get('www-authenticate'), 'Bearer')
  t.same(none.error, problem(401, 'UNAUTHORIZED', 'Sign in, or send the X-Cart-Token of a guest cart (POST /api/v1/cart).', '/api/v1/cart'))
  const tooLong = await api.GET('/api/v1/cart', { headers: { 'x-cart-token': 'x'.repeat(201) } })
  t.match(tooLong.error, { status: 400, code: 'VALIDATION_FAILED', errors: [{ pointer: '/headers/x-cart-token' }] })
})

t.test('a signed-in customer has one cart, made on first use, whatever the concurrency; a cart token is then ignored', async (t) => {
  const { api, app } = shop
  const [customer, other] = await createCustomers(shop, 2)
  const answers = await concurrently(6, async () => await api.GET('/api/v1/cart', { headers: customer!.headers }))
  const ids = new Set(answers.map((answer) => answer.data?.id))
  t.equal(ids.size, 1, 'every first request found the same cart')
  t.match(answers[0]?.data, { id: UUID_V7, items: [], itemCount: 0, subtotal: usd(0), total: usd(0) })
  const [row] = await app.orm.em.fork().execute<Array<{ count: string }>>('select count(*) from carts where customer_id = ?', [customer!.id])
  t.equal(Number(row?.count), 1, 'one cart row')

  const theirs = await api.GET('/api/v1/cart', { headers: other!.headers })
  t.not(theirs.data?.id, answers[0]?.data?.id, 'another customer has another cart')

  const guest = await guestCart(api)
  const lamp = await sellable(shop, 1500, 10, 'Customer Lamp')
  const added = await addToCart(api, { ...customer!.headers, 'x-cart-token': guest.token }, lamp.variantId, 1)
  t.equal(added.id, answers[0]?.data?.id, "the bearer token names the customer's cart")
  t.same(await cartLines(app, guest.cart.id), [], 'the guest cart named by the token is untouched')
  t.equal((await api.GET('/api/v1/cart', { headers: customer!.headers })).data?.itemCount, 1)
})

t.test('adding the same variant twice makes one line with the quantities summed; prices and totals come from the catalog', async (t) => {
  const { api, app } = shop
  const customer = await createCustomer(shop)
  const lamp = await sellable(shop, 1500, 20, 'Summed Lamp')
  const chair = await sellable(shop, 4000, 5, 'Summed Chair')
  const first = await addToCart(api, customer.headers, lamp.variantId, 2)
  t.same(first.items, [{
    id: first.items[0]?.id,
    variantId: lamp.variantId,
    productId: lamp.id,
    productSlug: lamp.slug,
    productName: 'Summed Lamp',
    variantTitle: lamp.variants[0]?.title,
    sku: lamp.variants[0]?.sku,
    image: null,
    unitPrice: usd(1500),
    addedUnitPrice: usd(1500),
    priceChanged: false,
    quantity: 2,
    lineTotal: usd(3000),
    purchasable: true,
    stockShort: false
  }])
  t.match(first.items[0]?.id, UUID_V7)

  const again = await addToCart(api, customer.headers, lamp.variantId, 3)
  t.equal(again.items.length, 1, 'still one line')
  t.equal(again.items[0]?.id, first.items[0]?.id, 'the same line')
  t.match(again.items[0], { quantity: 5, lineTotal: usd(7500) })
  t.ok(Date.parse(again.updatedAt) >= Date.parse(first.updatedAt), 'a change moves the idle clock')
  t.equal(Date.parse(again.expiresAt) - Date.parse(again.updatedAt), 7 * DAY_MS)

  const both = await addToCart(api, customer.headers, chair.variantId, 1)
  t.match(both.items, [{ variantId: lamp.variantId, quantity: 5, lineTotal: usd(7500) }, { variantId: chair.variantId, quantity: 1, unitPrice: usd(4000), lineTotal: usd(4000) }], 'oldest line first')
  t.same([both.itemCount, both.subtotal, both.total, both.discount], [6, usd(11500), usd(11500), null])
  t.same((await api.GET('/api/v1/cart', { headers: customer.headers })).data, both, 'reading the cart answers the same')

  await concurrently(4, async () => await addToCart(api, customer.headers, chair.variantId, 1))
  t.same(await cartLines(app, both.id), [{ variant_id: lamp.variantId, quantity: 5 }, { variant_id: chair.variantId, quantity: 5 }], 'concurrent adds of one variant add up in one line')
})

t.test('changing a quantity (0 removes the line), removing a line and clearing the cart', async (t) => {
  const { api } = shop
  const [customer, other] = await createCustomers(shop, 2)
  const lamp = await sellable(shop, 1500, 6, 'Changed Lamp')
  const chair = await sellable(shop, 4000, 5, 'Changed Chair')
  const rug = await sellable(shop, 9000, 5, 'Changed Rug')
  await addToCart(api, customer!.headers, lamp.variantId, 1)
  await addToCart(api, customer!.headers, chair.variantId, 1)
  const cart = await addToCart(api, customer!.headers, rug.variantId, 1)
  const [lampLine, chairLine, rugLine] = cart.items.map((item) => item.id)
  const path = (itemId: string | undefined) => ({ path: { itemId: itemId! } })

  const raised = await api.PATCH('/api/v1/cart/items/{itemId}', { headers: customer!.headers, params: path(lampLine), body: { quantity: 6 } })
  t.equal(raised.response.status, 200)
  t.match(raised.data, { itemCount: 8, subtotal: usd(22000), items: [{ id: lampLine, quantity: 6, lineTotal: usd(9000) }, { id: chairLine }, { id: rugLine }] })
  const beyond = await api.PATCH('/api/v1/cart/items/{itemId}', { headers: customer!.headers, params: path(lampLine), body: { quantity: 7 } })
  t.equal(beyond.response.status, 409)
  t.same(beyond.error, { ...problem(409, 'OUT_OF_STOCK', `Only 6 of ${lamp.variants[0]!.sku} are in stock.`, `/api/v1/cart/items/${lampLine!}`), variants: [{ variantId: lamp.variantId, sku: lamp.variants[0]!.sku, requested: 7, available: 6 }] })

  const zero = await api.PATCH('/api/v1/cart/items/{itemId}', { headers: customer!.headers, params: path(chairLine), body: { quantity: 0 } })
  t.same(zero.data?.items.map((item) => item.id), [lampLine, rugLine], 'quantity 0 removes the line')
  t.same([zero.data?.itemCount, zero.data?.subtotal], [7, usd(18000)])
  const gone = await api.PATCH('/api/v1/cart/items/{itemId}', { headers: customer!.headers, params: path(chairLine), body: { quantity: 1 } })
  t.same(gone.error, problem(404, 'NOT_FOUND', NO_LINE, `/api/v1/cart/items/${chairLine!}`), 'a removed line is not found')

  const otherCart = await addToCart(api, other!.headers, lamp.variantId, 1)
  const theirLine = otherCart.items[0]!.id
  const foreignChange = await api.PATCH('/api/v1/cart/items/{itemId}', { headers: customer!.headers, params: path(theirLine), body: { quantity: 2 } })
  t.same(foreignChange.error, problem(404, 'NOT_FOUND', NO_LINE, `/api/v1/cart/items/${theirLine}`), "another customer's line is not found")
  const foreignRemove = await api.DELETE('/api/v1/cart/items/{itemId}', { headers: customer!.headers, params: path(theirLine) })
  t.same(foreignRemove.error, problem(404, 'NOT_FOUND', NO_LINE, `/api/v1/cart/items/${theirLine}`))
  const guest = await guestCart(api)
  const guestChange = await api.PATCH('/api/v1/cart/items/{itemId}', { headers: { 'x-cart-token': guest.token }, params: path(lampLine), body: { quantity: 1 } })
  t.equal(guestChange.response.status, 404, "a guest cannot reach a customer's line either")
  t.match((await api.GET('/api/v1/cart', { headers: other!.headers })).data?.items, [{ id: theirLine, quantity: 1 }], 'their line is as it was')

  const removed = await api.DELETE('/api/v1/cart/items/{itemId}', { headers: customer!.headers, params: path(rugLine) })
  t.equal(removed.response.status, 200)
  t.same(removed.data?.items.map((item) => item.id), [lampLine])
  const removedAgain = await api.DELETE('/api/v1/cart/items/{itemId}', { headers: customer!.headers, params: path(rugLine) })
  t.same(removedAgain.error, problem(404, 'NOT_FOUND', NO_LINE, `/api/v1/cart/items/${rugLine!}`))

  const cleared = await api.DELETE('/api/v1/cart', { headers: customer!.headers })
  t.equal(cleared.response.status, 200)
  t.match(cleared.data, { id: cart.id, items: [], itemCount: 0, subtotal: usd(0), total: usd(0) })
  t.same((await api.GET('/api/v1/cart', { headers: customer!.headers })).data?.items, [])
  t.equal((await api.DELETE('/api/v1/cart', { headers: customer!.headers })).response.status, 200, 'clearing an empty cart is fine')
  t.equal((await api.GET('/api/v1/cart', { headers: other!.headers })).data?.items.length, 1, "the other customer's cart is kept")

  const guestAdded = await addToCart(api, { 'x-cart-token': guest.token }, lamp.variantId, 2)
  const guestPatched = await api.PATCH('/api/v1/cart/items/{itemId}', { headers: { 'x-cart-token': guest.token }, params: path(guestAdded.items[0]?.id), body: { quantity: 1 } })
  t.equal(guestPatched.data?.items[0]?.quantity, 1, 'guests change their lines by their token')
  const guestCleared = await api.DELETE('/api/v1/cart', { headers: { 'x-cart-token': guest.token } })
  t.same(guestCleared.data?.items, [])
})

t.test('only variants of ACTIVE products with stock can be added', async (t) => {
  const { api, app, staff } = shop
  const customer = await createCustomer(shop)
  const draft = await createProduct(shop, { name: 'Draft Stool', status: 'DRAFT', price: 1000, stock: 5 })
  const archived = await sellable(shop, 1000, 5, 'Archived Stool')
  await api.PATCH('/api/v1/admin/products/{id}', { headers: staff, params: { path: { id: archived.id } }, body: { status: 'ARCHIVED' } })
  const empty = await sellable(shop, 1000, 0, 'Sold-out Stool')
  const scarce = await sellable(shop, 1000, 2, 'Scarce Stool')
  const add = async (variantId: string, quantity = 1) => await api.POST('/api/v1/cart/items', { headers: customer.headers, body: { variantId, quantity } })

  t.same((await add(draft.variants[0]!.id)).error, problem(404, 'NOT_FOUND', NO_VARIANT, '/api/v1/cart/items'), 'a draft is as unknown as an id that never existed')
  t.same((await add(UNKNOWN_ID)).error, problem(404, 'NOT_FOUND', NO_VARIANT, '/api/v1/cart/items'))
  t.same((await add(archived.variantId)).error, {
    ...problem(409, 'PRODUCT_UNAVAILABLE', 'Archived Stool is no longer sold; remove it from the cart.', '/api/v1/cart/items'),
    variants: [{ variantId: archived.variantId, productName: 'Archived Stool' }]
  })
  const sku = empty.variants[0]!.sku
  t.same((await add(empty.variantId)).error, { ...problem(409, 'OUT_OF_STOCK', `Only 0 of ${sku} are in stock.`, '/api/v1/cart/items'), variants: [{ variantId: empty.variantId, sku, requested: 1, available: 0 }] })
  const scarceSku = scarce.variants[0]!.sku
  t.same((await add(scarce.variantId, 3)).error, { ...problem(409, 'OUT_OF_STOCK', `Only 2 of ${scarceSku} are in stock.`, '/api/v1/cart/items'), variants: [{ variantId: scarce.variantId, sku: scarceSku, requested: 3, available: 2 }] })
  t.equal((await add(scarce.variantId, 2)).response.status, 200, 'all of the stock can be added')
  t.match((await add(scarce.variantId, 1)).error, { status: 409, code: 'OUT_OF_STOCK', variants: [{ requested: 3, available: 2 }] }, 'the line as a whole must be covered')
  const { data: cart } = await api.GET('/api/v1/cart', { headers: customer.headers })
  t.same(await cartLines(app, cart!.id), [{ variant_id: scarce.variantId, quantity: 2 }], 'only the sellable line is in the cart')
})

t.test('lines follow the catalog: a changed price, stock that no longer covers them, a product no longer sold', async (t) => {
  const { api, staff } = shop
  const customer = await createCustomer(shop)
  const lamp = await sellable(shop, 1500, 10, 'Flagged Lamp')
  const bowl = await sellable(shop, 2000, 5, 'Flagged Bowl')
  await addToCart(api, customer.headers, lamp.variantId, 2)
  const cart = await addToCart(api, customer.headers, bowl.variantId, 3)
  t.same([cart.subtotal, cart.total, cart.itemCount], [usd(9000), usd(9000), 5])
  const [lampLine, bowlLine] = cart.items.map((item) => item.id)

  const repriced = await api.PATCH('/api/v1/admin/products/{id}/variants/{variantId}', { headers: staff, params: { path: { id: lamp.id, variantId: lamp.variantId } }, body: { price: usd(1800) } })
  t.equal(repriced.response.status, 200)
  await adjustStock(shop, bowl.variantId, -3)
  const read = (await api.GET('/api/v1/cart', { headers: customer.headers })).data!
  t.match(read.items, [
    { id: lampLine, unitPrice: usd(1800), addedUnitPrice: usd(1500), priceChanged: true, lineTotal: usd(3600), stockShort: false, purchasable: true },
    { id: bowlLine, unitPrice: usd(2000), priceChanged: false, quantity: 3, stockShort: true, purchasable: true }
  ])
  t.same([read.subtotal, read.total, read.itemCount], [usd(9600), usd(9600), 5], 'totals at the current price')

  const quote = await api.GET('/api/v1/cart/shipping-methods', { headers: customer.headers, params: { query: { country: 'US' } } })
  t.match(quote.data?.items, [{ id: shop.shipping.id, price: usd(499), total: usd(10099) }], 'the grand total with shipping, under the free threshold')

  const accepted = await api.PATCH('/api/v1/cart/items/{itemId}', { headers: customer.headers, params: { path: { itemId: lampLine! } }, body: { quantity: 2 } })
  t.match(accepted.data?.items[0], { addedUnitPrice: usd(1800), priceChanged: false }, 'changing the line accepts its current price')
  const up = await api.PATCH('/api/v1/cart/items/{itemId}', { headers: customer.headers, params: { path: { itemId: bowlLine! } }, body: { quantity: 4 } })
  t.match(up.error, { status: 409, code: 'OUT_OF_STOCK', variants: [{ variantId: bowl.variantId, requested: 4, available: 2 }] })
  const down = await api.PATCH('/api/v1/cart/items/{itemId}', { headers: customer.headers, params: { path: { itemId: bowlLine! } }, body: { quantity: 2 } })
  t.match(down.data?.items[1], { quantity: 2, stockShort: false }, 'a short line can be lowered to what is in stock')

  await api.PATCH('/api/v1/admin/products/{id}', { headers: staff, params: { path: { id: lamp.id } }, body: { status: 'ARCHIVED' } })
  const unsold = (await api.GET('/api/v1/cart', { headers: customer.headers })).data!
  t.match(unsold.items, [{ id: lampLine, purchasable: false }, { id: bowlLine, purchasable: true }], 'a line no longer sold is shown, flagged')
  t.same([unsold.subtotal, unsold.total, unsold.itemCount], [usd(4000), usd(4000), 2], 'and counts in no total')
  const changeUnsold = await api.PATCH('/api/v1/cart/items/{itemId}', { headers: customer.headers, params: { path: { itemId: lampLine! } }, body: { quantity: 1 } })
  t.match(changeUnsold.error, { status: 409, code: 'PRODUCT_UNAVAILABLE', variants: [{ variantId: lamp.variantId }] })
  const removeUnsold = await api.DELETE('/api/v1/cart/items/{itemId}', { headers: customer.headers, params: { path: { itemId: lampLine! } } })
  t.same(removeUnsold.data?.items.map((item) => item.id), [bowlLine], 'but it can be removed')
})

t.test('staff have no cart: a staff token on the cart routes is a 403', async (t) => {
  const { api, staff } = shop
  const customer = await createCustomer(shop)
  const lamp = await sellable(shop, 1500, 10, 'Staff Lamp')
  const cart = await addToCart(api, customer.headers, lamp.variantId, 1)
  const lineId = cart.items[0]!.id
  const guest = await guestCart(api)
  const headers = { ...staff, 'x-cart-token': guest.token }
  const attempts = [
    ['/api/v1/cart', await api.GET('/api/v1/cart', { headers })],
    ['/api/v1/cart', await api.DELETE('/api/v1/cart', { headers })],
    ['/api/v1/cart/items', await api.POST('/api/v1/cart/items', { headers, body: { variantId: lamp.variantId, quantity: 1 } })],
    [`/api/v1/cart/items/${lineId}`, await api.PATCH('/api/v1/cart/items/{itemId}', { headers, params: { path: { itemId: lineId } }, body: { quantity: 2 } })],
    [`/api/v1/cart/items/${lineId}`, await api.DELETE('/api/v1/cart/items/{itemId}', { headers, params: { path: { itemId: lineId } } })],
    ['/api/v1/cart/merge', await api.POST('/api/v1/cart/merge', { headers, body: { cartToken: guest.token } })],
    ['/api/v1/cart/shipping-methods?country=US', await api.GET('/api/v1/cart/shipping-methods', { headers, params: { query: { country: 'US' } } })]
  ] as const
  for (const [instance, attempt] of attempts) {
    t.equal(attempt.response.status, 403, instance)
    t.same(attempt.error, problem(403, 'FORBIDDEN', 'This operation requires one of the roles CUSTOMER.', instance))
  }
  const forged = await api.GET('/api/v1/cart', { headers: { authorization: 'Bearer a.b.c', 'x-cart-token': guest.token } })
  t.equal(forged.response.status, 401, 'a bad bearer token is refused, not read as a guest')
  t.same((await api.GET('/api/v1/cart', { headers: customer.headers })).data?.items.map((item) => item.quantity), [1], "the customer's cart is untouched")
  t.equal((await api.GET('/api/v1/cart', { headers: { 'x-cart-token': guest.token } })).response.status, 200, 'the guest cart was not merged')
})

t.test('after checkout the cart is empty and its lines are gone; it fills again', async (t) => {
  const { api } = shop
  const customer = await createCustomer(shop)
  const candle = await sellable(shop, 1100, 10, 'Checked-out Candle')
  const before = await addToCart(api, customer.headers, candle.variantId, 1)
  const order = await placeOrder(shop, customer, candle.variantId, 1)
  t.match(order.items, [{ quantity: 2 }], 'the order took both units')
  const lineId = before.items[0]!.id
  const changed = await api.PATCH('/api/v1/cart/items/{itemId}', { headers: customer.headers, params: { path: { itemId: lineId } }, body: { quantity: 3 } })
  t.same(changed.error, problem(404, 'NOT_FOUND', NO_LINE, `/api/v1/cart/items/${lineId}`))
  const removed = await api.DELETE('/api/v1/cart/items/{itemId}', { headers: customer.headers, params: { path: { itemId: lineId } } })
  t.same(removed.error, problem(404, 'NOT_FOUND', NO_LINE, `/api/v1/cart/items/${lineId}`))
  const after = (await api.GET('/api/v1/cart', { headers: customer.headers })).data!
  t.match(after, { id: before.id, items: [], itemCount: 0, subtotal: usd(0) }, 'the same cart, emptied')
  const refilled = await addToCart(api, customer.headers, candle.variantId, 1)
  t.match(refilled.items, [{ quantity: 1, variantId: candle.variantId }])
  t.not(refilled.items[0]?.id, lineId, 'a new line')
})
