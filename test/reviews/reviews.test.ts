import t from 'tap'
import { createProduct } from '../helpers/catalog.js'
import { deliverOrder, createModerator, moveOrder, shipOrder } from '../helpers/fulfilment.js'
import { ISO_INSTANT, JSON_TYPE, PROBLEM_JSON, UUID_V7, notFound, problem, validationProblem } from '../helpers/problems.js'
import { buildShop, createCustomer, createCustomers, placeOrder, sellable } from '../helpers/shop.js'
import { REVIEW, storedRating, writeReview } from '../helpers/reviews.js'

const UNKNOWN_ID = '0193b1e4-7c1a-7d2e-9f3a-1b2c3d4e5f60'

const harness = await buildShop(t)
const { app, api, staff } = harness

const reviewsOf = (idOrSlug: string) => `/api/v1/products/${idOrSlug}/reviews`
const post = async (headers: Record<string, string>, idOrSlug: string, payload: unknown) =>
  await app.inject({ method: 'POST', url: reviewsOf(idOrSlug), headers, payload: payload as object })

t.test('a customer reviews an active product by id or slug, and reads it back', async (t) => {
  const product = await createProduct(harness, { name: 'Oak Chair', slug: 'oak-chair-reviewed' })
  const [ada, bob] = await createCustomers(harness, 2)
  const productTag = async () => (await api.GET('/api/v1/admin/products/{id}', { headers: staff, params: { path: { id: product.id } } })).response.headers.get('etag')
  const tagBefore = await productTag()
  const before = Date.now()
  const created = await post(ada!.headers, product.id, { rating: 5, title: '  Lovely chair  ', body: '\nSolid oak, sits well.\n' })
  t.equal(created.statusCode, 201)
  t.equal(created.headers['content-type'], JSON_TYPE)
  const review = created.json()
  t.match(review, {
    id: UUID_V7,
    productId: product.id,
    author: { name: 'Test C.' },
    rating: 5,
    title: 'Lovely chair',
    body: 'Solid oak, sits well.',
    verifiedPurchase: false,
    status: 'PUBLISHED',
    moderationReason: null,
    images: [],
    createdAt: ISO_INSTANT,
    updatedAt: ISO_INSTANT
  })
  t.same(Object.keys(review).sort(), ['author', 'body', 'createdAt', 'id', 'images', 'moderationReason', 'productId', 'rating', 'status', 'title', 'updatedAt', 'verifiedPurchase'])
  t.ok(Date.parse(review.createdAt) >= before - 5)
  t.equal(created.headers.location, `/api/v1/reviews/${review.id}`)
  t.equal(created.headers.etag, '"1"')

  const bySlug = await writeReview(harness, bob!.headers, 'oak-chair-reviewed', { rating: 2 })
  t.equal(bySlug.productId, product.id, 'the slug names the same product')

  const read = await app.inject({ method: 'GET', url: `/api/v1/reviews/${review.id}` })
  t.equal(read.statusCode, 200)
  t.same(read.json(), review, 'the public reads what was written')
  t.equal(read.headers.etag, '"1"')
  t.equal(read.headers['cache-control'], 'no-store')

  t.same(await storedRating(harness, product.id), { average: 3.5, count: 2 })
  const page = await api.GET('/api/v1/products/{idOrSlug}', { params: { path: { idOrSlug: product.id } } })
  t.same(page.data?.rating, { average: 3.5, count: 2 }, 'the product page shows the rating')
  t.equal(await productTag(), tagBefore, 'the product\'s version (its ETag for staff edits) did not move')
})

t.test('one review per customer and product: the second is a 409 naming the first', async (t) => {
  const product = await createProduct(harness)
  const customer = await createCustomer(harness)
  const first = await writeReview(harness, customer.headers, product.id)
  const second = await post(customer.headers, product.slug, { rating: 1, title: 'Again', body: 'Changed my mind.' })
  t.equal(second.statusCode, 409)
  t.equal(second.headers['content-type'], PROBLEM_JSON)
  t.same(second.json(), { ...problem(409, 'REVIEW_EXISTS', 'You have already reviewed this product; edit that review instead.', reviewsOf(product.slug)), reviewId: first.id })
  t.same(await storedRating(harness, product.id), { average: 4, count: 1 }, 'nothing was written')
})

