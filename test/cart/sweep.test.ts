import pg from 'pg'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import type { ApiClient } from '../helpers/client.js'
import { settled } from '../helpers/concurrency.js'
import { problem } from '../helpers/problems.js'
import { addToCart, buildShop, createCustomers, secondInstance, sellable, type Cart } from '../helpers/shop.js'

const SWEEP = 'sweep-idle-carts'
const DAY_MS = 86_400_000

async function guestCart (api: ApiClient): Promise<{ token: string, cart: Cart }> {
  const { data, error } = await api.POST('/api/v1/cart')
  if (data === undefined) throw new Error(`no guest cart: ${JSON.stringify(error)}`)
  return { token: data.cartToken, cart: data.cart }
}

async function execute<T = unknown> (app: FastifyInstance, sql: string, params: unknown[] = []): Promise<T[]> {
  return await app.orm.em.fork().execute<T[]>(sql, params)
}

/** Makes the cart look untouched for `minutes`, as the sweep judges it (by its last change). */
async function idleFor (app: FastifyInstance, cartId: string, minutes: number): Promise<void> {
  await execute(app, `update carts set updated_at = now() - make_interval(mins => ${minutes}) where id = ?`, [cartId])
}

/** Records every cart row the database deletes, to count how often each was swept. */
async function recordDeletedCarts (app: FastifyInstance): Promise<void> {
  await execute(app, 'create table deleted_carts (cart_id uuid not null)')
  await execute(app, 'create function record_deleted_cart() returns trigger language plpgsql as $$ begin insert into deleted_carts values (old.id); return old; end $$')
  await execute(app, 'create trigger record_deleted_cart after delete on carts for each row execute function record_deleted_cart()')
}

t.test('carts untouched for CART_TTL_DAYS are swept, once, by two instances sweeping at the same time; fresh ones are kept', async (t) => {
  const shop = await buildShop(t, { CART_TTL_DAYS: '3' })
  const { api, app } = shop
  const second = await secondInstance(t, shop, { CART_TTL_DAYS: '3' })
  await recordDeletedCarts(app)
  const lamp = await sellable(shop, 1500, 100, 'Forgotten Lamp')
  const ttlMinutes = 3 * 24 * 60

  const staleGuests = [await guestCart(api), await guestCart(api), await guestCart(api)]
  for (const guest of staleGuests) await addToCart(api, { 'x-cart-token': guest.token }, lamp.variantId, 1)
  const freshGuest = await guestCart(api)
  await addToCart(api, { 'x-cart-token': freshGuest.token }, lamp.variantId, 2)
  const [staleCustomer, freshCustomer, revived] = await createCustomers(shop, 3)
  const staleCustomerCart = await addToCart(api, staleCustomer!.headers, lamp.variantId, 1)
  const freshCustomerCart = await addToCart(api, freshCustomer!.headers, lamp.variantId, 3)
  const revivedCart = await addToCart(api, revived!.headers, lamp.variantId, 1)
  t.equal(Date.parse(freshGuest.cart.expiresAt) - Date.parse(freshGuest.cart.updatedAt), 3 * DAY_MS, 'carts expire CART_TTL_DAYS after their last change')

  const stale = [...staleGuests.map((guest) => guest.cart.id), staleCustomerCart.id]
  for (const id of stale) await idleFor(app, id, ttlMinutes + 1)
  await idleFor(app, freshGuest.cart.id, ttlMinutes - 5)
  await idleFor(app, freshCustomerCart.id, 2 * 24 * 60)
  await idleFor(app, revivedCart.id, ttlMinutes + 60)
  const readOnly = await api.GET('/api/v1/cart', { headers: revived!.headers })
  t.equal(readOnly.data?.id, revivedCart.id, 'reading a cart does not change it')
  await addToCart(api, revived!.headers, lamp.variantId, 1)

  const runs = await settled([app, second.app, app, second.app].map(async (instance) => await instance.runJobOnce(SWEEP)))
  t.ok(runs.includes(true), `the sweep ran (${runs.join(', ')})`)

  const deleted = await execute<{ cart_id: string }>(app, 'select cart_id from deleted_carts order by cart_id')
  t.same(deleted.map((row) => row.cart_id), [...stale].sort(), 'each stale cart was deleted exactly once, and nothing else')
  const lines = await execute<{ count: string }>(app, `select count(*) from cart_lines where cart_id in (${stale.map(() => '?').join(', ')})`, stale)
  t.equal(Number(lines[0]?.count), 0, 'their lines went with them')

  for (const guest of staleGuests) {
    t.same((await api.GET('/api/v1/cart', { headers: { 'x-cart-token': guest.token } })).error, problem(404, 'CART_NOT_FOUND', 'No cart has this token: it never existed, was merged, or expired.', '/api/v1/cart'), 'a swept guest token names no cart')
  }
  t.match((await second.api.GET('/api/v1/cart', { headers: { 'x-cart-token': freshGuest.token } })).data, { id: freshGuest.cart.id, items: [{ quantity: 2 }] }, 'a guest cart just inside the TTL is kept')
  t.match((await api.GET('/api/v1/cart', { headers: freshCustomer!.headers })).data, { id: freshCustomerCart.id, items: [{ quantity: 3 }] })
  t.match((await api.GET('/api/v1/cart', { headers: revived!.headers })).data, { id: revivedCart.id, items: [{ quantity: 2 }] }, 'a change restarts the idle clock')
  const restarted = (await api.GET('/api/v1/cart', { headers: staleCustomer!.headers })).data
  t.match(restarted, { items: [], itemCount: 0 }, 'a swept customer starts again with an empty cart')
  t.not(restarted?.id, staleCustomerCart.id)

  t.equal(await app.runJobOnce(SWEEP), true)
  t.equal((await execute(app, 'select cart_id from deleted_carts')).length, stale.length, 'sweeping again deletes nothing more')
})

t.test('while one instance holds the sweep lock, the others skip the run and sweep nothing', async (t) => {
  const shop = await buildShop(t)
  const { api, app } = shop
  const second = await secondInstance(t, shop)
  const guest = await guestCart(api)
  await idleFor(app, guest.cart.id, 8 * 24 * 60)

  const holder = new pg.Client({ connectionString: app.config.DATABASE_URL })
  await holder.connect()
  t.teardown(async () => { await holder.end() })
  await holder.query('begin')
  await holder.query('select pg_advisory_xact_lock(hashtext($1))', [`commerce-api:job:${SWEEP}`])
  t.same(await settled([app.runJobOnce(SWEEP), second.app.runJobOnce(SWEEP)]), [false, false], 'neither instance runs the job while it is locked')
  t.equal((await api.GET('/api/v1/cart', { headers: { 'x-cart-token': guest.token } })).response.status, 200, 'the stale cart is still there')

  await holder.query('commit')
  t.equal(await second.app.runJobOnce(SWEEP), true, 'the lock is free again')
  t.equal((await api.GET('/api/v1/cart', { headers: { 'x-cart-token': guest.token } })).response.status, 404, 'the default TTL of 7 days swept the 8-day-old cart')
})
