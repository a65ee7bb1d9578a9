import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../fastify.config.js'
import { ProblemError } from '../../plugins/problem.js'
import { testConfig } from '../helpers/build.js'
import { createProduct, usd } from '../helpers/catalog.js'
import type { ApiClient } from '../helpers/client.js'
import { concurrently, settled } from '../helpers/concurrency.js'
import { problem, validationProblem, PROBLEM_JSON } from '../helpers/problems.js'
import {
  addToCart, buildShop, checkoutBody, createCustomer, createCustomers, idempotencyKey, secondInstance, sellable, stockOf,
  type Cart, type ShopHarness
} from '../helpers/shop.js'

const REUSED = 'This Idempotency-Key was used for a different request; use a new key for a new request.'
const IN_USE = 'A request with this Idempotency-Key is still being performed; retry in a moment to get its answer.'
const REQUIRED = 'Send an Idempotency-Key header, so that retrying this request can never perform it twice.'

interface KeyRow {
  caller: string
  status: number | null
  body: string | null
  created_at: string
  locked_at: string
  expires_at: string
}

async function rows<T> (app: FastifyInstance, sql: string, params: unknown[] = []): Promise<T[]> {
  return await app.orm.em.fork().execute<T[]>(sql, params)
}

/** Every stored row of an Idempotency-Key, whoever's it is. */
async function keyRows (app: FastifyInstance, key: string): Promise<KeyRow[]> {
  return await rows<KeyRow>(app, 'select caller, status, body, created_at, locked_at, expires_at from idempotency_keys where key = ? order by caller', [key])
}

/** The quantity of a variant in a customer's cart, as the database has it (0 without a line). */
async function quantityInCart (app: FastifyInstance, customerId: string, variantId: string): Promise<number> {
  const [row] = await rows<{ quantity: number }>(app, 'select l.quantity from cart_lines l join carts c on c.id = l.cart_id where c.customer_id = ? and l.variant_id = ?', [customerId, variantId])
  return row?.quantity ?? 0
}

async function quantityInGuestCart (app: FastifyInstance, cartId: string, variantId: string): Promise<number> {
  const [row] = await rows<{ quantity: number }>(app, 'select quantity from cart_lines where cart_id = ? and variant_id = ?', [cartId, variantId])
  return row?.quantity ?? 0
}

async function guestCart (api: ApiClient): Promise<{ token: string, cart: Cart }> {
  const { data } = await api.POST('/api/v1/cart')
  if (data === undefined) throw new Error('no guest cart')
  return { token: data.cartToken, cart: data.cart }
}

async function addWithKey (api: ApiClient, headers: Record<string, string>, key: string, variantId: string, quantity: number) {
  return await api.POST('/api/v1/cart/items', { headers: { ...headers, 'idempotency-key': key }, body: { variantId, quantity } })
}

/** Waits until the database holds a row for `key` (its first request has claimed it). */
async function claimed (app: FastifyInstance, key: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if ((await keyRows(app, key)).length > 0) return
    await sleep(10)
  }
  throw new Error(`the key ${key} was never claimed`)
}

/** A connection of the test's own holding a row lock, to keep a request waiting in the middle of its work. */
async function holdRowLock (t: Test, app: FastifyInstance, sql: string, params: unknown[]): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: app.config.DATABASE_URL })
  await client.connect()
  let open = true
  const release = async (): Promise<void> => {
    if (!open) return
    open = false
    await client.query('commit')
    await client.end()
  }
  t.teardown(release)
  await client.query('begin')
  const locked = await client.query(sql, params)
  if (locked.rowCount !== 1) throw new Error('nothing to lock')
  return release
}

let shop: ShopHarness
t.before(async () => {
  // One shop for the whole file (its admin sign-in is the slow part); every test makes its own customers and products.
  shop = await buildShop(t, { IDEMPOTENCY_TTL_HOURS: '1' })
})