t.test('bad reviews are 400s, listing each failing field', async (t) => {
  const product = await createProduct(harness)
  const customer = await createCustomer(harness)
  const url = reviewsOf(product.id)
  const cases: Array<[string, unknown, Array<{ pointer: string, detail: string }>]> = [
    ['rating 0', { ...REVIEW, rating: 0 }, [{ pointer: '/body/rating', detail: 'must be >= 1' }]],
    ['rating 6', { ...REVIEW, rating: 6 }, [{ pointer: '/body/rating', detail: 'must be <= 5' }]],
    ['rating 2.5', { ...REVIEW, rating: 2.5 }, [{ pointer: '/body/rating', detail: 'must be integer' }]],
    ['rating "5"', { ...REVIEW, rating: '5' }, [{ pointer: '/body/rating', detail: 'must be integer' }]],
    ['no title', { rating: 3, body: 'Fine.' }, [{ pointer: '/body/title', detail: "must have required property 'title'" }]],
    ['no body', { rating: 3, title: 'Fine' }, [{ pointer: '/body/body', detail: "must have required property 'body'" }]],
    ['a blank title', { ...REVIEW, title: '   ' }, [{ pointer: '/body/title', detail: 'must match pattern "\\S"' }]],
    ['a title of 151 characters', { ...REVIEW, title: 'x'.repeat(151) }, [{ pointer: '/body/title', detail: 'must NOT have more than 150 characters' }]],
    ['a body of 5001 characters', { ...REVIEW, body: 'x'.repeat(5001) }, [{ pointer: '/body/body', detail: 'must NOT have more than 5000 characters' }]],
    ['an unknown field', { ...REVIEW, verifiedPurchase: true }, [{ pointer: '/body/verifiedPurchase', detail: 'must NOT have additional properties' }]]
  ]
  for (const [what, body, errors] of cases) {
    const answer = await post(customer.headers, product.id, body)
    t.equal(answer.statusCode, 400, what)
    t.equal(answer.headers['content-type'], PROBLEM_JSON)
    t.same(answer.json(), validationProblem(url, errors), what)
  }
  const empty = await post(customer.headers, product.id, { rating: 3, title: '', body: '' })
  t.equal(empty.statusCode, 400)
  t.same(empty.json().errors.map((error: { pointer: string }) => error.pointer).sort(), ['/body/body', '/body/body', '/body/title', '/body/title'], 'empty title and body: too short and blank')
  t.ok((await post(customer.headers, product.id, { ...REVIEW, title: 'x'.repeat(150), body: 'y'.repeat(5000) })).statusCode === 201, 'the longest title and body are accepted')
  t.same(await storedRating(harness, product.id), { average: 4, count: 1 }, 'no refused request wrote anything')
})

t.test('only customers review, only active products', async (t) => {
  const product = await createProduct(harness)
  const draft = await createProduct(harness, { status: 'DRAFT' })
  const archived = await createProduct(harness, { status: 'ARCHIVED' })
  const customer = await createCustomer(harness)
  const anonymous = await post({}, product.id, REVIEW)
  t.equal(anonymous.statusCode, 401)
  t.same(anonymous.json(), problem(401, 'UNAUTHORIZED', 'A valid bearer access token is required.', reviewsOf(product.id)))
  t.equal(anonymous.headers['www-authenticate'], 'Bearer')
  const asStaff = await post(staff, product.id, REVIEW)
  t.equal(asStaff.statusCode, 403)
  t.same(asStaff.json(), problem(403, 'FORBIDDEN', 'This operation requires one of the roles CUSTOMER.', reviewsOf(product.id)))
  const unknown: Array<[string, string]> = [['a draft', draft.id], ['an archived product', archived.slug], ['an unknown id', UNKNOWN_ID], ['an unknown slug', 'no-such-chair']]
  for (const [what, idOrSlug] of unknown) {
    const answer = await post(customer.headers, idOrSlug, REVIEW)
    t.equal(answer.statusCode, 404, what)
    t.same(answer.json(), notFound(reviewsOf(idOrSlug)), what)
  }
})

t.test('verifiedPurchase: only once an order with the product was delivered, re-evaluated on edit', async (t) => {
  const product = await sellable(harness)
  const other = await sellable(harness, 900, 10, 'Other Stool')
  const [buyer, waiting, elsewhere] = await createCustomers(harness, 3)
  const pending = await placeOrder(harness, waiting!, product.variantId)
  await moveOrder(harness, pending.id, 'CONFIRMED')
  await shipOrder(harness, pending.id)
  t.equal((await writeReview(harness, waiting!.headers, product.id)).verifiedPurchase, false, 'shipped is not delivered')

  const otherOrder = await placeOrder(harness, elsewhere!, other.variantId)
  await deliverOrder(harness, otherOrder.id)
  t.equal((await writeReview(harness, elsewhere!.headers, product.id)).verifiedPurchase, false, 'a delivered order of another product')

  const early = await writeReview(harness, buyer!.headers, product.id)
  t.equal(early.verifiedPurchase, false, 'before buying')
  const order = await placeOrder(harness, buyer!, product.variantId)
  await deliverOrder(harness, order.id)
  const edited = await api.PATCH('/api/v1/reviews/{id}', { headers: buyer!.headers, params: { path: { id: early.id } }, body: { rating: 5 } })
  t.equal(edited.response.status, 200)
  t.match(edited.data, { rating: 5, verifiedPurchase: true }, 'the edit after delivery makes it verified')
})

