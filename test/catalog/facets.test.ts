import t, { type Test } from 'tap'
import {
  browseAll, buildCatalog, createBrand, createCategory, createProduct, searchAll,
  type BrowseQuery, type CatalogHarness, type ProductListPage
} from '../helpers/catalog.js'

const BASE = '/api/v1/products'
const SEARCH = '/api/v1/products/search'

/** A browse, or a search when `q` is given. */
type Listing = BrowseQuery & { q?: string }

async function firstPage (harness: CatalogHarness, listing: Listing): Promise<ProductListPage> {
  const { q, ...query } = listing
  const { data, error } = q === undefined
    ? await harness.api.GET(BASE, { params: { query } })
    : await harness.api.GET(SEARCH, { params: { query: { ...query, q } } })
  if (data === undefined) throw new Error(`${JSON.stringify(listing)} failed: ${JSON.stringify(error)}`)
  return data
}

/** How many products the listing returns, over all its pages. */
async function countOf (harness: CatalogHarness, listing: Listing): Promise<number> {
  const { q, ...query } = listing
  return (q === undefined ? await browseAll(harness, query) : await searchAll(harness, { ...query, q })).length
}

type CategoryKey = 'home' | 'furniture' | 'chairs' | 'lighting' | 'garden' | 'outdoor' | 'empty'
type BrandKey = 'nordwood' | 'alder' | 'birch' | 'ghost'
const PARENT: Record<CategoryKey, CategoryKey | null> = { home: null, furniture: 'home', chairs: 'furniture', lighting: 'home', garden: null, outdoor: 'garden', empty: null }
const CATEGORY_NAMES: Record<CategoryKey, string> = { home: 'Home', furniture: 'Furniture', chairs: 'Chairs', lighting: 'Lighting', garden: 'Garden', outdoor: 'Outdoor', empty: 'Empty' }
const BRAND_NAMES: Record<BrandKey, string> = { nordwood: 'Nordwood', alder: 'Alder', birch: 'Birch', ghost: 'Ghost' }

interface Stocked { name: string, category?: CategoryKey, brand?: BrandKey, price: number, stock: number, tags: string[], description?: string }
// Prices sit on both sides of band edges (2499/2500, 4999/5000); Empty and Ghost have no products.
const PRODUCTS: Stocked[] = [
  { name: 'Oak Chair', category: 'chairs', brand: 'nordwood', price: 12900, stock: 5, tags: ['Oak', 'Handmade'] },
  { name: 'Oak Stool', category: 'chairs', brand: 'alder', price: 4999, stock: 0, tags: ['Oak'] },
  { name: 'Pine Bench', category: 'furniture', brand: 'birch', price: 5000, stock: 2, tags: ['Handmade'] },
  { name: 'Oak Table', category: 'furniture', brand: 'nordwood', price: 25000, stock: 1, tags: ['Oak', 'Handmade'] },
  { name: 'Desk Lamp', category: 'lighting', brand: 'alder', price: 2500, stock: 3, tags: ['Handmade'] },
  { name: 'Oak Floor Lamp', category: 'lighting', brand: 'nordwood', price: 2499, stock: 4, tags: ['Oak'] },
  { name: 'Candle', category: 'home', price: 999, stock: 10, tags: ['Handmade'] },
  { name: 'Oak Planter', category: 'outdoor', brand: 'birch', price: 60000, stock: 2, tags: ['Oak', 'Handmade'] },
  { name: 'Garden Hose', category: 'garden', brand: 'alder', price: 150000, stock: 1, tags: [] },
  { name: 'Mug', brand: 'nordwood', price: 1500, stock: 1, tags: ['Handmade'], description: 'A mug with an oak handle.' },
  { name: 'Oak Plank', price: 100000, stock: 0, tags: ['Oak'] }
]

interface Catalog { harness: CatalogHarness, categories: Record<CategoryKey, { id: string, slug: string }>, brands: Record<BrandKey, { id: string, slug: string }> }

async function createCatalog (t: Test): Promise<Catalog> {
  const harness = await buildCatalog(t)
  const categories = {} as Catalog['categories']
  for (const key of Object.keys(PARENT) as CategoryKey[]) {
    const parent = PARENT[key]
    categories[key] = await createCategory(harness, CATEGORY_NAMES[key], parent === null ? null : categories[parent].id)
  }
  const brands = {} as Catalog['brands']
  for (const key of Object.keys(BRAND_NAMES) as BrandKey[]) brands[key] = await createBrand(harness, BRAND_NAMES[key])
  for (const product of [...PRODUCTS, { ...PRODUCTS[0]!, name: 'Oak Throne', status: 'DRAFT' as const }]) {
    const { category, brand, ...fields } = product
    await createProduct(harness, {
      ...fields,
      ...(category === undefined ? {} : { categoryId: categories[category].id }),
      ...(brand === undefined ? {} : { brandId: brands[brand].id })
    })
  }
  return { harness, categories, brands }
}

/**
 * The contract of facets: each value's count is what the listing returns with that group's parameter set to
 * the value instead; categories are the selected category's children (or the roots), and a value is listed
 * exactly when it has results.
 */
