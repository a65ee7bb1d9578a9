import t, { type Test } from 'tap'
import {
  browseAll, browsePages, buildCatalog, createBrand, createCategory, createProduct, setSalesAndRating, uniqueSku, usd,
  type BrowseQuery, type CatalogHarness
} from '../helpers/catalog.js'
import { problem, validationProblem, PROBLEM_JSON } from '../helpers/problems.js'

const BASE = '/api/v1/products'
const names = (items: Array<{ name: string }>): string[] => items.map((item) => item.name)
const ids = (items: Array<{ id: string }>): string[] => items.map((item) => item.id)

type CategoryKey = 'home' | 'furniture' | 'chairs' | 'garden'
type BrandKey = 'nordwood' | 'alder'
interface Listed { name: string, category?: CategoryKey, brand?: BrandKey, tags: string[], variants: Array<[price: number, stock: number]> }

// Home > Furniture > Chairs, and Garden; listed in creation order.
const LISTED: Listed[] = [
  { name: 'Oak Chair', category: 'chairs', brand: 'nordwood', tags: ['Solid wood', 'Handmade'], variants: [[12900, 5]] },
  { name: 'Pine Stool', category: 'furniture', brand: 'alder', tags: ['Solid wood'], variants: [[4900, 0]] },
  { name: 'Table Lamp', category: 'home', brand: 'nordwood', tags: ['Handmade'], variants: [[2500, 3]] },
  { name: 'Garden Bench', category: 'garden', brand: 'alder', tags: ['Outdoor', 'SOLID WOOD'], variants: [[25000, 2]] },
  { name: 'Plain Mug', tags: [], variants: [[999, 1]] },
  { name: 'Linen Cushion', category: 'furniture', tags: ['Handmade'], variants: [[8000, 2], [3000, 0]] }
]
const SUBTREE: Record<CategoryKey, CategoryKey[]> = { home: ['home', 'furniture', 'chairs'], furniture: ['furniture', 'chairs'], chairs: ['chairs'], garden: ['garden'] }
const lowestPrice = (product: Listed): number => Math.min(...product.variants.map(([price]) => price))
const hasTags = (...tags: string[]) => (product: Listed): boolean => tags.every((tag) => product.tags.some((own) => own.toLowerCase() === tag))

async function createListed (harness: CatalogHarness, product: Listed, categoryIds: Record<CategoryKey, string>, brandIds: Record<BrandKey, string>, status: 'ACTIVE' | 'DRAFT' | 'ARCHIVED' = 'ACTIVE') {
  const options = product.variants.length > 1 ? [{ name: 'Size', values: product.variants.map((_, index) => `S${index}`) }] : []
  return await createProduct(harness, {
    name: product.name,
    status,
    tags: product.tags,
    ...(product.category === undefined ? {} : { categoryId: categoryIds[product.category] }),
    ...(product.brand === undefined ? {} : { brandId: brandIds[product.brand] }),
    options,
    variants: product.variants.map(([price, stock], index) => ({ sku: uniqueSku(), price: usd(price), stock, ...(options.length > 0 ? { optionValues: { Size: `S${index}` } } : {}) }))
  })
}

