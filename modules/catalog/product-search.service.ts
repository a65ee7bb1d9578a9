import { createHash } from 'node:crypto'
import type { EntityManager } from '@mikro-orm/postgresql'
import { LRUCache } from 'lru-cache'
import { decodeCursor, encodeCursor } from '../../plugins/pagination.js'
import { isUuid } from '../../openapi/shared.schemas.js'
import { money, type CatalogSettings } from './catalog.settings.js'
import type { BrowseQuery, Facets, ProductListPage, ProductSummary, SearchQuery, Suggestions } from './product-search.schemas.js'
import {
  countFacets, findListingPage, findSuggestions, priceBandBounds, resolvePrefixQueries, resolveSearchQueries,
  type FacetRow, type ListingFilters, type ListingPosition, type ListingRow, type PrefixQueries, type ProductSort, type SearchQueries
} from './product-search.repository.js'

const MAX_TERMS = 8
const MAX_TERM_LENGTH = 40

/**
 * Words resolved to tsqueries, kept a minute per app: shoppers repeat the same searches and type the same
 * prefixes. Only resolutions that do not depend on the catalog are kept: a misspelling is corrected afresh
 * each time, since a new product may bring the word it is near.
 */
export type ResolvedQueries = LRUCache<string, { value: SearchQueries | PrefixQueries | null }>

export function resolvedQueriesCache (): ResolvedQueries {
  return new LRUCache({ max: 2000, ttl: 60_000 })
}

async function searchQueriesFor (em: EntityManager, cache: ResolvedQueries, terms: string[]): Promise<SearchQueries | null> {
  const key = `search:${terms.join(' ')}`
  const hit = cache.get(key)
  if (hit !== undefined) return hit.value as SearchQueries | null
  const { queries, corrected } = await resolveSearchQueries(em, terms)
  if (!corrected) cache.set(key, { value: queries })
  return queries
}

async function prefixQueriesFor (em: EntityManager, cache: ResolvedQueries, terms: string[]): Promise<PrefixQueries | null> {
  const key = `suggest:${terms.join(' ')}`
  const hit = cache.get(key)
  if (hit !== undefined) return hit.value as PrefixQueries | null
  const queries = await resolvePrefixQueries(em, terms)
  cache.set(key, { value: queries })
  return queries
}

/** The words of a search: letters and digits, lower-cased; punctuation and symbols separate them. */
export function searchTerms (q: string): string[] {
  return (q.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, MAX_TERMS).map((term) => term.slice(0, MAX_TERM_LENGTH))
}

function filtersOf (query: BrowseQuery | SearchQuery): ListingFilters {
  return {
    ...(query.category === undefined ? {} : { category: query.category }),
    ...(query.brand === undefined ? {} : { brands: query.brand }),
    ...(query.tag === undefined ? {} : { tags: query.tag }),
    ...(query.minPrice === undefined ? {} : { minPrice: query.minPrice }),
    ...(query.maxPrice === undefined ? {} : { maxPrice: query.maxPrice }),
    ...(query.minRating === undefined ? {} : { minRating: query.minRating }),
    ...(query.inStock === undefined ? {} : { inStock: query.inStock })
  }
}

/** Which query a cursor belongs to: its words, filters and sort. A cursor from another query is refused. */
function fingerprint (terms: string[] | undefined, filters: ListingFilters, sort: ProductSort): string {
  return createHash('sha256').update(JSON.stringify([terms ?? null, filters, sort])).digest('base64url').slice(0, 12)
}

/** A value a cursor may carry for its sort: what the column can hold (an int, or for ratings 0 to 5). */
function validValue (sort: ProductSort, value: unknown): boolean {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false
  if (sort === 'rating') return value >= 0 && value <= 5
  return Number.isInteger(value) && value >= 0 && value <= 2_147_483_647
}

function readCursor (cursor: string, expected: string, sort: ProductSort): ListingPosition {
  return decodeCursor(cursor, (position) => {
    if (position.q !== expected || typeof position.id !== 'string' || !isUuid(position.id)) return undefined
    if (position.v !== undefined && !validValue(sort, position.v)) return undefined
    if (position.c !== undefined && !validValue('popularity', position.c)) return undefined
    if (position.t !== undefined && position.t !== 1 && position.t !== 2 && position.t !== 3) return undefined
    return {
      id: position.id,
      ...(position.v === undefined ? {} : { value: position.v as number }),
      ...(position.c === undefined ? {} : { count: position.c as number }),
      ...(position.t === undefined ? {} : { tier: position.t as number })
    }
  })
}

/** The position just after `row` in `sort`: what the next page resumes from. */
function positionAfter (row: ListingRow, sort: ProductSort, query: string): Record<string, unknown> {
  const base = { q: query, id: row.id }
  switch (sort) {
    case 'relevance': return { ...base, t: row.tier, c: row.units_sold }
    case 'newest': return base
    case 'price_asc':
    case 'price_desc': return { ...base, v: row.price_min }
    case 'rating': return { ...base, v: Number(row.rating_average), c: row.rating_count }
    case 'popularity': return { ...base, v: row.units_sold }
  }
}