t.test('a replay answers the kept status, body and Location, marked as replayed, and creates nothing again', async (t) => {
  const { api, app, staff } = shop
  const key = idempotencyKey()
  const body = { name: 'Replayed Express', price: usd(1299), countries: ['FR'], estimatedDays: { min: 1, max: 2 } }
  const first = await api.POST('/api/v1/admin/shipping-methods', { headers: { ...staff, 'idempotency-key': key }, body })
  t.equal(first.response.status, 201)
  t.equal(first.response.headers.get('idempotent-replayed'), null, 'the first answer is not a replay')
  const location = first.response.headers.get('location')
  t.equal(location, `/api/v1/admin/shipping-methods/${first.data?.id ?? ''}`)

  for (let replay = 0; replay < 2; replay++) {
    const again = await api.POST('/api/v1/admin/shipping-methods', { headers: { ...staff, 'idempotency-key': key }, body })
    t.equal(again.response.status, 201, 'the kept status')
    t.equal(again.response.headers.get('idempotent-replayed'), 'true')
    t.equal(again.response.headers.get('location'), location, 'the kept Location')
    t.equal(again.response.headers.get('content-type'), 'application/json; charset=utf-8')
    t.same(again.data, first.data, 'the kept body, byte for byte the same resource')
    t.not(again.response.headers.get('x-request-id'), first.response.headers.get('x-request-id'), 'headers of the moment are not replayed')
  }
  const made = await rows<{ count: string }>(app, 'select count(*) from shipping_methods where name = ?', ['Replayed Express'])
  t.equal(Number(made[0]?.count), 1, 'one shipping method was created')

  const [row] = await keyRows(app, key)
  t.equal(row?.status, 201)
  t.equal(row?.caller, `account:${JSON.parse(Buffer.from(staff.authorization.split('.')[1] ?? '', 'base64url').toString()).sub as string}`, 'kept under the staff account')
})

t.test('every creating POST of a signed-in caller accepts a key: products, variants, categories, brands, addresses, staff', async (t) => {
  const { api, app, staff } = shop
  const customer = await createCustomer(shop)
  const product = await createProduct(shop, { name: 'Keyed Base', options: [{ name: 'Size', values: ['S', 'M'] }], variants: [{ sku: 'KEYED-S', optionValues: { Size: 'S' }, price: usd(900) }] })
  const creations = [
    { table: 'products', path: '/api/v1/admin/products', send: async (key: string, name: string) => await api.POST('/api/v1/admin/products', { headers: { ...staff, 'idempotency-key': key }, body: { name, variants: [{ sku: name.toUpperCase().replaceAll(' ', '-'), price: usd(1500), stock: 3 }] } }) },
    { table: 'variants', path: `/api/v1/admin/products/${product.id}/variants`, send: async (key: string, name: string) => await api.POST('/api/v1/admin/products/{id}/variants', { headers: { ...staff, 'idempotency-key': key }, params: { path: { id: product.id } }, body: { sku: name.toUpperCase().replaceAll(' ', '-'), optionValues: { Size: name.endsWith('changed') ? 'S' : 'M' }, price: usd(1500) } }) },
    { table: 'categories', path: '/api/v1/admin/categories', send: async (key: string, name: string) => await api.POST('/api/v1/admin/categories', { headers: { ...staff, 'idempotency-key': key }, body: { name } }) },
    { table: 'brands', path: '/api/v1/admin/brands', send: async (key: string, name: string) => await api.POST('/api/v1/admin/brands', { headers: { ...staff, 'idempotency-key': key }, body: { name } }) },
    { table: 'addresses', path: '/api/v1/me/addresses', send: async (key: string, name: string) => await api.POST('/api/v1/me/addresses', { headers: { ...customer.headers, 'idempotency-key': key }, body: { fullName: name, line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'US' } }) }
  ]
  for (const [index, { table, path, send }] of creations.entries()) {
    const key = idempotencyKey()
    const name = `Keyed ${table} ${index}`
    const before = Number((await rows<{ count: string }>(app, `select count(*) from ${table}`))[0]?.count)
    const first = await send(key, name)
    const again = await send(key, name)
    t.equal(first.response.status, 201, table)
    t.equal(again.response.status, 201)
    t.equal(again.response.headers.get('idempotent-replayed'), 'true', `${table}: replayed`)
    t.same(again.data, first.data, `${table}: the same resource`)
    t.equal(again.response.headers.get('location'), first.response.headers.get('location'))
    t.equal(Number((await rows<{ count: string }>(app, `select count(*) from ${table}`))[0]?.count), before + 1, `${table}: created once`)
    const other = await send(key, `${name} changed`)
    t.equal(other.response.status, 422, `${table}: another body under the key`)
    t.same(other.error, problem(422, 'IDEMPOTENCY_KEY_REUSED', REUSED, path))
  }

  const staffKey = idempotencyKey()
  const invite = { email: `keyed-${Date.now()}@example.com`, name: 'Keyed Moderator', role: 'MODERATOR' as const }
  const created = await api.POST('/api/v1/admin/staff', { headers: { ...staff, 'idempotency-key': staffKey }, body: invite })
  const replayed = await api.POST('/api/v1/admin/staff', { headers: { ...staff, 'idempotency-key': staffKey }, body: invite })
  t.equal(created.response.status, 201)
  t.equal(replayed.response.headers.get('idempotent-replayed'), 'true', 'a staff invitation replayed')
  t.equal(replayed.data?.id, created.data?.id)
  t.equal(Number((await rows<{ count: string }>(app, 'select count(*) from users where email = ?', [invite.email]))[0]?.count), 1, 'one account, one emailed password')
})

