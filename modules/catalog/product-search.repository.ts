import type { EntityManager } from '@mikro-orm/postgresql'
import { sql, type RawBuilder } from 'kysely'

/**
 * The storefront's hot read paths (browse, search, facets, suggestions) as plain SQL: one statement each,
 * plain rows, no entity hydration. Every page is read from an index in its sort order and stops after the
 * page; only facet counts look at every match.
 */

export const BROWSE_SORTS = ['newest', 'price_asc', 'price_desc', 'rating', 'popularity'] as const
export const SEARCH_SORTS = ['relevance', ...BROWSE_SORTS] as const
export type ProductSort = typeof SEARCH_SORTS[number]

export interface ListingFilters {
  /** A category id or slug: its whole subtree. */
  category?: string
  /** Brand ids or slugs: any of them. */
  brands?: string[]
  /** Tag names: every one of them. */
  tags?: string[]
  minPrice?: number
  maxPrice?: number
  minRating?: number
  inStock?: boolean
}

/** Where the previous page ended, in the sort's own terms: the last row's sort values and id. */
export interface ListingPosition {
  id: string
  /** The sort value: price, units sold, or rating average. */
  value?: number
  /** For `rating`: the rating count. For `relevance`: the units sold. */
  count?: number
  /** For `relevance`: the match tier (1 name, 2 brand/tags/category, 3 description). */
  tier?: number
}

export interface ListingQuery {
  /** The search, resolved by `resolveSearchQueries`; absent for browsing. */
  search?: SearchQueries
  filters: ListingFilters
  sort: ProductSort
  after?: ListingPosition
  limit: number
}

export interface ListingRow {
  id: string
  slug: string
  name: string
  created_at: Date
  price_min: number
  price_max: number
  rating_average: string
  rating_count: number
  units_sold: number
  available: boolean
  tier: number
  brand_id: string | null
  brand_slug: string | null
  brand_name: string | null
  category_id: string | null
  category_slug: string | null
  category_name: string | null
  image_key: string | null
  image_alt: string | null
  image_width: number | null
  image_height: number | null
}

/** A filter group that facets count without (each group's counts ignore its own filter). */
type FilterGroup = 'category' | 'brand' | 'price'

const TRUE = sql<boolean>`true`

function and (conditions: Array<RawBuilder<boolean>>): RawBuilder<boolean> {
  return conditions.length === 0 ? TRUE : sql<boolean>`(${sql.join(conditions, sql` and `)})`
}

/** The ids of the selected category and everything below it. */
function categorySubtree (category: string): RawBuilder<unknown> {
  return sql`(
    with recursive subtree(id) as (
      select id from categories where id::text = ${category} or slug = ${category}
      union all
      select c.id from categories c join subtree s on c.parent_id = s.id
    ) select id from subtree)`
}

/**
 * The filters as SQL conditions on `p` (products), each group separately, so facets can leave one out.
 * Unknown categories, brands and tags match nothing.
 */
function filterConditions (filters: ListingFilters): Record<FilterGroup | 'other', Array<RawBuilder<boolean>>> {
  const groups: Record<FilterGroup | 'other', Array<RawBuilder<boolean>>> = { category: [], brand: [], price: [], other: [] }
  if (filters.category !== undefined) groups.category.push(sql<boolean>`p.category_id in ${categorySubtree(filters.category)}`)
  if (filters.brands !== undefined) {
    groups.brand.push(sql<boolean>`p.brand_id in (select id from brands where id::text = any(${filters.brands}::text[]) or slug = any(${filters.brands}::text[]))`)
  }
  if (filters.minPrice !== undefined) groups.price.push(sql<boolean>`p.price_min >= ${filters.minPrice}`)
  if (filters.maxPrice !== undefined) groups.price.push(sql<boolean>`p.price_min <= ${filters.maxPrice}`)
  if (filters.tags !== undefined) {
    const normalized = [...new Set(filters.tags.map((tag) => tag.trim().toLowerCase()))]
    groups.other.push(sql<boolean>`p.tag_ids @> array(select id from tags where normalized = any(${normalized}::text[]))
      and (select count(*) from tags where normalized = any(${normalized}::text[])) = ${normalized.length}`)
  }
  if (filters.minRating !== undefined) groups.other.push(sql<boolean>`p.rating_average >= ${filters.minRating}`)
  if (filters.inStock === true) groups.other.push(sql<boolean>`exists (select 1 from variants v where v.product_id = p.id and v.stock > 0)`)
  return groups
}