t.test('only ACTIVE products, and every filter alone and combined with the others', async (t) => {
  const harness = await buildCatalog(t)
  const { api, staff } = harness
  const home = await createCategory(harness, 'Home')
  const furniture = await createCategory(harness, 'Furniture', home.id)
  const categories = { home, furniture, chairs: await createCategory(harness, 'Chairs', furniture.id), garden: await createCategory(harness, 'Garden') }
  const brands = { nordwood: await createBrand(harness, 'Nordwood'), alder: await createBrand(harness, 'Alder') }
  const categoryIds = { home: home.id, furniture: furniture.id, chairs: categories.chairs.id, garden: categories.garden.id }
  const brandIds = { nordwood: brands.nordwood.id, alder: brands.alder.id }
  // Hidden products that every filter below would otherwise match.
  const hidden: Listed = { name: 'Draft Chair', category: 'chairs', brand: 'nordwood', tags: ['Solid wood', 'Handmade', 'Outdoor'], variants: [[5000, 5]] }
  const draft = await createListed(harness, hidden, categoryIds, brandIds, 'DRAFT')
  await createListed(harness, { ...hidden, name: 'Archived Chair' }, categoryIds, brandIds, 'ARCHIVED')
  const created = []
  for (const product of LISTED) created.push(await createListed(harness, product, categoryIds, brandIds))
  const newestFirst = (keeps: (product: Listed) => boolean): string[] => names(LISTED.filter(keeps).reverse())

  const all = await browseAll(harness)
  t.same(names(all), newestFirst(() => true), 'every ACTIVE product, newest first; no DRAFT or ARCHIVED one')
  const [, stool, , , , cushion] = created
  t.same(all.find((item) => item.id === cushion?.id), {
    id: cushion?.id,
    slug: 'linen-cushion',
    name: 'Linen Cushion',
    brand: null,
    category: { id: furniture.id, slug: furniture.slug, name: 'Furniture' },
    priceRange: { min: usd(3000), max: usd(8000) },
    available: true,
    rating: { average: 0, count: 0 },
    image: null,
    createdAt: cushion?.createdAt
  }, 'a summary: price range over the variants, available when any variant has stock')
  t.equal(all.find((item) => item.id === stool?.id)?.available, false, 'a product with no stock is listed as unavailable')

  const inCategory = (key: CategoryKey) => (product: Listed): boolean => product.category !== undefined && SUBTREE[key].includes(product.category)
  const cases: Array<{ group: string, query: BrowseQuery, keeps: (product: Listed) => boolean }> = [
    { group: 'category', query: { category: home.slug }, keeps: inCategory('home') },
    { group: 'category', query: { category: furniture.id }, keeps: inCategory('furniture') },
    { group: 'category', query: { category: categories.chairs.slug }, keeps: inCategory('chairs') },
    { group: 'category', query: { category: categories.garden.id }, keeps: inCategory('garden') },
    { group: 'brand', query: { brand: [brands.nordwood.slug] }, keeps: (product) => product.brand === 'nordwood' },
    { group: 'brand', query: { brand: [brands.nordwood.slug, brands.alder.id] }, keeps: (product) => product.brand !== undefined },
    { group: 'tag', query: { tag: ['solid wood'] }, keeps: hasTags('solid wood') },
    { group: 'tag', query: { tag: ['HANDMADE', ' Solid Wood'] }, keeps: hasTags('handmade', 'solid wood') },
    { group: 'price', query: { minPrice: 2500 }, keeps: (product) => lowestPrice(product) >= 2500 },
    { group: 'price', query: { maxPrice: 4900 }, keeps: (product) => lowestPrice(product) <= 4900 },
    { group: 'price', query: { minPrice: 3000, maxPrice: 12900 }, keeps: (product) => lowestPrice(product) >= 3000 && lowestPrice(product) <= 12900 },
    { group: 'rating', query: { minRating: 0 }, keeps: () => true },
    { group: 'rating', query: { minRating: 1 }, keeps: () => false },
    { group: 'stock', query: { inStock: true }, keeps: (product) => product.variants.some(([, stock]) => stock > 0) }
  ]
  for (const { query, keeps } of cases) t.same(names(await browseAll(harness, query)), newestFirst(keeps), `alone: ${JSON.stringify(query)}`)
  for (const [index, first] of cases.entries()) {
    for (const second of cases.slice(index + 1).filter((other) => other.group !== first.group)) {
      const query = { ...first.query, ...second.query }
      t.same(names(await browseAll(harness, query)), newestFirst((product) => first.keeps(product) && second.keeps(product)), `combined: ${JSON.stringify(query)}`)
    }
  }
  const everything = { category: home.slug, brand: [brands.nordwood.slug, brands.alder.slug], tag: ['solid wood'], minPrice: 3000, maxPrice: 30000, minRating: 0, inStock: true }
  t.same(names(await browseAll(harness, everything)), ['Oak Chair'], 'every filter at once')

  for (const query of [{ category: 'no-such-category' }, { category: '0193b1e4-7c1a-7d2e-9f3a-1b2c3d4e5f60' }, { brand: ['no-such-brand'] }, { tag: ['no such tag'] }, { tag: ['handmade', 'no such tag'] }]) {
    const { data, response } = await api.GET(BASE, { params: { query } })
    t.equal(response.status, 200, `unknown value ${JSON.stringify(query)} is no error`)
    t.same(data, { items: [], nextCursor: null }, 'but an empty page')
  }
  // Prices go up to 1,000,000,000 minor units: the bounds at the top filter like any other, and beyond them is a 400.
  t.same(names(await browseAll(harness, { maxPrice: 1_000_000_000 })), newestFirst(() => true), 'the highest maxPrice keeps every product')
  t.same(names(await browseAll(harness, { minPrice: 1_000_000_000 })), [], 'the highest minPrice keeps none')
  for (const query of [{ maxPrice: 1_000_000_001 }, { minPrice: 2_147_483_648 }]) {
    const { response, error } = await api.GET(BASE, { params: { query } })
    t.equal(response.status, 400, `${JSON.stringify(query)} is out of range`)
    t.equal(error?.errors?.[0]?.detail, 'must be <= 1000000000')
  }
  t.same(names(await browseAll(harness, { brand: ['no-such-brand', brands.alder.slug] })), newestFirst((product) => product.brand === 'alder'), 'an unknown brand among known ones matches nothing itself')

  const chair = created[0]!
  const cheaper = await api.PATCH('/api/v1/admin/products/{id}/variants/{variantId}', { headers: staff, params: { path: { id: chair.id, variantId: chair.variants[0]!.id } }, body: { price: usd(500) } })
  t.equal(cheaper.response.status, 200)
  t.same(names(await browseAll(harness, { maxPrice: 999 })), ['Plain Mug', 'Oak Chair'], 'a variant\'s new price moves its product into another price range')
  const lamp = created[2]!
  await api.PATCH('/api/v1/admin/products/{id}', { headers: staff, params: { path: { id: lamp.id } }, body: { status: 'ARCHIVED' } })
  await api.PATCH('/api/v1/admin/products/{id}', { headers: staff, params: { path: { id: draft.id } }, body: { status: 'ACTIVE' } })
  const listed = names(await browseAll(harness))
  t.notOk(listed.includes('Table Lamp'), 'an archived product leaves the listing')
  t.ok(listed.includes('Draft Chair'), 'a published draft joins it')
})

