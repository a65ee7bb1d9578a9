import t from 'tap'
import {
  buildCatalog, createBrand, createCategory, createProduct, searchAll, searchPages, setSalesAndRating,
  type CatalogHarness, type SearchQuery
} from '../helpers/catalog.js'
import { validationProblem } from '../helpers/problems.js'

const SEARCH = '/api/v1/products/search'
const SUGGEST = '/api/v1/search/suggest'
const names = (items: Array<{ name: string }>): string[] => items.map((item) => item.name)

t.test('words are stemmed, unaccented, matched as prefixes and corrected from the catalog\'s own words', async (t) => {
  const harness = await buildCatalog(t)
  const { api } = harness
  for (const name of ['Oak Chair', 'Café Table', 'Cafe Stool', 'Oak Table', 'Hand Towel']) await createProduct(harness, { name })
  await createProduct(harness, { name: 'Oak Bench', status: 'DRAFT' })
  const found = async (q: string): Promise<string[]> => names(await searchAll(harness, { q })).toSorted()

  const expectations: Array<[string, string[], string]> = [
    ['chairs', ['Oak Chair'], 'a plural finds the singular'],
    ['cafe', ['Cafe Stool', 'Café Table'], 'a plain word finds the accented name'],
    ['café', ['Cafe Stool', 'Café Table'], 'an accented word finds the plain name'],
    ['CAFÉ table', ['Café Table'], 'case and accents aside, every word must match'],
    ['chai', ['Oak Chair'], 'a word matches as a prefix'],
    ['oak', ['Oak Chair', 'Oak Table'], 'never a DRAFT product'],
    ['oak ta', ['Oak Table'], 'with several words, each a prefix, every one must match'],
    ['oak stool', [], 'no product has both words'],
    ['chiar', ['Oak Chair'], 'a misspelt word is corrected'],
    ['oak chiar', ['Oak Chair'], 'also among correct words'],
    ['xylophone', [], 'a word matching nothing']
  ]
  for (const [q, expected, label] of expectations) t.same(await found(q), expected, `${q}: ${label}`)

  t.same(await found('lantren'), [], 'no catalog word is near this misspelling yet')
  await createProduct(harness, { name: 'Storm Lantern' })
  t.same(await found('lantren'), ['Storm Lantern'], 'once the catalog has the word, the misspelling finds it')

  // "Hand Towel" puts `hand` one letter from the stop word `and`.
  for (const q of ['the and of', 'of the', 'the', '!!! ...', '  ']) {
    const { data, response } = await api.GET(SEARCH, { params: { query: { q } } })
    t.equal(response.status, 200, `"${q}" is no error`)
    t.same(data, { items: [], nextCursor: null }, `"${q}": only stop words or punctuation, an empty page`)
  }

  const missing = await api.GET(SEARCH, { params: { query: {} as SearchQuery } })
  t.equal(missing.response.status, 400, 'q is required')
  t.same(missing.error, validationProblem(SEARCH, [{ pointer: '/query/q', detail: 'must have required property \'q\'' }]))
  const empty = await api.GET(SEARCH, { params: { query: { q: '' } } })
  t.same(empty.error, validationProblem(`${SEARCH}?q=`, [{ pointer: '/query/q', detail: 'must NOT have fewer than 1 characters' }]), 'and not empty')
})