async function checkFacets (t: Test, { harness, categories, brands }: Catalog, listing: Listing): Promise<void> {
  const label = JSON.stringify(listing)
  const page = await firstPage(harness, { ...listing, facets: true })
  const facets: ProductListPage['facets'] = page.facets
  t.ok(facets, `${label}: facets, as asked for`)
  if (facets === undefined) return

  const selected = (Object.keys(PARENT) as CategoryKey[]).find((key) => categories[key].id === listing.category || categories[key].slug === listing.category) ?? null
  const children = (Object.keys(PARENT) as CategoryKey[]).filter((key) => PARENT[key] === selected)
  for (const child of children) {
    const listed: { count: number } | undefined = facets.categories.find((facet) => facet.id === categories[child].id)
    const count = await countOf(harness, { ...listing, category: categories[child].slug })
    t.equal(listed?.count ?? 0, count, `${label}: category ${child} counts what category=${categories[child].slug} returns`)
  }
  t.ok(facets.categories.every((facet) => children.some((child) => categories[child].id === facet.id) && facet.count > 0), `${label}: only child categories with results`)

  for (const key of Object.keys(BRAND_NAMES) as BrandKey[]) {
    const listed: { count: number } | undefined = facets.brands.find((facet) => facet.id === brands[key].id)
    const count = await countOf(harness, { ...listing, brand: [brands[key].slug] })
    t.equal(listed?.count ?? 0, count, `${label}: brand ${key} counts what brand=${brands[key].slug} returns`)
  }
  t.ok(facets.brands.every((facet) => facet.count > 0), `${label}: only brands with results`)

  const { minPrice, maxPrice, ...unpriced } = listing
  for (const band of facets.priceBands) {
    const count = await countOf(harness, { ...unpriced, minPrice: band.minPrice, ...(band.maxPrice === null ? {} : { maxPrice: band.maxPrice }) })
    t.equal(band.count, count, `${label}: price band ${band.minPrice}-${band.maxPrice ?? ''} counts what it returns`)
    t.ok(band.count > 0, `${label}: only bands with results`)
  }
  const bandTotal = facets.priceBands.reduce((sum, band) => sum + band.count, 0)
  t.equal(bandTotal, await countOf(harness, unpriced), `${label}: the bands hold every result of any price (${minPrice ?? '-'}..${maxPrice ?? '-'} set aside)`)
}

t.test('each facet count is what choosing that value returns, for browse and search, with other filters active', async (t) => {
  const catalog = await createCatalog(t)
  const { harness, categories, brands } = catalog

  const roots = (await firstPage(harness, { facets: true })).facets
  t.same(roots?.categories.map((facet) => [facet.name, facet.count]).toSorted(), [['Garden', 2], ['Home', 7]], 'the roots, each counting its whole subtree; Empty has no results')
  t.same(roots?.brands.map((facet) => [facet.name, facet.count]).toSorted(), [['Alder', 3], ['Birch', 2], ['Nordwood', 4]], 'brands with products; never DRAFT ones')
  const home = (await firstPage(harness, { category: 'home', facets: true })).facets
  t.same(home?.categories.map((facet) => [facet.name, facet.count]).toSorted(), [['Furniture', 4], ['Lighting', 2]], 'children of the selected category, Chairs counted in Furniture')

  const listings: Listing[] = [
    {},
    { category: 'home' },
    { category: 'home', tag: ['handmade'], minPrice: 2000, maxPrice: 30000 },
    { category: categories.furniture.id, brand: [brands.nordwood.slug, brands.alder.slug] },
    { brand: [brands.nordwood.slug, brands.birch.id], inStock: true },
    { category: 'chairs', minPrice: 5000 },
    { q: 'oak' },
    { q: 'oak', category: 'home', brand: [brands.nordwood.slug, brands.alder.slug], tag: ['HANDMADE'], maxPrice: 50000 },
    { q: 'oak', minPrice: 2500, inStock: true },
    { q: 'lamp', brand: [brands.alder.slug, brands.nordwood.slug, brands.ghost.slug], maxPrice: 2499 }
  ]
  for (const listing of listings) await checkFacets(t, catalog, listing)
})

t.test('facets come only when asked for, and only on the first page', async (t) => {
  const { harness } = await createCatalog(t)
  for (const listing of [{}, { q: 'oak' }] as Listing[]) {
    const label = listing.q === undefined ? 'browse' : 'search'
    t.notOk('facets' in await firstPage(harness, listing), `${label}: none unless asked for`)
    t.notOk('facets' in await firstPage(harness, { ...listing, facets: false }), `${label}: none with facets=false`)
    const first = await firstPage(harness, { ...listing, facets: true, limit: 2 })
    t.ok(first.facets !== undefined && first.facets.brands.length > 0, `${label}: on the first page with facets=true`)
    const second = await firstPage(harness, { ...listing, facets: true, limit: 2, cursor: first.nextCursor! })
    t.equal(second.items.length, 2)
    t.notOk('facets' in second, `${label}: not on the next pages`)
  }
  for (const q of ['!!!', 'the of']) {
    t.same(await firstPage(harness, { q, facets: true }), { items: [], nextCursor: null, facets: { categories: [], brands: [], priceBands: [] } }, `"${q}": empty facets for an empty search`)
  }
})