t.test('a replayed add puts the quantity in the cart once; a new key adds again', async (t) => {
  const { api, app } = shop
  const lamp = await sellable(shop, 1500, 50, 'Brass Lamp')
  const customer = await createCustomer(shop)
  const key = idempotencyKey()
  const first = await addWithKey(api, customer.headers, key, lamp.variantId, 2)
  t.equal(first.response.status, 200)
  t.equal(first.data?.items[0]?.quantity, 2)
  const replay = await addWithKey(api, customer.headers, key, lamp.variantId, 2)
  t.equal(replay.response.status, 200)
  t.equal(replay.response.headers.get('idempotent-replayed'), 'true')
  t.same(replay.data, first.data, 'the cart as the first request answered it')
  t.equal(await quantityInCart(app, customer.id, lamp.variantId), 2, 'added once')

  const fresh = await addWithKey(api, customer.headers, idempotencyKey(), lamp.variantId, 2)
  t.equal(fresh.response.headers.get('idempotent-replayed'), null)
  t.equal(fresh.data?.items[0]?.quantity, 4)
  t.equal(await quantityInCart(app, customer.id, lamp.variantId), 4)

  const keyless = await api.POST('/api/v1/cart/items', { headers: customer.headers, body: { variantId: lamp.variantId, quantity: 1 } })
  t.equal(keyless.data?.items[0]?.quantity, 5, 'without a key, every request is performed')
})

t.test('the same key with another body is a 422 and performs nothing; key order in the body does not matter', async (t) => {
  const { api, app } = shop
  const lamp = await sellable(shop, 1500, 50, 'Copper Lamp')
  const customer = await createCustomer(shop)
  const key = idempotencyKey()
  t.equal((await addWithKey(api, customer.headers, key, lamp.variantId, 1)).response.status, 200)

  const other = await addWithKey(api, customer.headers, key, lamp.variantId, 3)
  t.equal(other.response.status, 422)
  t.equal(other.response.headers.get('content-type'), PROBLEM_JSON)
  t.same(other.error, problem(422, 'IDEMPOTENCY_KEY_REUSED', REUSED, '/api/v1/cart/items'))
  t.equal(await quantityInCart(app, customer.id, lamp.variantId), 1, 'nothing was added')

  const reordered = await app.inject({
    method: 'POST',
    url: '/api/v1/cart/items',
    headers: { ...customer.headers, 'idempotency-key': key, 'content-type': 'application/json' },
    payload: `{"quantity":1,"variantId":"${lamp.variantId}"}`
  })
  t.equal(reordered.statusCode, 200, 'the same body written in another key order is the same request')
  t.equal(reordered.headers['idempotent-replayed'], 'true')
  t.equal(await quantityInCart(app, customer.id, lamp.variantId), 1)
})

t.test('the same key on another operation, or on another resource, is a 422', async (t) => {
  const { api, app, staff } = shop
  const lamp = await sellable(shop, 1500, 50, 'Tin Lamp')
  const customer = await createCustomer(shop)
  const key = idempotencyKey()
  t.equal((await addWithKey(api, customer.headers, key, lamp.variantId, 1)).response.status, 200)
  const { token } = await guestCart(api)
  const merge = await api.POST('/api/v1/cart/merge', { headers: { ...customer.headers, 'idempotency-key': key }, body: { cartToken: token } })
  t.equal(merge.response.status, 422)
  t.same(merge.error, problem(422, 'IDEMPOTENCY_KEY_REUSED', REUSED, '/api/v1/cart/merge'))
  t.equal((await api.GET('/api/v1/cart', { headers: { 'x-cart-token': token } })).response.status, 200, 'the guest cart was not merged')

  const stockKey = idempotencyKey()
  const other = await sellable(shop, 900, 5, 'Zinc Lamp')
  const adjust = { change: 5, reason: 'Delivery' }
  const first = await api.POST('/api/v1/admin/variants/{id}/stock-adjustments', { headers: { ...staff, 'idempotency-key': stockKey }, params: { path: { id: lamp.variantId } }, body: adjust })
  t.equal(first.response.status, 201)
  const elsewhere = await api.POST('/api/v1/admin/variants/{id}/stock-adjustments', { headers: { ...staff, 'idempotency-key': stockKey }, params: { path: { id: other.variantId } }, body: adjust })
  t.equal(elsewhere.response.status, 422, 'the same body for another variant is another request')
  t.same(elsewhere.error, problem(422, 'IDEMPOTENCY_KEY_REUSED', REUSED, `/api/v1/admin/variants/${other.variantId}/stock-adjustments`))
  t.equal(await stockOf(shop, lamp.variantId), 55)
  t.equal(await stockOf(shop, other.variantId), 5, 'the other variant was not adjusted')

  const method = await api.POST('/api/v1/admin/shipping-methods', { headers: { ...staff, 'idempotency-key': stockKey }, body: { name: 'Key Thief', price: usd(1), countries: ['US'], estimatedDays: { min: 1, max: 1 } } })
  t.equal(method.response.status, 422)
  t.same(await rows(app, 'select id from shipping_methods where name = ?', ['Key Thief']), [])
})

