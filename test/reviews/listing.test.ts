import t from 'tap'
import { createProduct } from '../helpers/catalog.js'
import { deliverOrder } from '../helpers/fulfilment.js'
import { JSON_TYPE, notFound, problem, validationProblem } from '../helpers/problems.js'
import { buildShop, createCustomers, placeOrder, sellable } from '../helpers/shop.js'
import { everyReviewPage, moderate, writeReview, type Review } from '../helpers/reviews.js'

const harness = await buildShop(t)
const { app } = harness

// One product with seven published reviews, two by customers who received it, and one hidden review.
const product = await sellable(harness, 2500, 50, 'Listed Stool')
const RATINGS = [5, 3, 4, 5, 1, 4, 2]
const customers = await createCustomers(harness, RATINGS.length + 1)
for (const index of [0, 2]) await deliverOrder(harness, (await placeOrder(harness, customers[index]!, product.variantId)).id)
const written: Review[] = []
for (const [index, rating] of RATINGS.entries()) written.push(await writeReview(harness, customers[index]!.headers, product.id, { rating, title: `Review ${index}` }))
const hidden = await writeReview(harness, customers[RATINGS.length]!.headers, product.id, { rating: 1 })
await moderate(harness, hidden.id, 'HIDDEN', 'Spam.')
const other = await createProduct(harness)
await writeReview(harness, customers[0]!.headers, other.id, { rating: 1 })

const url = `/api/v1/products/${product.id}/reviews`
const titles = (reviews: Review[]) => reviews.map((review) => review.title)
const newestFirst = [...written].reverse()
/** Rating order, ties newest first. */
const byRating = (direction: 1 | -1) => [...newestFirst].sort((a, b) => direction * (a.rating - b.rating))
const SUMMARY = { average: 3.43, count: 7, histogram: { 1: 1, 2: 1, 3: 1, 4: 2, 5: 2 } }

t.test('the list shows published reviews newest first, with the summary of all of them', async (t) => {
  const answer = await app.inject({ method: 'GET', url })
  t.equal(answer.statusCode, 200)
  t.equal(answer.headers['content-type'], JSON_TYPE)
  const page = answer.json()
  t.same(titles(page.items), titles(newestFirst), 'the hidden review and other products\' are not listed')
  t.same(page.items[0], written.at(-1), 'items are the reviews as written')
  t.equal(page.nextCursor, null)
  t.same(page.summary, SUMMARY)
  const { data } = await harness.api.GET('/api/v1/products/{idOrSlug}', { params: { path: { idOrSlug: product.slug } } })
  t.same(data?.rating, { average: 3.43, count: 7 }, 'the summary agrees with the product\'s rating')
  const bySlug = await app.inject({ method: 'GET', url: `/api/v1/products/${product.slug}/reviews` })
  t.same(bySlug.json(), page, 'by slug the same')
})

t.test('sorts: newest, highest and lowest, ties newest first', async (t) => {
  t.same(titles((await everyReviewPage(harness, product.id, { sort: 'newest' }))[0]!.items), titles(newestFirst))
  t.same(titles((await everyReviewPage(harness, product.id, { sort: 'highest' }))[0]!.items), titles(byRating(-1)))
  t.same(titles((await everyReviewPage(harness, product.id, { sort: 'lowest' }))[0]!.items), titles(byRating(1)))
  t.same(titles(byRating(-1)).slice(0, 2), ['Review 3', 'Review 0'], 'of two 5-star reviews the newer comes first')
})

t.test('filters by rating and verified purchase; the summary stays that of all reviews', async (t) => {
  const fours = await everyReviewPage(harness, product.id, { rating: 4 })
  t.same(titles(fours[0]!.items), ['Review 5', 'Review 2'])
  t.same(fours[0]!.summary, SUMMARY)
  const verified = await everyReviewPage(harness, product.id, { verified: true })
  t.same(titles(verified[0]!.items), ['Review 2', 'Review 0'])
  t.ok(verified[0]!.items.every((review) => review.verifiedPurchase))
  const unverified = await everyReviewPage(harness, product.id, { verified: false, sort: 'lowest' })
  t.same(titles(unverified[0]!.items), ['Review 4', 'Review 6', 'Review 1', 'Review 5', 'Review 3'])
  t.same((await everyReviewPage(harness, product.id, { rating: 4, verified: true }))[0]!.items.map((review) => review.id), [written[2]!.id])
  t.same((await everyReviewPage(harness, product.id, { rating: 1, verified: true }))[0]!.items, [])
})

t.test('pages of any size follow each other without gaps or repeats, in every sort', async (t) => {
  for (const sort of ['newest', 'highest', 'lowest'] as const) {
    const whole = titles((await everyReviewPage(harness, product.id, { sort }))[0]!.items)
    for (const limit of [1, 2, 3]) {
      const pages = await everyReviewPage(harness, product.id, { sort }, limit)
      t.equal(pages.length, Math.ceil(7 / limit), `${sort} by ${limit}: the last page says so`)
      t.ok(pages.every((page) => page.items.length <= limit))
      t.same(pages.flatMap((page) => titles(page.items)), whole, `${sort} by ${limit}`)
      t.ok(pages.every((page) => JSON.stringify(page.summary) === JSON.stringify(SUMMARY)))
    }
  }
  const filtered = await everyReviewPage(harness, product.id, { verified: false, sort: 'highest' }, 2)
  t.same(filtered.flatMap((page) => titles(page.items)), ['Review 3', 'Review 5', 'Review 1', 'Review 6', 'Review 4'])
})