/** A search's words as normalised tsqueries (text): all matches, name (weight A) matches, name/brand/tag/category matches. */
export interface SearchQueries {
  query: string
  name: string
  primary: string
}

/**
 * The search as tsqueries, built in the database from the words: each word a prefix (`chai:*`); a word no
 * catalog word starts with also matches its nearest catalog words by trigram distance within a small edit
 * distance (`chiar` → `chair`); every word must match. Null when nothing is left to search for (stop
 * words only). A query of its own, so that the page's query gets the tsqueries as constants its planner can
 * weigh: a rare word is found through the text index, a common one along the sort order.
 */
export interface ResolvedSearch {
  queries: SearchQueries | null
  /** Whether a word was corrected from the catalog's words, whose answer changes as the catalog does. */
  corrected: boolean
}

export async function resolveSearchQueries (em: EntityManager, terms: string[]): Promise<ResolvedSearch> {
  const { rows: [row] } = await sql<{ query: string, name: string, primary: string, corrected: boolean }>`
    with words as (
      select ord, unaccent(term) as term from unnest(${terms}::text[]) with ordinality as t(term, ord)
    ), alternatives as (
      select w.ord, array[w.term] || case when c.corrected then coalesce((select array_agg(n.word) from (
            select s.word from search_words s
             where levenshtein(s.word, w.term) <= greatest(1, (length(w.term) + 1) / 3)
             order by s.word <-> w.term limit 3) n), '{}') else '{}'::text[] end as options, c.corrected
        from words w, lateral (select
          -- A stop word is dropped, never corrected into another word; a word the catalog has needs no correction.
          numnode(plainto_tsquery('commerce_search', w.term)) > 0 and not exists (select 1 from search_words s where s.word like w.term || '%') as corrected) c
    ), texts as (
      select weights.name, string_agg('(' || (select string_agg(quote_literal(o) || ':*' || weights.w, ' | ') from unnest(a.options) o) || ')', ' & ' order by a.ord) as text
        from alternatives a, (values ('', 'query'), ('A', 'name'), ('AB', 'primary')) as weights(w, name)
       group by weights.name
    )
    select to_tsquery('commerce_search', (select text from texts where name = 'query'))::text as query,
           to_tsquery('commerce_search', (select text from texts where name = 'name'))::text as name,
           to_tsquery('commerce_search', (select text from texts where name = 'primary'))::text as primary,
           (select bool_or(corrected) from alternatives) as corrected`.execute(em.getKysely({ type: 'read' }))
  const queries = row === undefined || row.query === '' ? null : { query: row.query, name: row.name, primary: row.primary }
  return { queries, corrected: row?.corrected === true }
}

/** The product columns every listing selects from `products p`, before `decorate` adds the rest. */
export const SELECTED_COLUMNS = sql`
  p.id, p.slug, p.name, p.created_at, p.price_min, p.price_max, p.rating_average, p.rating_count, p.units_sold,
  p.brand_id as brand_ref, p.category_id as category_ref`

/** The listing columns of the rows found: their brand, category, primary image and availability. */
export function decorate (found: RawBuilder<unknown>, order: RawBuilder<unknown>): RawBuilder<ListingRow> {
  return sql<ListingRow>`
    select f.*,
           exists (select 1 from variants v where v.product_id = f.id and v.stock > 0) as available,
           b.id as brand_id, b.slug as brand_slug, b.name as brand_name,
           c.id as category_id, c.slug as category_slug, c.name as category_name,
           i.key as image_key, i.alt as image_alt, i.width as image_width, i.height as image_height
      from (${found}) f
      left join brands b on b.id = f.brand_ref
      left join categories c on c.id = f.category_ref
      left join product_images i on i.product_id = f.id and i.is_primary
     order by ${order}`
}