t.test('operations that move money or stock refuse a request without a key (428) and do nothing', async (t) => {
  const { api, staff } = shop
  const lamp = await sellable(shop, 1500, 8, 'Glass Lamp')
  const adjust = await api.POST('/api/v1/admin/variants/{id}/stock-adjustments', { headers: staff, params: { path: { id: lamp.variantId } }, body: { change: -3, reason: 'Broken' } })
  t.equal(adjust.response.status, 428)
  t.same(adjust.error, problem(428, 'IDEMPOTENCY_KEY_REQUIRED', REQUIRED, `/api/v1/admin/variants/${lamp.variantId}/stock-adjustments`))
  t.equal(await stockOf(shop, lamp.variantId), 8)

  const customer = await createCustomer(shop)
  await addToCart(api, customer.headers, lamp.variantId, 2)
  const checkout = await api.POST('/api/v1/checkout', { headers: customer.headers, body: await checkoutBody(shop, customer) })
  t.equal(checkout.response.status, 428)
  t.same(checkout.error, problem(428, 'IDEMPOTENCY_KEY_REQUIRED', REQUIRED, '/api/v1/checkout'))
  t.equal(await stockOf(shop, lamp.variantId), 8, 'no stock taken')
  t.equal((await api.GET('/api/v1/orders', { headers: customer.headers })).data?.items.length, 0, 'no order')
  t.equal((await api.GET('/api/v1/cart', { headers: customer.headers })).data?.items.length, 1, 'the cart is kept')
})

t.test('a checkout replayed with its key answers the same order and places one', async (t) => {
  const { api, app } = shop
  const lamp = await sellable(shop, 1500, 8, 'Paper Lamp')
  const customer = await createCustomer(shop)
  await addToCart(api, customer.headers, lamp.variantId, 2)
  const body = await checkoutBody(shop, customer)
  const headers = { ...customer.headers, 'idempotency-key': idempotencyKey() }
  const attempts = await concurrently(6, async () => await api.POST('/api/v1/checkout', { headers, body }))
  const performed = attempts.filter((attempt) => attempt.response.status === 201 && attempt.response.headers.get('idempotent-replayed') === null)
  t.equal(performed.length, 1, 'one checkout performed')
  for (const attempt of attempts) {
    if (attempt.response.status === 201) {
      t.same(attempt.data, performed[0]?.data, 'every 201 is that order')
      t.equal(attempt.response.headers.get('location'), `/api/v1/orders/${performed[0]?.data?.id ?? ''}`)
    } else {
      t.equal(attempt.response.status, 409)
      t.same(attempt.error, problem(409, 'IDEMPOTENCY_KEY_IN_USE', IN_USE, '/api/v1/checkout'))
      t.equal(attempt.response.headers.get('retry-after'), '1')
    }
  }
  const later = await api.POST('/api/v1/checkout', { headers, body })
  t.equal(later.response.status, 201)
  t.equal(later.response.headers.get('idempotent-replayed'), 'true')
  t.same(later.data, performed[0]?.data)
  const orders = await rows<{ id: string }>(app, 'select id from orders where customer_id = ?', [customer.id])
  t.equal(orders.length, 1, 'one order')
  t.equal(await stockOf(shop, lamp.variantId), 6, 'stock taken once')
})