export function toSummary (settings: CatalogSettings, row: ListingRow): ProductSummary {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    brand: row.brand_id === null ? null : { id: row.brand_id, slug: row.brand_slug ?? '', name: row.brand_name ?? '' },
    category: row.category_id === null ? null : { id: row.category_id, slug: row.category_slug ?? '', name: row.category_name ?? '' },
    priceRange: { min: money(settings, row.price_min), max: money(settings, row.price_max) },
    available: row.available,
    rating: { average: Number(row.rating_average), count: row.rating_count },
    image: row.image_key === null ? null : { url: settings.urlOf(row.image_key), alt: row.image_alt, width: row.image_width ?? 1, height: row.image_height ?? 1 },
    createdAt: new Date(row.created_at).toISOString()
  }
}

const bandsByCurrency = new Map<string, number[]>()

/** Price bands follow the currency: 0–25, 25–50, 50–100, ... in major units (dollars, euros, yen). */
function bandsFor (currency: string): number[] {
  let bands = bandsByCurrency.get(currency)
  if (bands === undefined) {
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
    bands = priceBandBounds(10 ** digits)
    bandsByCurrency.set(currency, bands)
  }
  return bands
}

function toFacets (rows: FacetRow[], bands: number[]): Facets {
  const byName = <T extends { name: string }>(a: T, b: T): number => a.name.localeCompare(b.name)
  const values = (kind: FacetRow['kind']) => rows.filter((row) => row.kind === kind && row.id !== null)
    .map((row) => ({ id: row.id as string, slug: row.slug ?? '', name: row.name ?? '', count: Number(row.count) }))
    .sort(byName)
  return {
    categories: values('category'),
    brands: values('brand'),
    priceBands: rows.filter((row) => row.kind === 'price' && row.band !== null)
      .map((row) => ({ band: row.band as number, count: Number(row.count) }))
      .sort((a, b) => a.band - b.band)
      .map(({ band, count }) => ({ minPrice: bands[band] ?? 0, maxPrice: band + 1 < bands.length ? (bands[band + 1] ?? 1) - 1 : null, count }))
  }
}

const NO_FACETS: Facets = { categories: [], brands: [], priceBands: [] }

async function listing (em: EntityManager, settings: CatalogSettings, cache: ResolvedQueries, terms: string[] | undefined, query: BrowseQuery | SearchQuery, sort: ProductSort): Promise<ProductListPage> {
  const filters = filtersOf(query)
  const limit = query.limit ?? 20
  const print = fingerprint(terms, filters, sort)
  const after = query.cursor === undefined ? undefined : readCursor(query.cursor, print, sort)
  const wantsFacets = query.facets === true && after === undefined
  const search = terms === undefined ? undefined : terms.length === 0 ? null : await searchQueriesFor(em, cache, terms)
  if (search === null) return { items: [], nextCursor: null, ...(wantsFacets ? { facets: NO_FACETS } : {}) }
  const bands = bandsFor(settings.currency)
  const [rows, facetRows] = await Promise.all([
    findListingPage(em, { ...(search === undefined ? {} : { search }), filters, sort, ...(after === undefined ? {} : { after }), limit }),
    wantsFacets ? countFacets(em, { ...(search === undefined ? {} : { search }), filters }, bands) : Promise.resolve(undefined)
  ])
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  return {
    items: page.map((row) => toSummary(settings, row)),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(positionAfter(last, sort, print)) : null,
    ...(facetRows === undefined ? {} : { facets: toFacets(facetRows, bands) })
  }
}

/** `GET /products`: `ACTIVE` products by filters and sort. */
export async function browseProducts (em: EntityManager, settings: CatalogSettings, cache: ResolvedQueries, query: BrowseQuery): Promise<ProductListPage> {
  return await listing(em, settings, cache, undefined, query, query.sort ?? 'newest')
}

/** `GET /products/search`: full-text search with the same filters and sorts, relevance first. */
export async function searchProducts (em: EntityManager, settings: CatalogSettings, cache: ResolvedQueries, query: SearchQuery): Promise<ProductListPage> {
  return await listing(em, settings, cache, searchTerms(query.q), query, query.sort ?? 'relevance')
}

export async function suggest (em: EntityManager, cache: ResolvedQueries, q: string): Promise<Suggestions> {
  const terms = searchTerms(q)
  if (terms.length === 0) return { products: [], categories: [] }
  const prefixes = await prefixQueriesFor(em, cache, terms)
  const rows = prefixes === null ? [] : await findSuggestions(em, prefixes)
  const pick = (kind: 'product' | 'category') => rows.filter((row) => row.kind === kind).map(({ id, slug, name }) => ({ id, slug, name }))
  return { products: pick('product'), categories: pick('category') }
}