t.test('reading reviews: published ones are public, others only their author\'s', async (t) => {
  const product = await createProduct(harness)
  const [author, someone] = await createCustomers(harness, 2)
  const review = await writeReview(harness, author!.headers, product.id)
  const moderator = await createModerator(harness)
  await api.PATCH('/api/v1/admin/reviews/{id}', { headers: moderator.headers, params: { path: { id: review.id } }, body: { status: 'HIDDEN', reason: 'Off topic.' } })
  const url = `/api/v1/reviews/${review.id}`
  for (const [who, headers] of [['the public', {}], ['another customer', someone!.headers], ['staff', staff]] as const) {
    const answer = await app.inject({ method: 'GET', url, headers })
    t.equal(answer.statusCode, 404, `${who}: a hidden review does not exist`)
    t.same(answer.json(), notFound(url))
  }
  const own = await app.inject({ method: 'GET', url, headers: author!.headers })
  t.equal(own.statusCode, 200)
  t.match(own.json(), { id: review.id, status: 'HIDDEN', moderationReason: 'Off topic.' }, 'the author sees why')
  t.notOk('moderatedBy' in own.json(), 'but not who')
  t.equal(own.headers.etag, '"2"', 'moderation moved the version')

  const unknown = await app.inject({ method: 'GET', url: `/api/v1/reviews/${UNKNOWN_ID}` })
  t.same(unknown.json(), notFound(`/api/v1/reviews/${UNKNOWN_ID}`))
  const malformed = await app.inject({ method: 'GET', url: '/api/v1/reviews/not-an-id' })
  t.equal(malformed.statusCode, 400)
  t.same(malformed.json(), validationProblem('/api/v1/reviews/not-an-id', [{ pointer: '/params/id', detail: 'must match format "uuid"' }]))
  const badToken = await app.inject({ method: 'GET', url, headers: { authorization: 'Bearer a.b.c' } })
  t.equal(badToken.statusCode, 401, 'a token, when sent, must be valid')
  t.same(badToken.json(), problem(401, 'INVALID_TOKEN', 'The access token is not valid.', url))

  const archivedProduct = await createProduct(harness)
  const onArchived = await writeReview(harness, someone!.headers, archivedProduct.id)
  await api.PATCH('/api/v1/admin/products/{id}', { headers: staff, params: { path: { id: archivedProduct.id } }, body: { status: 'ARCHIVED' } })
  t.equal((await app.inject({ method: 'GET', url: `/api/v1/reviews/${onArchived.id}` })).statusCode, 404, 'reviews of products no longer sold are not public')
  t.equal((await app.inject({ method: 'GET', url: `/api/v1/reviews/${onArchived.id}`, headers: someone!.headers })).statusCode, 200, 'but their author still reads them')
})

t.test('editing: the author only, with If-Match, and the rating follows', async (t) => {
  const product = await createProduct(harness)
  const [author, someone] = await createCustomers(harness, 2)
  const review = await writeReview(harness, author!.headers, product.id, { rating: 2 })
  const url = `/api/v1/reviews/${review.id}`
  const patch = async (headers: Record<string, string>, payload: unknown, target = url) => await app.inject({ method: 'PATCH', url: target, headers, payload: payload as object })

  const edited = await patch({ ...author!.headers, 'if-match': '"1"' }, { rating: 4, title: ' New title ' })
  t.equal(edited.statusCode, 200)
  t.match(edited.json(), { id: review.id, rating: 4, title: 'New title', body: REVIEW.body, status: 'PUBLISHED' })
  t.equal(edited.headers.etag, '"2"')
  t.ok(Date.parse(edited.json().updatedAt) >= Date.parse(review.updatedAt))
  t.same(await storedRating(harness, product.id), { average: 4, count: 1 })

  const stale = await patch({ ...author!.headers, 'if-match': '"1"' }, { rating: 1 })
  t.equal(stale.statusCode, 412)
  t.same(stale.json(), problem(412, 'PRECONDITION_FAILED', 'The resource has changed since the version named in If-Match; fetch it again and reapply the change.', url))
  t.same(await storedRating(harness, product.id), { average: 4, count: 1 }, 'a stale edit changes nothing')

  const notTheirs = await patch(someone!.headers, { rating: 1 })
  t.equal(notTheirs.statusCode, 404)
  t.same(notTheirs.json(), notFound(url))
  const asStaff = await patch(staff, { rating: 1 })
  t.equal(asStaff.statusCode, 403)
  t.same(asStaff.json(), problem(403, 'FORBIDDEN', 'This operation requires one of the roles CUSTOMER.', url))
  t.equal((await patch({}, { rating: 1 })).statusCode, 401)
  t.same((await patch(author!.headers, { rating: 1 }, `/api/v1/reviews/${UNKNOWN_ID}`)).json(), notFound(`/api/v1/reviews/${UNKNOWN_ID}`))
  const empty = await patch(author!.headers, {})
  t.same(empty.json(), validationProblem(url, [{ pointer: '/body', detail: 'must NOT have fewer than 1 properties' }]))
  const badRating = await patch(author!.headers, { rating: 0 })
  t.same(badRating.json(), validationProblem(url, [{ pointer: '/body/rating', detail: 'must be >= 1' }]))
  const status = await patch(author!.headers, { status: 'PUBLISHED' })
  t.same(status.json(), validationProblem(url, [{ pointer: '/body/status', detail: 'must NOT have additional properties' }]), 'authors cannot set a status')
  t.same(await storedRating(harness, product.id), { average: 4, count: 1 })
})

