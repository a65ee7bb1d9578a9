import t from 'tap'
import { buildCatalog, createProduct } from '../helpers/catalog.js'
import { problem, validationProblem } from '../helpers/problems.js'
import { createCustomer } from '../helpers/shop.js'
import { bulkProducts, fillWishlist, save, saveAllAt, setStatusInDatabase, WISHLIST, wholeWishlist, wishlistPage } from '../helpers/wishlist.js'

t.test('newest first, page after page, stable while products are saved meanwhile', async (t) => {
  const harness = await buildCatalog(t)
  const { api } = harness
  const customer = await createCustomer(harness)
  const products = []
  for (let index = 1; index <= 25; index++) products.push(await createProduct(harness, { name: `Chair ${index}` }))
  for (const product of products) await save(api, customer.headers, product.id)
  const names = (items: Array<{ product: { name: string } }>): string[] => items.map((item) => item.product.name)
  const chairs = (from: number, to: number): string[] => Array.from({ length: from - to + 1 }, (_, index) => `Chair ${from - index}`)

  const first = await wishlistPage(api, customer.headers, { limit: 10 })
  t.same(names(first.items), chairs(25, 16), 'the ten most recently saved')
  t.type(first.nextCursor, 'string')

  const later = [await createProduct(harness, { name: 'Late Lamp' }), await createProduct(harness, { name: 'Late Rug' })]
  for (const product of later) await save(api, customer.headers, product.id)
  await save(api, customer.headers, products[20]!.id)

  const second = await wishlistPage(api, customer.headers, { limit: 10, cursor: first.nextCursor! })
  t.same(names(second.items), chairs(15, 6), 'the next ten: what was saved meanwhile is not in them, nothing repeats')
  const third = await wishlistPage(api, customer.headers, { limit: 10, cursor: second.nextCursor! })
  t.same(names(third.items), chairs(5, 1), 'the last five')
  t.equal(third.nextCursor, null, 'and no further page')

  const all = await wholeWishlist(api, customer.headers, 7)
  t.same(names(all), ['Late Rug', 'Late Lamp', ...chairs(25, 1)], 'read again, the new saves lead; saving Chair 21 again did not move it')
  const addedAt = all.map((item) => Date.parse(item.addedAt))
  t.same(addedAt, [...addedAt].sort((a, b) => b - a), 'addedAt descends')
  t.equal((await wishlistPage(api, customer.headers)).items.length, 20, 'the default page is 20')
})

t.test('drafts are skipped without shortening pages; items saved in the same instant page by id; sub-millisecond instants resume exactly', async (t) => {
  const harness = await buildCatalog(t)
  const { api } = harness
  const customer = await createCustomer(harness)
  const ids = await bulkProducts(harness, 12)
  await fillWishlist(harness, customer.id, ids)
  // Four items saved in one microsecond-precise instant: only the id tells them apart.
  const tied = await bulkProducts(harness, 4)
  await saveAllAt(harness, customer.id, tied, '2026-01-01T00:00:00.123456Z')
  const drafts = [ids[2]!, ids[5]!, ids[6]!, ids[10]!]
  await setStatusInDatabase(harness, drafts, 'DRAFT')

  const visible = ids.filter((id) => !drafts.includes(id)).reverse()
  const pages = []
  let cursor: string | undefined
  do {
    const page = await wishlistPage(api, customer.headers, { limit: 3, ...(cursor === undefined ? {} : { cursor }) })
    pages.push(page.items.map((item) => item.productId))
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined && pages.length < 20)
  t.same(pages.slice(0, 3).map((page) => page.length), [3, 3, 3], 'every page before the last is full, drafts or not')
  const seen = pages.flat()
  t.same(seen.slice(0, visible.length), visible, 'newest first, drafts left out')
  t.same([...seen.slice(visible.length)].sort(), [...tied].sort(), 'then the four saved together, each once')
  t.equal(seen.length, visible.length + tied.length, 'nothing repeated, nothing skipped')
})

t.test('bad page parameters are a 400 naming them', async (t) => {
  const harness = await buildCatalog(t)
  const { app } = harness
  const customer = await createCustomer(harness)
  const get = async (query: string) => await app.inject({ method: 'GET', url: `${WISHLIST}?${query}`, headers: customer.headers })
  const cursorOf = (position: unknown): string => Buffer.from(JSON.stringify(position)).toString('base64url')
  const invalidCursor = (query: string) => problem(400, 'INVALID_CURSOR', 'The cursor is not one this API issued; start again without it.', `${WISHLIST}?${query}`)

  for (const cursor of ['garbage', cursorOf({ at: 'yesterday', id: '01900000-0000-7000-8000-000000000000' }), cursorOf({ at: '2026-01-01T00:00:00.000000Z', id: 'x' }), cursorOf([1, 2]), cursorOf({ after: '01900000-0000-7000-8000-000000000000' })]) {
    const response = await get(`cursor=${cursor}`)
    t.equal(response.statusCode, 400)
    t.same(response.json(), invalidCursor(`cursor=${cursor}`), `the cursor ${cursor.slice(0, 20)}… is refused`)
  }
  for (const [query, errors] of [
    ['limit=0', [{ pointer: '/query/limit', detail: 'must be >= 1' }]],
    ['limit=101', [{ pointer: '/query/limit', detail: 'must be <= 100' }]],
    ['limit=ten', [{ pointer: '/query/limit', detail: 'must be integer' }]],
    ['sort=name', [{ pointer: '/query/sort', detail: 'must NOT have additional properties' }]]
  ] as const) {
    const response = await get(query)
    t.equal(response.statusCode, 400, query)
    t.same(response.json(), validationProblem(`${WISHLIST}?${query}`, [...errors]))
  }
})
