import type { Test } from 'tap'
import type { components, operations } from '../../openapi/schema.js'
import type { Env } from './build.js'
import { bearer, bootstrapAdmin, buildWithMail, type IdentityHarness } from './identity.js'

export type AdminProduct = components['schemas']['AdminProduct']
export type CreateProductRequest = components['schemas']['CreateProductRequest']

export interface CatalogHarness extends IdentityHarness {
  /** The Authorization header of the shop's first admin. */
  staff: { authorization: string }
}

/** The app with mail and a signed-in admin, ready to build a catalog. */
export async function buildCatalog (t: Test, env: Env = {}): Promise<CatalogHarness> {
  const harness = await buildWithMail(t, env)
  const admin = await bootstrapAdmin(harness)
  return { ...harness, staff: bearer(admin) }
}

/** A price in the test shop's currency (USD unless SHOP_CURRENCY says otherwise). */
export function usd (amount: number): { amount: number, currency: string } {
  return { amount, currency: 'USD' }
}

let skus = 0
/** A SKU no other product in this process uses. */
export function uniqueSku (prefix = 'SKU'): string {
  skus += 1
  return `${prefix}-${process.pid}-${skus}`
}

export async function createCategory (harness: CatalogHarness, name: string, parentId: string | null = null): Promise<components['schemas']['Category']> {
  const { data, error } = await harness.api.POST('/api/v1/admin/categories', { headers: harness.staff, body: { name, parentId } })
  if (data === undefined) throw new Error(`creating category ${name} failed: ${JSON.stringify(error)}`)
  return data
}

export async function createBrand (harness: CatalogHarness, name: string): Promise<components['schemas']['Brand']> {
  const { data, error } = await harness.api.POST('/api/v1/admin/brands', { headers: harness.staff, body: { name } })
  if (data === undefined) throw new Error(`creating brand ${name} failed: ${JSON.stringify(error)}`)
  return data
}

/**
 * Creates a product through the API: `ACTIVE`, one default variant priced `price` with `stock` units,
 * unless `overrides` say otherwise.
 */
export async function createProduct (harness: CatalogHarness, overrides: Partial<CreateProductRequest> & { price?: number, stock?: number } = {}): Promise<AdminProduct> {
  const { price = 1999, stock = 10, ...fields } = overrides
  const body: CreateProductRequest = {
    name: 'Test Product',
    status: 'ACTIVE',
    variants: [{ sku: uniqueSku(), price: usd(price), stock }],
    ...fields
  }
  const { data, error } = await harness.api.POST('/api/v1/admin/products', { headers: harness.staff, body })
  if (data === undefined) throw new Error(`creating product ${body.name} failed: ${JSON.stringify(error)}`)
  return data
}

export type ProductSummary = components['schemas']['ProductSummary']
export type ProductListPage = components['schemas']['ProductListPage']
export type BrowseQuery = NonNullable<operations['listProducts']['parameters']['query']>
export type SearchQuery = operations['searchProducts']['parameters']['query']

type PageAnswer = { data?: ProductListPage, error?: unknown, response: Response }

/** Follows `nextCursor` from the first page to the last; every page must be a 200. */
async function everyPage (fetchPage: (cursor: string | undefined) => Promise<PageAnswer>): Promise<ProductListPage[]> {
  const pages: ProductListPage[] = []
  let cursor: string | undefined
  while (pages.length < 200) {
    const { data, error, response } = await fetchPage(cursor)
    if (data === undefined) throw new Error(`page ${pages.length + 1} answered ${response.status}: ${JSON.stringify(error)}`)
    pages.push(data)
    if (data.nextCursor === null) return pages
    cursor = data.nextCursor
  }
  throw new Error('more than 200 pages: the cursor does not move on')
}

/** Every page of `GET /products` for `query`, `limit` items a page. */
export async function browsePages (harness: CatalogHarness, query: BrowseQuery = {}, limit = 100): Promise<ProductListPage[]> {
  return await everyPage(async (cursor) => await harness.api.GET('/api/v1/products', { params: { query: { ...query, limit, ...(cursor === undefined ? {} : { cursor }) } } }))
}

/** Every page of `GET /products/search` for `query`, `limit` items a page. */
export async function searchPages (harness: CatalogHarness, query: SearchQuery, limit = 100): Promise<ProductListPage[]> {
  return await everyPage(async (cursor) => await harness.api.GET('/api/v1/products/search', { params: { query: { ...query, limit, ...(cursor === undefined ? {} : { cursor }) } } }))
}

/** Every product `GET /products` lists for `query`, in order, across all its pages. */
export async function browseAll (harness: CatalogHarness, query: BrowseQuery = {}, limit = 100): Promise<ProductSummary[]> {
  return (await browsePages(harness, query, limit)).flatMap((page) => page.items)
}

/** Every product `GET /products/search` finds for `query`, in order, across all its pages. */
export async function searchAll (harness: CatalogHarness, query: SearchQuery, limit = 100): Promise<ProductSummary[]> {
  return (await searchPages(harness, query, limit)).flatMap((page) => page.items)
}

/**
 * Sets the counters orders and reviews will keep (units sold, average rating and count), which no API
 * writes yet, so that popularity and rating have something to sort by.
 */
export async function setSalesAndRating (harness: CatalogHarness, productId: string, values: { unitsSold?: number, rating?: [average: number, count: number] }): Promise<void> {
  const em = harness.app.orm.em.fork()
  if (values.unitsSold !== undefined) await em.execute('update products set units_sold = ? where id = ?', [values.unitsSold, productId])
  if (values.rating !== undefined) await em.execute('update products set rating_average = ?, rating_count = ? where id = ?', [...values.rating, productId])
}