t.test('an edit leaves hidden and rejected reviews as staff left them', async (t) => {
  const product = await createProduct(harness)
  const [hidden, rejected] = await createCustomers(harness, 2)
  const first = await writeReview(harness, hidden!.headers, product.id, { rating: 1 })
  const second = await writeReview(harness, rejected!.headers, product.id, { rating: 3 })
  await api.PATCH('/api/v1/admin/reviews/{id}', { headers: staff, params: { path: { id: first.id } }, body: { status: 'HIDDEN', reason: 'Spam.' } })
  await api.PATCH('/api/v1/admin/reviews/{id}', { headers: staff, params: { path: { id: second.id } }, body: { status: 'REJECTED', reason: 'Not about the product.' } })
  const a = await api.PATCH('/api/v1/reviews/{id}', { headers: hidden!.headers, params: { path: { id: first.id } }, body: { body: 'Edited.' } })
  const b = await api.PATCH('/api/v1/reviews/{id}', { headers: rejected!.headers, params: { path: { id: second.id } }, body: { rating: 5 } })
  t.match(a.data, { status: 'HIDDEN', moderationReason: 'Spam.', body: 'Edited.' })
  t.match(b.data, { status: 'REJECTED', moderationReason: 'Not about the product.', rating: 5 })
  t.same(await storedRating(harness, product.id), { average: 0, count: 0 }, 'neither counts')
})

t.test('deleting: the author only; the rating follows and the customer may review again', async (t) => {
  const product = await createProduct(harness)
  const [author, someone] = await createCustomers(harness, 2)
  const review = await writeReview(harness, author!.headers, product.id, { rating: 5 })
  await writeReview(harness, someone!.headers, product.id, { rating: 2 })
  const url = `/api/v1/reviews/${review.id}`
  const remove = async (headers: Record<string, string>, target = url) => await app.inject({ method: 'DELETE', url: target, headers })
  t.same((await remove(someone!.headers)).json(), notFound(url), 'someone else\'s review is a 404')
  t.equal((await remove(staff)).statusCode, 403)
  t.equal((await remove({})).statusCode, 401)
  t.same((await remove(author!.headers, `/api/v1/reviews/${UNKNOWN_ID}`)).json(), notFound(`/api/v1/reviews/${UNKNOWN_ID}`))
  t.same(await storedRating(harness, product.id), { average: 3.5, count: 2 })

  const deleted = await remove(author!.headers)
  t.equal(deleted.statusCode, 204)
  t.equal(deleted.body, '')
  t.same(await storedRating(harness, product.id), { average: 2, count: 1 })
  t.same((await app.inject({ method: 'GET', url })).json(), notFound(url))
  t.same((await remove(author!.headers)).json(), notFound(url), 'a second delete is a 404')
  t.equal((await writeReview(harness, author!.headers, product.id, { rating: 3 })).rating, 3, 'a new review is allowed')
  t.same(await storedRating(harness, product.id), { average: 2.5, count: 2 })
})

t.test('a replay with the same Idempotency-Key answers the original review', async (t) => {
  const product = await createProduct(harness)
  const customer = await createCustomer(harness)
  const headers = { ...customer.headers, 'idempotency-key': 'review-once' }
  const first = await post(headers, product.id, REVIEW)
  const replay = await post(headers, product.id, REVIEW)
  t.equal(first.statusCode, 201)
  t.equal(replay.statusCode, 201)
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.same(replay.json(), first.json())
  const reused = await post(headers, product.id, { ...REVIEW, rating: 1 })
  t.equal(reused.statusCode, 422)
  t.match(reused.json(), { status: 422, code: 'IDEMPOTENCY_KEY_REUSED' })
})