type Sort = NonNullable<BrowseQuery['sort']>
const SORTS: Sort[] = ['newest', 'price_asc', 'price_desc', 'rating', 'popularity']
interface Ranked { price: number, unitsSold: number, rating: [number, number] }
const RANKED: Ranked[] = [
  { price: 1500, unitsSold: 5, rating: [4.5, 10] },
  { price: 900, unitsSold: 0, rating: [4.5, 3] },
  { price: 1500, unitsSold: 12, rating: [0, 0] },
  { price: 3000, unitsSold: 5, rating: [3.25, 4] },
  { price: 900, unitsSold: 3, rating: [4.5, 10] },
  { price: 2000, unitsSold: 0, rating: [5, 1] },
  { price: 1500, unitsSold: 12, rating: [2, 2] },
  { price: 4000, unitsSold: 1, rating: [0, 0] }
]
/** What each sort orders by, as numbers to sort ascending. */
const SORT_KEY: Record<Exclude<Sort, 'newest'>, (product: Ranked) => number[]> = {
  price_asc: (product) => [product.price],
  price_desc: (product) => [-product.price],
  rating: (product) => [-product.rating[0], -product.rating[1]],
  popularity: (product) => [-product.unitsSold]
}
const byKeys = (a: number[], b: number[]): number => a.map((value, index) => value - (b[index] ?? 0)).find((difference) => difference !== 0) ?? 0

async function createRanked (harness: CatalogHarness, ranked: Map<string, Ranked>, product: Ranked): Promise<void> {
  const created = await createProduct(harness, { name: `Ranked ${ranked.size + 1}`, price: product.price })
  await setSalesAndRating(harness, created.id, { unitsSold: product.unitsSold, rating: product.rating })
  ranked.set(created.id, product)
}