t.test('keys are per caller: the same key from two customers, two guests, or a guest and a customer never collide', async (t) => {
  const { api, app } = shop
  const lamp = await sellable(shop, 1500, 50, 'Iron Lamp')
  const [ada, bob] = await createCustomers(shop, 2)
  const key = idempotencyKey()
  const adas = await addWithKey(api, ada!.headers, key, lamp.variantId, 1)
  const bobs = await addWithKey(api, bob!.headers, key, lamp.variantId, 3)
  t.equal(adas.response.status, 200)
  t.equal(bobs.response.status, 200, 'another body under the same key is fine for another caller')
  t.equal(bobs.response.headers.get('idempotent-replayed'), null)
  t.not(adas.data?.id, bobs.data?.id)
  t.equal(await quantityInCart(app, ada!.id, lamp.variantId), 1)
  t.equal(await quantityInCart(app, bob!.id, lamp.variantId), 3)

  const first = await guestCart(api)
  const second = await guestCart(api)
  const g1 = await addWithKey(api, { 'x-cart-token': first.token }, key, lamp.variantId, 1)
  const g2 = await addWithKey(api, { 'x-cart-token': second.token }, key, lamp.variantId, 1)
  t.equal(g1.response.headers.get('idempotent-replayed'), null)
  t.equal(g2.response.headers.get('idempotent-replayed'), null)
  t.equal(g1.data?.id, first.cart.id)
  t.equal(g2.data?.id, second.cart.id, 'the second guest got its own cart, not the first guest\'s answer')
  t.equal(await quantityInGuestCart(app, second.cart.id, lamp.variantId), 1)

  const g1Replay = await addWithKey(api, { 'x-cart-token': first.token }, key, lamp.variantId, 1)
  t.equal(g1Replay.response.headers.get('idempotent-replayed'), 'true', 'a guest\'s repeat is a replay')
  t.same(g1Replay.data, g1.data)
  t.equal(await quantityInGuestCart(app, first.cart.id, lamp.variantId), 1)

  const stored = await keyRows(app, key)
  t.equal(stored.length, 4, 'four callers, four keys')
  t.ok(stored.every((row) => !row.caller.includes(first.token) && !row.caller.includes(second.token)), 'guests are named by their token\'s hash, never the token')
})

t.test('a customer sending a cart token keeps their own keys: the token does not make them its guest', async (t) => {
  const { api, app } = shop
  const lamp = await sellable(shop, 1500, 50, 'Oil Lamp')
  const customer = await createCustomer(shop)
  const guest = await guestCart(api)
  const key = idempotencyKey()
  const asGuest = await addWithKey(api, { 'x-cart-token': guest.token }, key, lamp.variantId, 1)
  t.equal(asGuest.data?.id, guest.cart.id)
  const asCustomer = await addWithKey(api, { ...customer.headers, 'x-cart-token': guest.token }, key, lamp.variantId, 1)
  t.equal(asCustomer.response.status, 200)
  t.equal(asCustomer.response.headers.get('idempotent-replayed'), null, 'not the guest\'s kept answer')
  t.not(asCustomer.data?.id, guest.cart.id, 'the customer\'s own cart')
  t.equal(await quantityInCart(app, customer.id, lamp.variantId), 1)
})

t.test('the key must be 1 to 255 visible ASCII characters', async (t) => {
  const { app } = shop
  const lamp = await sellable(shop, 1500, 50, 'Neon Lamp')
  const customer = await createCustomer(shop)
  const send = async (key: string) => await app.inject({
    method: 'POST',
    url: '/api/v1/cart/items',
    headers: { ...customer.headers, 'idempotency-key': key },
    payload: { variantId: lamp.variantId, quantity: 1 }
  })
  const pointer = '/headers/idempotency-key'
  const visible = 'must match pattern "^[\\x21-\\x7E]+$"'
  const cases: Array<[string, string, ...string[]]> = [
    ['x'.repeat(256), 'too long', 'must NOT have more than 255 characters'],
    ['', 'empty', 'must NOT have fewer than 1 characters', visible],
    ['key with spaces', 'spaces', visible],
    ['tab\tkey', 'a tab', visible],
    ['clé', 'non-ASCII', visible],
    ['bell\u0007key', 'a control character', visible]
  ]
  for (const [key, what, ...details] of cases) {
    const response = await send(key)
    t.equal(response.statusCode, 400, what)
    t.equal(response.headers['content-type'], PROBLEM_JSON)
    t.same(response.json(), validationProblem('/api/v1/cart/items', details.map((detail) => ({ pointer, detail }))), what)
  }
  t.equal(await quantityInCart(app, customer.id, lamp.variantId), 0, 'nothing was added')
  const longest = 'k'.repeat(255)
  const accepted = await send(longest)
  t.equal(accepted.statusCode, 200, '255 characters are accepted')
  t.equal((await send(longest)).headers['idempotent-replayed'], 'true')
  t.equal(await quantityInCart(app, customer.id, lamp.variantId), 1)
  t.equal((await keyRows(app, longest)).length, 1)
})

