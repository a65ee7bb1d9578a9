import t from 'tap'
import { buildCatalog, createBrand, createCategory, createProduct, setSalesAndRating, usd, type AdminProduct, type CatalogHarness } from '../helpers/catalog.js'
import { ISO_INSTANT, JSON_TYPE, notFound, problem, PROBLEM_JSON, validationProblem } from '../helpers/problems.js'
import { createCustomer, createCustomers } from '../helpers/shop.js'
import { buildGallery, pngImage, uploadImage } from '../helpers/uploads.js'
import { remove, save, savedRows, WISHLIST, wholeWishlist, wishlistPage, type WishlistItem } from '../helpers/wishlist.js'

const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000'
/** A well-formed JWT whose signature is not the shop's. */
const FORGED_TOKEN = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"x","role":"CUSTOMER"}').toString('base64url')}.${Buffer.from('not the signature').toString('base64url')}`
const ON_SALE_404 = (productId: string) => ({ ...notFound(`${WISHLIST}/${productId}`), detail: 'No product with this id is on sale.' })

async function setStatus (harness: CatalogHarness, productId: string, status: 'DRAFT' | 'ACTIVE' | 'ARCHIVED'): Promise<void> {
  const { response, error } = await harness.api.PATCH('/api/v1/admin/products/{id}', { headers: harness.staff, params: { path: { id: productId } }, body: { status } })
  if (response.status !== 200) throw new Error(`setting ${productId} to ${status} answered ${response.status}: ${JSON.stringify(error)}`)
}

/** The summary browsing shows for a product staff just created (no reviews, no image unless given). */
function summaryOf (product: AdminProduct, overrides: Partial<WishlistItem['product']> = {}): WishlistItem['product'] {
  return {
    id: product.id,
    slug: product.slug,
    name: product.name,
    brand: product.brand,
    category: product.category,
    priceRange: product.priceRange,
    available: true,
    rating: { average: 0, count: 0 },
    image: null,
    createdAt: product.createdAt,
    ...overrides
  }
}

t.test('saving a product: 201 with the item, again 200 with the same item; listed with its summary as browsing shows it; removed with 204', async (t) => {
  const harness = await buildGallery(t)
  const { api, app } = harness
  const customer = await createCustomer(harness)
  const brand = await createBrand(harness, 'Nordwood')
  const category = await createCategory(harness, 'Dining chairs')
  const chair = await createProduct(harness, { name: 'Oak Dining Chair', price: 12900, stock: 4, brandId: brand.id, categoryId: category.id })
  const image = await uploadImage(harness, chair.id, pngImage(40, 30), 'image/png', { alt: 'The chair from the front' })
  await setSalesAndRating(harness, chair.id, { rating: [4.5, 12] })

  const first = await app.inject({ method: 'PUT', url: `${WISHLIST}/${chair.id}`, headers: customer.headers })
  t.equal(first.statusCode, 201, 'saved now')
  t.equal(first.headers['content-type'], JSON_TYPE)
  const item = first.json() as WishlistItem
  t.match(item.addedAt, ISO_INSTANT)
  const expectedSummary = summaryOf(chair, {
    brand: { id: brand.id, slug: 'nordwood', name: 'Nordwood' },
    category: { id: category.id, slug: 'dining-chairs', name: 'Dining chairs' },
    priceRange: { min: usd(12900), max: usd(12900) },
    rating: { average: 4.5, count: 12 },
    image: { url: image.url, alt: 'The chair from the front', width: 40, height: 30 }
  })
  t.same(item, { productId: chair.id, addedAt: item.addedAt, availability: 'AVAILABLE', product: expectedSummary })
  const browsed = await api.GET('/api/v1/products', { params: { query: { limit: 100 } } })
  t.same(browsed.data?.items.find((product) => product.id === chair.id), expectedSummary, 'the product is summarised exactly as browsing summarises it')

  const again = await save(api, customer.headers, chair.id)
  t.equal(again.status, 200, 'saving it again is harmless')
  t.same(again.item, item, 'and answers the same item, addedAt unchanged')
  t.same(await savedRows(app, customer.id), [chair.id], 'one row')

  const page = await wishlistPage(api, customer.headers)
  t.same(page, { items: [item], nextCursor: null })

  const removed = await app.inject({ method: 'DELETE', url: `${WISHLIST}/${chair.id}`, headers: customer.headers })
  t.equal(removed.statusCode, 204)
  t.equal(removed.body, '')
  t.same(await wishlistPage(api, customer.headers), { items: [], nextCursor: null })
  t.equal(await remove(api, customer.headers, chair.id), 204, 'removing it again is harmless')
  t.equal(await remove(api, customer.headers, UNKNOWN_ID), 204, 'so is removing a product that does not exist')
  t.same(await savedRows(app, customer.id), [])
  t.equal((await save(api, customer.headers, chair.id)).status, 201, 'once removed, saving it adds it again')
})