t.test('every sort orders by its value, and its pages walk every product once, even while products are added', async (t) => {
  const harness = await buildCatalog(t)
  const { api } = harness
  const ranked = new Map<string, Ranked>()
  for (const product of RANKED) await createRanked(harness, ranked, product)
  const created = [...ranked.keys()]

  const byDefault = await browseAll(harness)
  t.same(ids(byDefault), created.toReversed(), 'newest first by default')
  t.same(ids(await browseAll(harness, { sort: 'newest' })), created.toReversed(), 'and with sort=newest')
  for (const [sort, key] of Object.entries(SORT_KEY) as Array<[Exclude<Sort, 'newest'>, (product: Ranked) => number[]]>) {
    const items = await browseAll(harness, { sort })
    t.same(ids(items).toSorted(), created.toSorted(), `${sort}: every product`)
    t.same(items.map((item) => key(ranked.get(item.id)!)), [...ranked.values()].map(key).sort(byKeys), `${sort}: in order`)
  }
  for (const minRating of [4.5, 3.25, 5]) {
    const rated = created.filter((id) => ranked.get(id)!.rating[0] >= minRating)
    t.same(ids(await browseAll(harness, { minRating })).toSorted(), rated.toSorted(), `minRating=${minRating} keeps ratings at or above it`)
  }

  for (const sort of SORTS) {
    const whole = ids(await browseAll(harness, { sort }))
    for (const limit of [1, 3, 4]) {
      const pages = await browsePages(harness, { sort }, limit)
      t.ok(pages.every((page) => page.items.length <= limit && page.items.length > 0), `${sort}, limit ${limit}: full pages, no empty last page`)
      t.same(ids(pages.flatMap((page) => page.items)), whole, `${sort}, limit ${limit}: every product once, in order`)
    }
  }

  for (const sort of SORTS) {
    const before = ids(await browseAll(harness, { sort }))
    const first = await api.GET(BASE, { params: { query: { sort, limit: 3 } } })
    // Newcomers that sort before the cursor, after it, and level with what is there.
    for (const product of [{ price: 100, unitsSold: 50, rating: [5, 50] }, { price: 99999, unitsSold: 0, rating: [0, 0] }, { price: 1500, unitsSold: 5, rating: [4.5, 10] }] as Ranked[]) {
      await createRanked(harness, ranked, product)
    }
    const rest = await browsePages(harness, { sort, cursor: first.data!.nextCursor! }, 3)
    const walked = ids([...first.data!.items, ...rest.flatMap((page) => page.items)])
    t.equal(new Set(walked).size, walked.length, `${sort}: no product twice`)
    t.same(walked.filter((id) => before.includes(id)), before, `${sort}: everything there before, once and in order`)
  }
})