interface Walnut { name: string, tier: 0 | 1 | 2 | 3, unitsSold: number, price: number, rating: [number, number], stock?: number, brand?: true, category?: true, tags?: string[], description?: string }
// Expected relevance: name matches, then brand/tag/category matches, then description matches, each by popularity.
const WALNUT: Walnut[] = [
  { name: 'Walnut Shelf', tier: 1, unitsSold: 0, price: 9000, rating: [3, 1], brand: true },
  { name: 'Chest of Drawers', tier: 3, unitsSold: 100, price: 20000, rating: [4, 8], description: 'Drawers of solid walnut.' },
  { name: 'Reading Chair', tier: 2, unitsSold: 50, price: 15000, rating: [4.8, 20], brand: true },
  { name: 'Side Table', tier: 2, unitsSold: 1, price: 4000, rating: [2.5, 2], tags: ['Walnut'] },
  { name: 'Pine Desk', tier: 0, unitsSold: 500, price: 5000, rating: [5, 3], description: 'Pine, with oak legs.' },
  { name: 'Cabinet', tier: 2, unitsSold: 2, price: 30000, rating: [1, 1], category: true, stock: 0 },
  { name: 'Writing Desk', tier: 3, unitsSold: 7, price: 12000, rating: [3.5, 6], description: 'A walnut veneer top.' },
  { name: 'Walnut Bowl', tier: 1, unitsSold: 4, price: 2500, rating: [4.2, 9] }
]
const RELEVANCE = ['Walnut Bowl', 'Walnut Shelf', 'Reading Chair', 'Cabinet', 'Side Table', 'Chest of Drawers', 'Writing Desk']
const ORDER: Record<'price_asc' | 'price_desc' | 'rating' | 'popularity', (a: Walnut, b: Walnut) => number> = {
  price_asc: (a, b) => a.price - b.price,
  price_desc: (a, b) => b.price - a.price,
  rating: (a, b) => b.rating[0] - a.rating[0],
  popularity: (a, b) => b.unitsSold - a.unitsSold
}

async function createWalnuts (harness: CatalogHarness): Promise<void> {
  const brand = await createBrand(harness, 'Walnut Works')
  const category = await createCategory(harness, 'Walnut Furniture')
  for (const product of WALNUT) {
    const created = await createProduct(harness, {
      name: product.name,
      price: product.price,
      stock: product.stock ?? 5,
      ...(product.brand === true ? { brandId: brand.id } : {}),
      ...(product.category === true ? { categoryId: category.id } : {}),
      ...(product.tags === undefined ? {} : { tags: product.tags }),
      ...(product.description === undefined ? {} : { description: product.description })
    })
    await setSalesAndRating(harness, created.id, { unitsSold: product.unitsSold, rating: product.rating })
  }
  const draft = await createProduct(harness, { name: 'Walnut Tray', status: 'DRAFT', brandId: brand.id })
  await setSalesAndRating(harness, draft.id, { unitsSold: 1000 })
}