/** The ORDER BY of a sort (on `p`) and the keyset condition that resumes after a position. */
function sortOf (sort: Exclude<ProductSort, 'relevance'>, after: ListingPosition | undefined, alias = 'p'): { order: RawBuilder<unknown>, resume: RawBuilder<boolean> } {
  const column = (name: string): RawBuilder<unknown> => sql.ref(`${alias}.${name}`)
  const id = column('id')
  switch (sort) {
    case 'newest':
      return { order: sql`${id} desc`, resume: after === undefined ? TRUE : sql<boolean>`${id} < ${after.id}` }
    case 'price_asc':
      return { order: sql`${column('price_min')} asc, ${id} asc`, resume: after === undefined ? TRUE : sql<boolean>`(${column('price_min')}, ${id}) > (${after.value}, ${after.id})` }
    case 'price_desc':
      return { order: sql`${column('price_min')} desc, ${id} desc`, resume: after === undefined ? TRUE : sql<boolean>`(${column('price_min')}, ${id}) < (${after.value}, ${after.id})` }
    case 'rating':
      return {
        order: sql`${column('rating_average')} desc, ${column('rating_count')} desc, ${id} desc`,
        resume: after === undefined ? TRUE : sql<boolean>`(${column('rating_average')}, ${column('rating_count')}, ${id}) < (${after.value}, ${after.count}, ${after.id})`
      }
    case 'popularity':
      return { order: sql`${column('units_sold')} desc, ${id} desc`, resume: after === undefined ? TRUE : sql<boolean>`(${column('units_sold')}, ${id}) < (${after.value}, ${after.id})` }
  }
}

/**
 * One page of `ACTIVE` products (one row more than asked, to tell whether another page follows). Browsing
 * and sorted searches read the sort's index and stop at the page; the planner, given the search as
 * constants, reads a rare word's few matches through the text index instead.
 */
export async function findListingPage (em: EntityManager, listing: ListingQuery): Promise<ListingRow[]> {
  const groups = filterConditions(listing.filters)
  const filtered = and([sql<boolean>`p.status = 'ACTIVE'`, ...groups.category, ...groups.brand, ...groups.price, ...groups.other])
  const take = listing.limit + 1
  const db = em.getKysely({ type: 'read' })
  const search = listing.search
  if (search === undefined || listing.sort !== 'relevance') {
    const sort = listing.sort === 'relevance' ? 'newest' : listing.sort
    const { order, resume } = sortOf(sort, listing.after)
    const matches = search === undefined ? TRUE : sql<boolean>`p.search_document @@ ${search.query}::tsquery`
    const found = sql`select ${SELECTED_COLUMNS}, 0 as tier from products p where ${filtered} and ${matches} and ${resume} order by ${order} limit ${take}`
    return (await decorate(found, sortOf(sort, undefined, 'f').order).execute(db)).rows
  }
  // Relevance: name matches, then brand, tag and category matches, then description matches, each by
  // popularity. Tiers are read one after the other and only until the page is full: a broad word fills it
  // from the name matches, read along the popularity index; the later tiers are read only when needed.
  const after = listing.after
  const tiers: Array<[number, RawBuilder<boolean>]> = [
    [1, sql<boolean>`p.search_document @@ ${search.name}::tsquery`],
    [2, sql<boolean>`p.search_document @@ ${search.primary}::tsquery and not p.search_document @@ ${search.name}::tsquery`],
    [3, sql<boolean>`p.search_document @@ ${search.query}::tsquery and not p.search_document @@ ${search.primary}::tsquery`]
  ]
  const rows: ListingRow[] = []
  for (const [tier, matches] of tiers) {
    if (rows.length >= take || (after?.tier !== undefined && tier < after.tier)) continue
    const resume = after !== undefined && after.tier === tier ? sql<boolean>`(p.units_sold, p.id) < (${after.count}, ${after.id})` : TRUE
    const found = sql`select ${SELECTED_COLUMNS}, ${tier}::int as tier from products p
      where ${matches} and ${filtered} and ${resume}
      order by p.units_sold desc, p.id desc limit ${take - rows.length}`
    rows.push(...(await decorate(found, sql`f.units_sold desc, f.id desc`).execute(db)).rows)
  }
  return rows
}

export interface FacetRow {
  kind: 'category' | 'brand' | 'price'
  id: string | null
  slug: string | null
  name: string | null
  band: number | null
  count: string
}