t.test('a repeat while the first request is still being performed is a 409; once it answers, repeats replay it', async (t) => {
  const { api, app } = shop
  const lamp = await sellable(shop, 1500, 50, 'Slow Lamp')
  const customer = await createCustomer(shop)
  await addToCart(api, customer.headers, lamp.variantId, 1)
  const [cart] = await rows<{ id: string }>(app, 'select id from carts where customer_id = ?', [customer.id])
  // The first request claims its key, then waits for the cart's row lock, which this test holds.
  const release = await holdRowLock(t, app, 'select id from carts where id = $1 for update', [cart?.id])
  const key = idempotencyKey()
  const first = addWithKey(api, customer.headers, key, lamp.variantId, 2)
  await claimed(app, key)

  const duplicate = await addWithKey(api, customer.headers, key, lamp.variantId, 2)
  t.equal(duplicate.response.status, 409)
  t.equal(duplicate.response.headers.get('retry-after'), '1')
  t.same(duplicate.error, problem(409, 'IDEMPOTENCY_KEY_IN_USE', IN_USE, '/api/v1/cart/items'))
  const different = await addWithKey(api, customer.headers, key, lamp.variantId, 5)
  t.equal(different.response.status, 422, 'another body is still another request')
  t.equal((await keyRows(app, key))[0]?.status, null, 'the first request has not answered')

  await release()
  const answered = await first
  t.equal(answered.response.status, 200)
  t.equal(answered.data?.items[0]?.quantity, 3)
  const replay = await addWithKey(api, customer.headers, key, lamp.variantId, 2)
  t.equal(replay.response.headers.get('idempotent-replayed'), 'true')
  t.same(replay.data, answered.data)
  t.equal(await quantityInCart(app, customer.id, lamp.variantId), 3, 'added once')
})

t.test('a first attempt that never answered (its process died) frees its key after a minute, for the same request only', async (t) => {
  const { api, app } = shop
  const lamp = await sellable(shop, 1500, 50, 'Lost Lamp')
  const customer = await createCustomer(shop)
  const key = idempotencyKey()
  t.equal((await addWithKey(api, customer.headers, key, lamp.variantId, 1)).response.status, 200)
  const abandon = async (seconds: number): Promise<void> => {
    await rows(app, 'update idempotency_keys set status = null, headers = null, body = null, locked_at = now() - make_interval(secs => ?) where key = ?', [seconds, key])
  }

  await abandon(30)
  const tooSoon = await addWithKey(api, customer.headers, key, lamp.variantId, 1)
  t.equal(tooSoon.response.status, 409, 'half a minute is still in flight')
  t.equal((tooSoon.error as { code?: string }).code, 'IDEMPOTENCY_KEY_IN_USE')

  await abandon(120)
  const other = await addWithKey(api, customer.headers, key, lamp.variantId, 4)
  t.equal(other.response.status, 422, 'another request cannot take an abandoned key')
  const retried = await addWithKey(api, customer.headers, key, lamp.variantId, 1)
  t.equal(retried.response.status, 200, 'the same request is performed again')
  t.equal(retried.response.headers.get('idempotent-replayed'), null)
  t.equal(await quantityInCart(app, customer.id, lamp.variantId), 2)
  t.equal((await keyRows(app, key))[0]?.status, 200, 'and its answer kept')
})

t.test('client errors are answers and are kept; a replay repeats them even after the state changed', async (t) => {
  const { api, app, staff } = shop
  const lamp = await sellable(shop, 1500, 2, 'Rare Lamp')
  const customer = await createCustomer(shop)
  const key = idempotencyKey()
  const refused = await addWithKey(api, customer.headers, key, lamp.variantId, 3)
  t.equal(refused.response.status, 409)
  t.match(refused.error, { code: 'OUT_OF_STOCK', variants: [{ variantId: lamp.variantId, requested: 3, available: 2 }] })
  const restock = await api.POST('/api/v1/admin/variants/{id}/stock-adjustments', { headers: { ...staff, 'idempotency-key': idempotencyKey() }, params: { path: { id: lamp.variantId } }, body: { change: 10, reason: 'Delivery' } })
  t.equal(restock.response.status, 201)
  const replay = await addWithKey(api, customer.headers, key, lamp.variantId, 3)
  t.equal(replay.response.status, 409)
  t.equal(replay.response.headers.get('content-type'), PROBLEM_JSON)
  t.equal(replay.response.headers.get('idempotent-replayed'), 'true')
  t.same(replay.error, refused.error)
  t.equal(await quantityInCart(app, customer.id, lamp.variantId), 0)
  const fresh = await addWithKey(api, customer.headers, idempotencyKey(), lamp.variantId, 3)
  t.equal(fresh.response.status, 200, 'a new key is a new attempt')
})