t.test('unknown, malformed and draft products are refused with nothing written', async (t) => {
  const harness = await buildCatalog(t)
  const { api, app } = harness
  const customer = await createCustomer(harness)
  const draft = await createProduct(harness, { name: 'Secret Sofa', status: 'DRAFT' })

  const unknown = await api.PUT('/api/v1/me/wishlist/{productId}', { headers: customer.headers, params: { path: { productId: UNKNOWN_ID } } })
  t.equal(unknown.response.status, 404)
  t.equal(unknown.response.headers.get('content-type'), PROBLEM_JSON)
  t.same(unknown.error, ON_SALE_404(UNKNOWN_ID), 'an unknown product is a 404')

  const hidden = await api.PUT('/api/v1/me/wishlist/{productId}', { headers: customer.headers, params: { path: { productId: draft.id } } })
  t.same(hidden.error, ON_SALE_404(draft.id), 'a draft is a 404 like an unknown product: it is not public')

  for (const method of ['PUT', 'DELETE'] as const) {
    for (const bad of ['chair', '12345', `${UNKNOWN_ID}x`, '01900000000070008000000000000000']) {
      const response = await app.inject({ method, url: `${WISHLIST}/${bad}`, headers: customer.headers })
      t.equal(response.statusCode, 400, `${method} with the id ${bad}`)
      t.same(response.json(), validationProblem(`${WISHLIST}/${bad}`, [{ pointer: '/params/productId', detail: 'must match format "uuid"' }]))
    }
  }
  const withBody = await app.inject({ method: 'PUT', url: `${WISHLIST}/${draft.id}`, headers: { ...customer.headers, 'content-type': 'text/plain' }, payload: 'hello' })
  t.equal(withBody.statusCode, 415, 'a body that is not JSON is refused')
  t.same(withBody.json(), problem(415, 'UNSUPPORTED_MEDIA_TYPE', 'The request body must be sent as application/json.', `${WISHLIST}/${draft.id}`))
  t.same(await savedRows(app, customer.id), [], 'no refusal wrote anything')
})