t.test('bad input is a 400 problem: cursors belong to their query, limits and values stay in range', async (t) => {
  const harness = await buildCatalog(t)
  const { api } = harness
  const brand = await createBrand(harness, 'Nordwood')
  for (const price of [1000, 2000, 3000]) await createProduct(harness, { name: `Lamp ${price}`, price, brandId: brand.id })
  const first = await api.GET(BASE, { params: { query: { sort: 'price_asc', limit: 1 } } })
  const cursor = first.data!.nextCursor!
  const next = await api.GET(BASE, { params: { query: { sort: 'price_asc', limit: 2, cursor } } })
  t.same(names(next.data!.items), ['Lamp 2000', 'Lamp 3000'], 'a cursor serves its own query, whatever the page size')

  const refuse = async (t: Test, query: Record<string, string | number>, label: string): Promise<void> => {
    const { error, response } = await api.GET(BASE, { params: { query: query as BrowseQuery } })
    t.equal(response.status, 400, label)
    t.equal(response.headers.get('content-type'), PROBLEM_JSON)
    const instance = `${BASE}?${Object.entries(query).map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('&')}`
    t.same(error, problem(400, 'INVALID_CURSOR', 'The cursor is not one this API issued; start again without it.', instance), label)
  }
  await refuse(t, { sort: 'price_desc', cursor }, 'another sort')
  await refuse(t, { cursor }, 'the default sort')
  await refuse(t, { sort: 'price_asc', brand: brand.slug, cursor }, 'another filter')
  await refuse(t, { sort: 'price_asc', minPrice: 0, cursor }, 'even one that changes nothing')
  const searched = await api.GET('/api/v1/products/search', { params: { query: { q: 'lamp', sort: 'price_asc', cursor } } })
  t.equal(searched.response.status, 400, 'a browse cursor is no search cursor')
  const position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>
  const forge = (changes: Record<string, unknown>): string => Buffer.from(JSON.stringify({ ...position, ...changes })).toString('base64url')
  for (const forged of ['garbage', Buffer.from('[1]').toString('base64url'), forge({ v: 'cheap' }), forge({ v: null }), forge({ id: 'not-a-uuid' }), forge({ q: 'other' })]) {
    await refuse(t, { sort: 'price_asc', cursor: forged }, `malformed cursor ${forged}`)
  }
  // Numbers no price or count could be; each in its own subtest, as a 500 ends the test it happens in.
  for (const changes of [{ v: 1.5 }, { v: 1e20 }]) {
    await t.test(`a cursor whose price is ${changes.v}`, async (t) => { await refuse(t, { sort: 'price_asc', cursor: forge(changes) }, 'is refused') })
  }

  const invalid: Array<[Record<string, string | number>, string, string]> = [
    [{ limit: 0 }, '/query/limit', 'must be >= 1'],
    [{ limit: 101 }, '/query/limit', 'must be <= 100'],
    [{ limit: 'Infinity' }, '/query/limit', 'must be a finite number written in decimal digits'],
    [{ colour: 'red' }, '/query/colour', 'must NOT have additional properties'],
    [{ sort: 'name' }, '/query/sort', 'must be equal to one of the allowed values'],
    [{ sort: 'relevance' }, '/query/sort', 'must be equal to one of the allowed values'],
    [{ minPrice: -1 }, '/query/minPrice', 'must be >= 0'],
    [{ minRating: 6 }, '/query/minRating', 'must be <= 5']
  ]
  for (const [query, pointer, detail] of invalid) {
    const { error, response } = await api.GET(BASE, { params: { query: query as BrowseQuery } })
    const [[name, value]] = Object.entries(query) as [[string, string | number]]
    t.equal(response.status, 400, `${name}=${value}`)
    t.same(error, validationProblem(`${BASE}?${name}=${value}`, [{ pointer, detail }]))
  }
})

t.test('a listing is cached publicly and revalidated by its ETag', async (t) => {
  const harness = await buildCatalog(t)
  const { api, staff } = harness
  const lamp = await createProduct(harness, { name: 'Desk Lamp' })
  await createProduct(harness, { name: 'Floor Lamp' })
  const fresh = await api.GET(BASE)
  t.equal(fresh.response.status, 200)
  t.equal(fresh.response.headers.get('cache-control'), 'public, max-age=60')
  const etag = fresh.response.headers.get('etag')
  t.match(etag, /^(W\/)?"[^"]+"$/, 'an entity tag')

  const revalidated = await api.GET(BASE, { headers: { 'if-none-match': etag! } })
  t.equal(revalidated.response.status, 304, 'unchanged: 304')
  t.equal(revalidated.data, undefined, 'with no body')
  t.equal(revalidated.response.headers.get('etag'), etag)

  const renamed = await api.PATCH('/api/v1/admin/products/{id}', { headers: staff, params: { path: { id: lamp.id } }, body: { name: 'Reading Lamp' } })
  t.equal(renamed.response.status, 200)
  const changed = await api.GET(BASE, { headers: { 'if-none-match': etag! } })
  t.equal(changed.response.status, 200, 'after a product changes, the old tag no longer matches')
  t.not(changed.response.headers.get('etag'), etag, 'a new tag')
  t.same(names(changed.data!.items), ['Floor Lamp', 'Reading Lamp'])
  const again = await api.GET(BASE, { headers: { 'if-none-match': changed.response.headers.get('etag')! } })
  t.equal(again.response.status, 304, 'and the new tag revalidates')
})