t.test('keys expire after IDEMPOTENCY_TTL_HOURS: the same key then performs again, and the sweep deletes expired keys', async (t) => {
  const { api, app } = shop
  const lamp = await sellable(shop, 1500, 50, 'Aged Lamp')
  const customer = await createCustomer(shop)
  const key = idempotencyKey()
  const kept = idempotencyKey()
  t.equal((await addWithKey(api, customer.headers, key, lamp.variantId, 1)).response.status, 200)
  t.equal((await addWithKey(api, customer.headers, kept, lamp.variantId, 1)).response.status, 200)
  const [row] = await keyRows(app, key)
  t.equal(Date.parse(row!.expires_at) - Date.parse(row!.created_at), 60 * 60 * 1000, 'kept for the configured hour')

  await rows(app, 'update idempotency_keys set created_at = now() - interval \'61 minutes\', expires_at = now() - interval \'1 minute\' where key = ?', [key])
  const again = await addWithKey(api, customer.headers, key, lamp.variantId, 1)
  t.equal(again.response.status, 200)
  t.equal(again.response.headers.get('idempotent-replayed'), null, 'an expired key is not replayed')
  t.equal(await quantityInCart(app, customer.id, lamp.variantId), 3)
  const [renewed] = await keyRows(app, key)
  t.ok(Date.parse(renewed!.expires_at) > Date.now() + 59 * 60 * 1000, 'the key is kept anew')

  await rows(app, 'update idempotency_keys set expires_at = now() - interval \'1 minute\' where key = ?', [key])
  const reusedAfterExpiry = await addWithKey(api, customer.headers, key, lamp.variantId, 2)
  t.equal(reusedAfterExpiry.response.status, 200, 'an expired key may even serve another request')
  t.equal(await quantityInCart(app, customer.id, lamp.variantId), 5)

  await rows(app, 'update idempotency_keys set expires_at = now() - interval \'1 second\' where key = ?', [key])
  t.equal(await app.runJobOnce('sweep-idempotency-keys'), true)
  t.same(await keyRows(app, key), [], 'the expired key is deleted')
  t.equal((await keyRows(app, kept)).length, 1, 'a live key stays')
  const replay = await addWithKey(api, customer.headers, kept, lamp.variantId, 1)
  t.equal(replay.response.headers.get('idempotent-replayed'), 'true', 'and still replays')
})

t.test('20 concurrent requests with one key on two instances add to the cart exactly once', async (t) => {
  const { api, app } = shop
  const other = await secondInstance(t, shop)
  const lamp = await sellable(shop, 1500, 100, 'Busy Lamp')
  const customer = await createCustomer(shop)
  const guest = await guestCart(api)
  for (const [who, headers] of [['customer', customer.headers], ['guest', { 'x-cart-token': guest.token }]] as const) {
    const key = idempotencyKey()
    const answers = await concurrently(20, async (index) => await addWithKey(index % 2 === 0 ? api : other.api, headers, key, lamp.variantId, 2))
    const performed = answers.filter((answer) => answer.response.status === 200 && answer.response.headers.get('idempotent-replayed') === null)
    t.equal(performed.length, 1, `${who}: one request performed`)
    for (const answer of answers) {
      if (answer.response.status === 200) {
        t.same(answer.data, performed[0]?.data, `${who}: every 200 is the performed request's answer`)
      } else {
        t.equal(answer.response.status, 409, `${who}: the others are told it is in flight`)
        t.equal((answer.error as { code?: string }).code, 'IDEMPOTENCY_KEY_IN_USE')
      }
    }
    t.equal(performed[0]?.data?.items[0]?.quantity, 2)
    t.equal((await keyRows(app, key)).length, 1)
  }
  t.equal(await quantityInCart(app, customer.id, lamp.variantId), 2, 'the customer\'s quantity was added once')
  t.equal(await quantityInGuestCart(app, guest.cart.id, lamp.variantId), 2, 'the guest\'s too')
})