/** Price bands' lower bounds, in minor units; the last band is open. */
export function priceBandBounds (minorUnitsPerMajor: number): number[] {
  return [0, 25, 50, 100, 250, 500, 1000].map((major) => major * minorUnitsPerMajor)
}

/**
 * Facet counts for a listing or search: for each group, the matches with every other filter applied, by
 * child category of the selected one (each counting its subtree), by brand, and by price band. One scan of
 * the matches per group, each through whatever index suits its filters.
 */
export async function countFacets (em: EntityManager, listing: Pick<ListingQuery, 'search' | 'filters'>, bands: number[]): Promise<FacetRow[]> {
  const groups = filterConditions(listing.filters)
  const base = and([sql<boolean>`p.status = 'ACTIVE'`, ...groups.other])
  const within = (excluded: FilterGroup): RawBuilder<boolean> => and((['category', 'brand', 'price'] as const).filter((group) => group !== excluded).flatMap((group) => groups[group]))
  // Browsing reads the narrow facet index three times; a search collects its matches once, then counts them.
  const source = listing.search === undefined
    ? { with: sql``, from: sql`products p`, where: (excluded: FilterGroup) => and([base, within(excluded)]) }
    : {
        with: sql`matches as materialized (
          select p.id, p.category_id, p.brand_id, p.price_min from products p
           where p.search_document @@ ${listing.search.query}::tsquery and ${base}
        ),`,
        from: sql`matches p`,
        where: within
      }
  const parentCondition = listing.filters.category === undefined
    ? sql<boolean>`c.parent_id is null`
    : sql<boolean>`c.parent_id = (select id from categories where id::text = ${listing.filters.category} or slug = ${listing.filters.category})`
  return (await sql<FacetRow>`
    with recursive ${source.with} roots as (
      select c.id, c.slug, c.name from categories c where ${parentCondition}
    ), subtree(root, id) as (
      select id, id from roots
      union all
      select s.root, c.id from categories c join subtree s on c.parent_id = s.id
    )
    select 'category' as kind, r.id, r.slug, r.name, null::int as band, count(*) as count
      from ${source.from} join subtree s on s.id = p.category_id join roots r on r.id = s.root
     where ${source.where('category')} group by r.id, r.slug, r.name
    union all
    select 'brand', b.id, b.slug, b.name, null, count(*)
      from ${source.from} join brands b on b.id = p.brand_id
     where ${source.where('brand')} group by b.id, b.slug, b.name
    union all
    select 'price', null, null, null, width_bucket(p.price_min, ${bands}::int[]) - 1, count(*)
      from ${source.from}
     where ${source.where('price')} group by 5`.execute(em.getKysely({ type: 'read' }))).rows
}

export interface SuggestionRow {
  kind: 'product' | 'category'
  id: string
  slug: string
  name: string
}

/** A search box's words as prefix tsqueries: on product names (weight A), and on any text. Null for stop words only. */
export interface PrefixQueries {
  name: string
  any: string
}

export async function resolvePrefixQueries (em: EntityManager, terms: string[]): Promise<PrefixQueries | null> {
  const prefixes = (weights: string): RawBuilder<string> =>
    sql<string>`to_tsquery('commerce_search', (select string_agg(quote_literal(unaccent(term)) || ':*' || ${weights}, ' & ') from unnest(${terms}::text[]) as term))::text`
  const { rows: [queries] } = await sql<PrefixQueries>`select ${prefixes('A')} as name, ${prefixes('')} as any`.execute(em.getKysely({ type: 'read' }))
  return queries === undefined || queries.any === '' ? null : queries
}

/** Up to six popular `ACTIVE` products and four categories whose names have a word starting with each typed word. */
export async function findSuggestions (em: EntityManager, queries: PrefixQueries): Promise<SuggestionRow[]> {
  return (await sql<SuggestionRow>`
    (select 'product' as kind, p.id, p.slug, p.name from products p
      where p.status = 'ACTIVE' and p.search_document @@ ${queries.name}::tsquery
      order by p.units_sold desc, p.id desc limit 6)
    union all
    (select 'category', c.id, c.slug, c.name from categories c
      where to_tsvector('commerce_search', c.name) @@ ${queries.any}::tsquery
      order by c.position, c.name limit 4)`.execute(em.getKysely({ type: 'read' }))).rows
}