t.test('relevance ranks name, then brand/tag/category, then description matches; filters and sorts apply too', async (t) => {
  const harness = await buildCatalog(t)
  await createWalnuts(harness)

  t.same(names(await searchAll(harness, { q: 'walnut' })), RELEVANCE, 'by match tier, each tier by popularity')
  t.same(names(await searchAll(harness, { q: 'walnut', sort: 'relevance' })), RELEVANCE, 'relevance is the default')
  for (const limit of [1, 2, 3]) {
    const pages = await searchPages(harness, { q: 'walnut' }, limit)
    t.ok(pages.every((page) => page.items.length === limit || page.nextCursor === null), `limit ${limit}: full pages until the last`)
    t.same(names(pages.flatMap((page) => page.items)), RELEVANCE, `limit ${limit}: pages across the tiers give each match once, in order`)
  }
  t.same(names(await searchAll(harness, { q: 'walnut chair' })), ['Reading Chair'], 'words may match in different fields')
  t.same(names(await searchAll(harness, { q: 'drawers walnut' })), ['Chest of Drawers'])

  const matches = WALNUT.filter((product) => product.tier > 0)
  const relevant = (keeps: (product: Walnut) => boolean): string[] => RELEVANCE.filter((name) => keeps(matches.find((product) => product.name === name)!))
  const filtered: Array<[Omit<SearchQuery, 'q'>, (product: Walnut) => boolean]> = [
    [{ maxPrice: 15000 }, (product) => product.price <= 15000],
    [{ minPrice: 4000, maxPrice: 20000 }, (product) => product.price >= 4000 && product.price <= 20000],
    [{ brand: ['walnut-works'] }, (product) => product.brand === true],
    [{ category: 'walnut-furniture' }, (product) => product.category === true],
    [{ tag: ['WALNUT'] }, (product) => product.tags !== undefined],
    [{ inStock: true }, (product) => product.stock !== 0],
    [{ minRating: 4 }, (product) => product.rating[0] >= 4],
    [{ brand: ['walnut-works'], minRating: 4 }, (product) => product.brand === true && product.rating[0] >= 4]
  ]
  for (const [filters, keeps] of filtered) {
    t.same(names(await searchAll(harness, { q: 'walnut', ...filters })), relevant(keeps), `walnut with ${JSON.stringify(filters)}`)
  }

  const priced = matches.filter((product) => product.price >= 4000)
  t.same(names(await searchAll(harness, { q: 'walnut', minPrice: 4000, sort: 'newest' })), names(priced.toReversed()), 'newest, with a price filter')
  for (const [sort, order] of Object.entries(ORDER) as Array<[keyof typeof ORDER, (a: Walnut, b: Walnut) => number]>) {
    const expected = names(priced.toSorted(order))
    t.same(names(await searchAll(harness, { q: 'walnut', minPrice: 4000, sort })), expected, `${sort}, with a price filter`)
    t.same(names(await searchAll(harness, { q: 'walnut', minPrice: 4000, sort }, 2)), expected, `${sort}: its pages too`)
  }

  const first = await harness.api.GET(SEARCH, { params: { query: { q: 'walnut', limit: 2 } } })
  const position = JSON.parse(Buffer.from(first.data!.nextCursor!, 'base64url').toString('utf8')) as Record<string, unknown>
  for (const count of [1.5, 1e20]) {
    // A forged count no product could have; a 500 ends only this subtest.
    await t.test(`a relevance cursor whose count is ${count}`, async (t) => {
      const cursor = Buffer.from(JSON.stringify({ ...position, c: count })).toString('base64url')
      const { error, response } = await harness.api.GET(SEARCH, { params: { query: { q: 'walnut', limit: 2, cursor } } })
      t.equal(response.status, 400)
      t.match(error, { code: 'INVALID_CURSOR' })
    })
  }
  // Newcomers in every tier, some more popular than anything there: what was there is walked once, in order.
  await createProduct(harness, { name: 'Walnut Clock', description: 'New.' }).then(async (created) => { await setSalesAndRating(harness, created.id, { unitsSold: 900 }) })
  await createProduct(harness, { name: 'Lamp', tags: ['walnut'] })
  await createProduct(harness, { name: 'Tray', description: 'Walnut.' })
  const walked = names([...first.data!.items, ...(await searchPages(harness, { q: 'walnut', cursor: first.data!.nextCursor! }, 2)).flatMap((page) => page.items)])
  t.equal(new Set(walked).size, walked.length, 'no match twice while products are added')
  t.same(walked.filter((name) => RELEVANCE.includes(name)), RELEVANCE, 'every earlier match once, in order')
})

t.test('a broad word pages through every match', async (t) => {
  const harness = await buildCatalog(t)
  const byName = []
  for (let index = 1; index <= 24; index++) byName.push((await createProduct(harness, { name: `Lamp ${index}`, price: 1000 + (index * 37) % 500 })).name)
  const byTag = [(await createProduct(harness, { name: 'Shade', tags: ['Lamp parts'] })).name]
  const byDescription = []
  for (const name of ['Bulb', 'Cable', 'Switch']) byDescription.push((await createProduct(harness, { name, description: 'Fits any lamp.' })).name)
  const tiers = [byName, byTag, byDescription]

  const { data } = await harness.api.GET(SEARCH, { params: { query: { q: 'lamp' } } })
  t.equal(data?.items.length, 20, 'twenty a page by default')
  t.type(data?.nextCursor, 'string', 'and more to come')
  for (const limit of [20, 7, 100]) {
    const found = names(await searchAll(harness, { q: 'lamp' }, limit))
    t.equal(found.length, 28, `limit ${limit}: every match`)
    t.equal(new Set(found).size, 28, `limit ${limit}: each once`)
    const tierOf = found.map((name) => tiers.findIndex((tier) => tier.includes(name)))
    t.same(tierOf, tierOf.toSorted(), `limit ${limit}: name matches, then tag, then description`)
  }
  const cheapest = await searchAll(harness, { q: 'lamp', sort: 'price_asc' }, 5)
  const prices = cheapest.map((item) => item.priceRange.min.amount)
  t.equal(cheapest.length, 28)
  t.same(prices, prices.toSorted((a, b) => a - b), 'sorted by price across pages')
})