/** An app with routes of its own that answer as told, to see what the plugin keeps of each kind of answer. */
async function buildProbe (t: Test): Promise<{ app: FastifyInstance, performed: () => number, hold: () => () => void }> {
  const app = await buildApp(await testConfig(t))
  t.teardown(async () => { await app.close() })
  let performed = 0
  let gate: Promise<void> | null = null
  await app.register(async (scope) => {
    scope.post('/probe', { config: { access: 'public', idempotency: { callerOf: (request) => String(request.headers['x-caller'] ?? 'probe') } } }, async (request, reply) => {
      performed += 1
      if (gate !== null) await gate
      const { answer } = request.body as { answer: string }
      switch (answer) {
        case 'created': return await reply.code(201).header('location', `/probe/${performed}`).header('etag', `"${performed}"`).send({ performed })
        case 'empty': return await reply.code(204).send()
        case 'crash': throw new Error('the database fell over')
        case 'unavailable': throw new ProblemError(503, 'SERVICE_UNAVAILABLE', 'Try later.')
        case 'lost-race': throw new ProblemError(409, 'CONCURRENT_MODIFICATION', 'The resource was changed by another request; reload it and try again.')
        case 'busy': throw new ProblemError(429, 'RATE_LIMITED', 'Slow down.')
        case 'refused': throw new ProblemError(409, 'OUT_OF_STOCK', 'Only 0 are in stock.')
        default: throw new ProblemError(400, 'BAD_REQUEST', 'Unknown answer.')
      }
    })
  })
  await app.ready()
  const hold = (): () => void => {
    let open!: () => void
    gate = new Promise<void>((resolve) => { open = resolve })
    return () => { gate = null; open() }
  }
  return { app, performed: () => performed, hold }
}

t.test('transient answers (5xx, 429, a lost race) release the key, so a retry performs the request; others are kept', async (t) => {
  const probe = await buildProbe(t)
  const send = async (key: string, answer: string, caller = 'probe') => await probe.app.inject({ method: 'POST', url: '/probe', headers: { 'idempotency-key': key, 'x-caller': caller }, payload: { answer } })

  for (const answer of ['crash', 'unavailable', 'lost-race', 'busy']) {
    const key = idempotencyKey()
    const before = probe.performed()
    const first = await send(key, answer)
    t.ok([500, 503, 409, 429].includes(first.statusCode), `${answer}: ${first.statusCode}`)
    t.same(await keyRows(probe.app, key), [], `${answer}: the key is released`)
    const retry = await send(key, answer)
    t.equal(retry.headers['idempotent-replayed'], undefined, `${answer}: the retry is performed, not replayed`)
    t.equal(probe.performed(), before + 2)
  }

  const created = idempotencyKey()
  const first = await send(created, 'created')
  t.equal(first.statusCode, 201)
  const replay = await send(created, 'created')
  t.equal(replay.statusCode, 201)
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.equal(replay.headers.location, first.headers.location, 'Location kept')
  t.equal(replay.headers.etag, first.headers.etag, 'ETag kept')
  t.equal(replay.body, first.body)

  const empty = idempotencyKey()
  t.equal((await send(empty, 'empty')).statusCode, 204)
  const emptyReplay = await send(empty, 'empty')
  t.equal(emptyReplay.statusCode, 204, 'a 204 is kept')
  t.equal(emptyReplay.body, '')
  t.equal(emptyReplay.headers['idempotent-replayed'], 'true')

  const refused = idempotencyKey()
  const before = probe.performed()
  t.equal((await send(refused, 'refused')).statusCode, 409)
  const refusedReplay = await send(refused, 'refused')
  t.equal(refusedReplay.statusCode, 409, 'a domain conflict is an answer, kept')
  t.equal(refusedReplay.headers['idempotent-replayed'], 'true')
  t.equal(refusedReplay.headers['content-type'], PROBLEM_JSON)
  t.equal(probe.performed(), before + 1)

  t.equal((await send(created, 'created', 'someone-else')).headers['idempotent-replayed'], undefined, 'another caller\'s same key is its own')
})

t.test('concurrent repeats of a slow request: one performs, the others are told it is in flight', async (t) => {
  const probe = await buildProbe(t)
  const open = probe.hold()
  const key = idempotencyKey()
  const send = async () => await probe.app.inject({ method: 'POST', url: '/probe', headers: { 'idempotency-key': key }, payload: { answer: 'created' } })
  const first = send()
  await claimed(probe.app, key)
  const repeats = await settled(Array.from({ length: 5 }, async () => await send()))
  t.same(repeats.map((repeat) => repeat.statusCode), [409, 409, 409, 409, 409])
  t.same(repeats[0]?.json(), problem(409, 'IDEMPOTENCY_KEY_IN_USE', IN_USE, '/probe'))
  open()
  t.equal((await first).statusCode, 201)
  t.equal(probe.performed(), 1, 'performed once')
  t.equal((await send()).headers['idempotent-replayed'], 'true')
})