t.test('reviews written in the same instant keep a stable order, by id', async (t) => {
  const tied = await createProduct(harness)
  const reviews: Review[] = []
  for (const [index, customer] of customers.slice(0, 4).entries()) reviews.push(await writeReview(harness, customer.headers, tied.id, { rating: 3, title: `Tie ${index}` }))
  await app.orm.em.fork().execute('update reviews set created_at = ? where product_id = ?', [new Date('2026-01-01T00:00:00.000Z'), tied.id])
  const expected = [...reviews].sort((a, b) => (a.id < b.id ? 1 : -1)).map((review) => review.title)
  for (const sort of ['newest', 'highest', 'lowest'] as const) {
    t.same((await everyReviewPage(harness, tied.id, { sort }, 1)).flatMap((page) => titles(page.items)), expected, sort)
  }
})

t.test('a product without reviews has an empty list and a zero summary', async (t) => {
  const fresh = await createProduct(harness)
  const answer = await app.inject({ method: 'GET', url: `/api/v1/products/${fresh.id}/reviews` })
  t.same(answer.json(), { items: [], nextCursor: null, summary: { average: 0, count: 0, histogram: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 } } })
})

t.test('only active products have a list; bad queries and cursors are 400s', async (t) => {
  const draft = await createProduct(harness, { status: 'DRAFT' })
  for (const target of [`/api/v1/products/${draft.id}/reviews`, `/api/v1/products/${draft.slug}/reviews`, '/api/v1/products/0193b1e4-7c1a-7d2e-9f3a-1b2c3d4e5f60/reviews', '/api/v1/products/no-such-thing/reviews']) {
    const answer = await app.inject({ method: 'GET', url: target })
    t.equal(answer.statusCode, 404)
    t.same(answer.json(), notFound(target))
  }
  const refusals: Array<[string, Array<{ pointer: string, detail: string }>]> = [
    ['rating=0', [{ pointer: '/query/rating', detail: 'must be >= 1' }]],
    ['rating=6', [{ pointer: '/query/rating', detail: 'must be <= 5' }]],
    ['rating=2.5', [{ pointer: '/query/rating', detail: 'must be integer' }]],
    ['sort=best', [{ pointer: '/query/sort', detail: 'must be equal to one of the allowed values' }]],
    ['verified=maybe', [{ pointer: '/query/verified', detail: 'must be boolean' }]],
    ['limit=0', [{ pointer: '/query/limit', detail: 'must be >= 1' }]],
    ['limit=101', [{ pointer: '/query/limit', detail: 'must be <= 100' }]],
    ['status=HIDDEN', [{ pointer: '/query/status', detail: 'must NOT have additional properties' }]]
  ]
  for (const [query, errors] of refusals) {
    const target = `${url}?${query}`
    const answer = await app.inject({ method: 'GET', url: target })
    t.equal(answer.statusCode, 400, query)
    t.same(answer.json(), validationProblem(target, errors), query)
  }
  const [first] = await everyReviewPage(harness, product.id, { sort: 'highest' }, 1).then((pages) => pages)
  const cursor = first!.nextCursor!
  const forged = Buffer.from(JSON.stringify({ s: 'newest', t: 'yesterday', id: 'x' })).toString('base64url')
  for (const bad of [`sort=newest&cursor=${cursor}`, `sort=lowest&cursor=${cursor}`, `cursor=${forged}`, 'cursor=not-a-cursor']) {
    const target = `${url}?${bad}`
    const answer = await app.inject({ method: 'GET', url: target })
    t.equal(answer.statusCode, 400, bad)
    t.same(answer.json(), problem(400, 'INVALID_CURSOR', 'The cursor is not one this API issued; start again without it.', target))
  }
})

t.test('the list is cached publicly for a minute and revalidated by ETag', async (t) => {
  const answer = await app.inject({ method: 'GET', url })
  t.equal(answer.headers['cache-control'], 'public, max-age=60')
  const etag = answer.headers.etag as string
  t.match(etag, /^W\/"/)
  const again = await app.inject({ method: 'GET', url, headers: { 'if-none-match': etag } })
  t.equal(again.statusCode, 304)
  t.equal(again.body, '')
  const late = await writeReview(harness, customers[RATINGS.length]!.headers, other.id, { rating: 5 })
  t.equal((await app.inject({ method: 'GET', url, headers: { 'if-none-match': etag } })).statusCode, 304, 'another product\'s review changes nothing here')
  await moderate(harness, late.id, 'HIDDEN', 'Test.')
  await moderate(harness, hidden.id, 'PUBLISHED')
  const changed = await app.inject({ method: 'GET', url, headers: { 'if-none-match': etag } })
  t.equal(changed.statusCode, 200, 'a review published again changes the list')
  t.same(changed.json().summary, { average: 3.13, count: 8, histogram: { 1: 2, 2: 1, 3: 1, 4: 2, 5: 2 } })
  t.not(changed.headers.etag, etag)
})