t.test('suggestions: a few ACTIVE product names and categories for a prefix', async (t) => {
  const harness = await buildCatalog(t)
  const { api } = harness
  const oak = ['Oak Chair', 'Oak Table', 'Oak Shelf', 'Oak Bench', 'Oak Stool', 'Oak Desk', 'Oak Bed', 'Oakwood Frame']
  for (const [index, name] of oak.entries()) await setSalesAndRating(harness, (await createProduct(harness, { name })).id, { unitsSold: index })
  // The most popular of all, yet never suggested: not ACTIVE, or "oak" only in the description.
  for (const status of ['DRAFT', 'ARCHIVED'] as const) await setSalesAndRating(harness, (await createProduct(harness, { name: `Oak ${status}`, status })).id, { unitsSold: 1000 })
  await setSalesAndRating(harness, (await createProduct(harness, { name: 'Pine Bench', description: 'Oak legs.' })).id, { unitsSold: 1000 })
  const oakCategories = ['Oak furniture', 'Oak tables', 'Oak chairs', 'Oakwood', 'Solid oak']
  for (const name of [...oakCategories, 'Pine furniture']) await createCategory(harness, name)

  const suggested = await api.GET(SUGGEST, { params: { query: { q: 'oak' } } })
  t.equal(suggested.response.status, 200)
  const products = names(suggested.data!.products)
  t.equal(products.length, 6, 'six product names at most')
  t.ok(products.every((name) => oak.includes(name)), `only ACTIVE products named with the prefix: ${products.join(', ')}`)
  t.equal(new Set(products).size, 6)
  const categories = names(suggested.data!.categories)
  t.equal(categories.length, 4, 'four categories at most')
  t.ok(categories.every((name) => oakCategories.includes(name)), `only categories named with the prefix: ${categories.join(', ')}`)
  t.same(Object.keys(suggested.data!.products[0] ?? {}).toSorted(), ['id', 'name', 'slug'])
  t.equal(suggested.response.headers.get('cache-control'), 'public, max-age=60', 'cached publicly')
  const revalidated = await api.GET(SUGGEST, { params: { query: { q: 'oak' } }, headers: { 'if-none-match': suggested.response.headers.get('etag')! } })
  t.equal(revalidated.response.status, 304, 'and revalidated by its ETag')

  const narrower = await api.GET(SUGGEST, { params: { query: { q: 'OAK ch' } } })
  t.same(narrower.data, { products: [{ id: narrower.data?.products[0]?.id, slug: 'oak-chair', name: 'Oak Chair' }], categories: [{ id: narrower.data?.categories[0]?.id, slug: 'oak-chairs', name: 'Oak chairs' }] }, 'every word a prefix')
  const few = await api.GET(SUGGEST, { params: { query: { q: 'oakw' } } })
  t.same([names(few.data!.products), names(few.data!.categories)], [['Oakwood Frame'], ['Oakwood']])

  for (const q of [' ', '!!!', '-- ..']) {
    const { data, response } = await api.GET(SUGGEST, { params: { query: { q } } })
    t.equal(response.status, 200, `"${q}" is no error`)
    t.same(data, { products: [], categories: [] }, `"${q}": nothing to suggest`)
  }
  const missing = await api.GET(SUGGEST, { params: { query: {} as { q: string } } })
  t.same(missing.error, validationProblem(SUGGEST, [{ pointer: '/query/q', detail: 'must have required property \'q\'' }]), 'q is required')
  const empty = await api.GET(SUGGEST, { params: { query: { q: '' } } })
  t.same(empty.error, validationProblem(`${SUGGEST}?q=`, [{ pointer: '/query/q', detail: 'must NOT have fewer than 1 characters' }]), 'q=, shorter than the spec\'s minLength 1')
})