t.test('archived products: not saved (409), but stay listed as unavailable when saved before; drafts are hidden, not forgotten; deleted products leave', async (t) => {
  const harness = await buildCatalog(t)
  const { api, app } = harness
  const customer = await createCustomer(harness)
  const bench = await createProduct(harness, { name: 'Pine Bench', price: 8900, stock: 3 })
  const lamp = await createProduct(harness, { name: 'Brass Lamp', price: 4500, stock: 2 })
  const rug = await createProduct(harness, { name: 'Wool Rug', price: 19900, stock: 1 })
  const gone = await createProduct(harness, { name: 'Old Vase', price: 1500, stock: 1 })
  const retired = await createProduct(harness, { name: 'Retired Table', price: 30000, stock: 5 })
  for (const product of [bench, lamp, rug, gone]) await save(api, customer.headers, product.id)

  await setStatus(harness, retired.id, 'ARCHIVED')
  const archived = await api.PUT('/api/v1/me/wishlist/{productId}', { headers: customer.headers, params: { path: { productId: retired.id } } })
  t.equal(archived.response.status, 409)
  t.same(archived.error, problem(409, 'PRODUCT_ARCHIVED', 'This product is no longer sold and cannot be saved.', `${WISHLIST}/${retired.id}`))

  await setStatus(harness, bench.id, 'ARCHIVED')
  await setStatus(harness, lamp.id, 'DRAFT')
  const { response } = await api.DELETE('/api/v1/admin/products/{id}', { headers: harness.staff, params: { path: { id: gone.id } } })
  t.equal(response.status, 204, 'staff deleted a saved product')

  const items = await wholeWishlist(api, customer.headers)
  t.same(items.map((item) => [item.product.name, item.availability, item.product.available]), [
    ['Wool Rug', 'AVAILABLE', true],
    ['Pine Bench', 'ARCHIVED', false]
  ], 'the archived bench is listed as unavailable, the draft lamp is not listed, the deleted vase is gone')
  t.same(items[1]?.product, summaryOf(bench, { available: false }), 'an archived product keeps its summary')
  t.same(await savedRows(app, customer.id), [bench.id, lamp.id, rug.id], 'the draft stays saved; the deleted product left with its row')

  const resaved = await save(api, customer.headers, bench.id)
  t.same([resaved.status, resaved.item.availability], [200, 'ARCHIVED'], 'saving an archived product already saved is a harmless 200')
  const draftAgain = await api.PUT('/api/v1/me/wishlist/{productId}', { headers: customer.headers, params: { path: { productId: lamp.id } } })
  t.same(draftAgain.error, ON_SALE_404(lamp.id), 'a saved draft is not public either')

  await setStatus(harness, lamp.id, 'ACTIVE')
  t.same((await wholeWishlist(api, customer.headers)).map((item) => item.product.name), ['Wool Rug', 'Brass Lamp', 'Pine Bench'], 'the lamp is back where it was once active again')
  await setStatus(harness, bench.id, 'ACTIVE')
  const [, , benchItem] = await wholeWishlist(api, customer.headers)
  t.same([benchItem?.availability, benchItem?.product.available], ['AVAILABLE', true], 'a product made active again is available again')

  await setStatus(harness, lamp.id, 'DRAFT')
  t.equal(await remove(api, customer.headers, lamp.id), 204, 'a hidden draft can still be removed')
  t.same(await savedRows(app, customer.id), [bench.id, rug.id])
})

t.test('each customer sees and changes only their own wishlist; staff have none; a token is required', async (t) => {
  const harness = await buildCatalog(t)
  const { api, app } = harness
  const [ada, bob] = await createCustomers(harness, 2)
  if (ada === undefined || bob === undefined) throw new Error('no customers')
  const chair = await createProduct(harness, { name: 'Ada Chair' })
  const table = await createProduct(harness, { name: 'Bob Table' })
  await save(api, ada.headers, chair.id)
  await save(api, bob.headers, table.id)
  t.same((await wholeWishlist(api, ada.headers)).map((item) => item.productId), [chair.id])
  t.same((await wholeWishlist(api, bob.headers)).map((item) => item.productId), [table.id])

  t.equal(await remove(api, bob.headers, chair.id), 204, "removing another customer's saved product answers like any absent one")
  t.same(await savedRows(app, ada.id), [chair.id], "and leaves the other customer's wishlist alone")
  t.equal((await save(api, bob.headers, chair.id)).status, 201, "saving a product another customer saved is a new item of one's own")
  t.same(await savedRows(app, ada.id), [chair.id])
  t.same(await savedRows(app, bob.id), [table.id, chair.id])

  const calls = [
    { method: 'GET', url: WISHLIST },
    { method: 'PUT', url: `${WISHLIST}/${chair.id}` },
    { method: 'DELETE', url: `${WISHLIST}/${chair.id}` }
  ] as const
  for (const call of calls) {
    const anonymous = await app.inject(call)
    t.equal(anonymous.statusCode, 401, `${call.method} without a token`)
    t.equal(anonymous.headers['www-authenticate'], 'Bearer')
    t.same(anonymous.json(), problem(401, 'UNAUTHORIZED', 'A valid bearer access token is required.', call.url))
    const forged = await app.inject({ ...call, headers: { authorization: `Bearer ${FORGED_TOKEN}` } })
    t.same(forged.json(), problem(401, 'INVALID_TOKEN', 'The access token is not valid.', call.url), `${call.method} with a forged token`)
    const staff = await app.inject({ ...call, headers: harness.staff })
    t.equal(staff.statusCode, 403, `${call.method} with a staff token`)
    t.same(staff.json(), problem(403, 'FORBIDDEN', 'This operation requires one of the roles CUSTOMER.', call.url))
  }
  t.same(await savedRows(app, ada.id), [chair.id], 'nothing changed')
})
