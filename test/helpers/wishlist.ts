import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import { uuidv7 } from 'uuidv7'
import type { components } from '../../openapi/schema.js'
import type { ApiClient } from './client.js'
import type { CatalogHarness } from './catalog.js'

export type WishlistItem = components['schemas']['WishlistItem']
export type WishlistPage = components['schemas']['WishlistPage']

export const WISHLIST = '/api/v1/me/wishlist'

export type Headers = { authorization: string }

/** Saves the product; the item and whether it was added now (201) or already there (200). */
export async function save (api: ApiClient, headers: Headers, productId: string): Promise<{ item: WishlistItem, status: number }> {
  const { data, error, response } = await api.PUT('/api/v1/me/wishlist/{productId}', { headers, params: { path: { productId } } })
  if (data === undefined) throw new Error(`saving ${productId} answered ${response.status}: ${JSON.stringify(error)}`)
  return { item: data, status: response.status }
}

export async function remove (api: ApiClient, headers: Headers, productId: string): Promise<number> {
  const { response } = await api.DELETE('/api/v1/me/wishlist/{productId}', { headers, params: { path: { productId } } })
  return response.status
}

export async function wishlistPage (api: ApiClient, headers: Headers, query: { limit?: number, cursor?: string } = {}): Promise<WishlistPage> {
  const { data, error, response } = await api.GET('/api/v1/me/wishlist', { headers, params: { query } })
  if (data === undefined) throw new Error(`listing the wishlist answered ${response.status}: ${JSON.stringify(error)}`)
  return data
}

/** Every item of the customer's wishlist, following `nextCursor` to the last page. */
export async function wholeWishlist (api: ApiClient, headers: Headers, limit = 100): Promise<WishlistItem[]> {
  const items: WishlistItem[] = []
  let cursor: string | undefined
  for (let pages = 0; pages < 100; pages++) {
    const page = await wishlistPage(api, headers, { limit, ...(cursor === undefined ? {} : { cursor }) })
    items.push(...page.items)
    if (page.nextCursor === null) return items
    cursor = page.nextCursor
  }
  throw new Error('more than 100 pages: the cursor does not move on')
}

/** The product ids saved by the customer as the database has them, drafts included, oldest first. */
export async function savedRows (app: FastifyInstance, customerId: string): Promise<string[]> {
  const rows = await app.orm.em.fork().execute<Array<{ product_id: string }>>('select product_id from wishlist_items where customer_id = ? order by created_at, id', [customerId])
  return rows.map((row) => row.product_id)
}

/**
 * `count` bare `ACTIVE` products written straight to the database (no variants, not indexed for search):
 * enough to fill a wishlist to its cap without a thousand API calls.
 */
export async function bulkProducts (harness: CatalogHarness, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => uuidv7())
  await sql`insert into products (id, created_at, updated_at, slug, name, status)
    select id, now(), now(), 'bulk-' || id::text, 'Bulk product', 'ACTIVE' from unnest(${ids}::uuid[]) as id`.execute(harness.app.orm.em.fork().getKysely())
  return ids
}

/** Saves the products for the customer straight in the database, a second apart in the past, the last newest. */
export async function fillWishlist (harness: CatalogHarness, customerId: string, productIds: string[]): Promise<void> {
  await sql`insert into wishlist_items (id, created_at, customer_id, product_id)
    select gen_random_uuid(), now() - make_interval(secs => (${productIds.length + 1}::int - ord)::float8), ${customerId}, product_id
      from unnest(${productIds}::uuid[]) with ordinality as t(product_id, ord)`.execute(harness.app.orm.em.fork().getKysely())
}

/** Saves the products for the customer straight in the database, all at one instant (to the microsecond). */
export async function saveAllAt (harness: CatalogHarness, customerId: string, productIds: string[], instant: string): Promise<void> {
  await sql`insert into wishlist_items (id, created_at, customer_id, product_id)
    select gen_random_uuid(), ${instant}::timestamptz, ${customerId}, product_id from unnest(${productIds}::uuid[]) as product_id`.execute(harness.app.orm.em.fork().getKysely())
}

/** Sets the products' status behind the API's back (bulk products have no variants the API would accept). */
export async function setStatusInDatabase (harness: CatalogHarness, productIds: string[], status: 'DRAFT' | 'ACTIVE' | 'ARCHIVED'): Promise<void> {
  await sql`update products set status = ${status} where id = any(${productIds}::uuid[])`.execute(harness.app.orm.em.fork().getKysely())
}
