import t from 'tap'
import { createProduct } from '../helpers/catalog.js'
import { adminOf, createModerator } from '../helpers/fulfilment.js'
import { ISO_INSTANT, JSON_TYPE, PROBLEM_JSON, notFound, problem, validationProblem } from '../helpers/problems.js'
import { buildShop, createCustomers } from '../helpers/shop.js'
import { everyReviewPage, moderate, storedRating, writeReview, type AdminReview } from '../helpers/reviews.js'

const UNKNOWN_ID = '0193b1e4-7c1a-7d2e-9f3a-1b2c3d4e5f60'
const STAFF_TOKEN = 'Staff operations need a staff access token.'

const harness = await buildShop(t)
const { app, api, staff } = harness
const moderator = await createModerator(harness)
const admin = await adminOf(harness)

const adminUrl = (id: string) => `/api/v1/admin/reviews/${id}`
const patch = async (id: string, payload: unknown, headers: Record<string, string> = moderator.headers) =>
  await app.inject({ method: 'PATCH', url: adminUrl(id), headers, payload: payload as object })

t.test('staff routes are for staff tokens', async (t) => {
  const [customer] = await createCustomers(harness, 1)
  const product = await createProduct(harness)
  const review = await writeReview(harness, customer!.headers, product.id)
  const routes: Array<[string, string, object | undefined]> = [
    ['GET', '/api/v1/admin/reviews', undefined],
    ['GET', adminUrl(review.id), undefined],
    ['PATCH', adminUrl(review.id), { status: 'HIDDEN', reason: 'x' }],
    ['DELETE', adminUrl(review.id), undefined]
  ]
  for (const [method, url, payload] of routes) {
    const anonymous = await app.inject({ method: method as 'GET', url, ...(payload === undefined ? {} : { payload }) })
    t.equal(anonymous.statusCode, 401, `${method} ${url} without a token`)
    t.same(anonymous.json(), problem(401, 'UNAUTHORIZED', 'A valid bearer access token is required.', url))
    const asCustomer = await app.inject({ method: method as 'GET', url, headers: customer!.headers, ...(payload === undefined ? {} : { payload }) })
    t.equal(asCustomer.statusCode, 401, `${method} ${url} with a customer's token`)
    t.equal(asCustomer.headers['content-type'], PROBLEM_JSON)
    t.same(asCustomer.json(), problem(401, 'INVALID_TOKEN', STAFF_TOKEN, url))
  }
  t.equal((await api.GET('/api/v1/reviews/{id}', { params: { path: { id: review.id } } })).data?.status, 'PUBLISHED', 'nothing changed')
})

t.test('hiding takes a review off the list and out of the rating; the author sees why, nobody sees who', async (t) => {
  const product = await createProduct(harness)
  const [author, other] = await createCustomers(harness, 2)
  const review = await writeReview(harness, author!.headers, product.id, { rating: 1 })
  await writeReview(harness, other!.headers, product.id, { rating: 5 })
  t.same(await storedRating(harness, product.id), { average: 3, count: 2 })

  const before = Date.now()
  const hidden = await patch(review.id, { status: 'HIDDEN', reason: '  Contains a phone number.  ' })
  t.equal(hidden.statusCode, 200)
  t.equal(hidden.headers['content-type'], JSON_TYPE)
  t.equal(hidden.headers.etag, '"2"')
  const view = hidden.json() as AdminReview
  t.match(view, {
    id: review.id,
    status: 'HIDDEN',
    moderationReason: 'Contains a phone number.',
    moderatedBy: { id: moderator.id, name: 'Mo Derator' },
    moderatedAt: ISO_INSTANT,
    customer: { id: author!.id, email: author!.email, name: 'Test Customer' },
    product: { id: product.id, slug: product.slug, name: product.name },
    author: { name: 'Test C.' },
    version: 2
  })
  t.ok(Date.parse(view.moderatedAt!) >= before - 5)
  t.same(await storedRating(harness, product.id), { average: 5, count: 1 }, 'the rating counts the published review only')
  const [page] = await everyReviewPage(harness, product.id)
  t.same(page!.items.map((item) => item.rating), [5], 'gone from the public list')
  t.same(page!.summary, { average: 5, count: 1, histogram: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 1 } })

  const own = await api.GET('/api/v1/reviews/{id}', { headers: author!.headers, params: { path: { id: review.id } } })
  t.match(own.data, { status: 'HIDDEN', moderationReason: 'Contains a phone number.' })
  t.same(Object.keys(own.data!).filter((key) => key.startsWith('moderated')), [], 'no moderator identity in the author\'s view')

  const republished = await moderate(harness, review.id, 'PUBLISHED', undefined, staff)
  t.match(republished, { status: 'PUBLISHED', moderationReason: null, moderatedBy: { id: admin.id, name: 'First Admin' } })
  t.same(await storedRating(harness, product.id), { average: 3, count: 2 })
  const publicView = await api.GET('/api/v1/reviews/{id}', { params: { path: { id: review.id } } })
  t.equal(publicView.data?.moderationReason, null)

  const withReason = await moderate(harness, review.id, 'PUBLISHED', 'Checked: the number was the shop\'s.')
  t.equal(withReason.moderationReason, 'Checked: the number was the shop\'s.', 'staff keep the reason of a publication')
  const authorView = await api.GET('/api/v1/reviews/{id}', { headers: author!.headers, params: { path: { id: review.id } } })
  t.equal(authorView.data?.moderationReason, null, 'the author sees reasons of take-downs only')

  const rejected = await moderate(harness, review.id, 'REJECTED', 'Abusive.')
  t.match(rejected, { status: 'REJECTED', moderationReason: 'Abusive.' })
  t.same(await storedRating(harness, product.id), { average: 5, count: 1 })
  const read = await app.inject({ method: 'GET', url: adminUrl(review.id), headers: staff })
  t.equal(read.statusCode, 200)
  t.equal(read.headers.etag, `"${rejected.version}"`)
  t.same(read.json(), rejected)
})

t.test('moderation needs a reason to hide or reject, and a known review', async (t) => {
  const product = await createProduct(harness)
  const [author] = await createCustomers(harness, 1)
  const review = await writeReview(harness, author!.headers, product.id)
  const url = adminUrl(review.id)
  for (const status of ['HIDDEN', 'REJECTED']) {
    const answer = await patch(review.id, { status })
    t.equal(answer.statusCode, 400)
    t.same(answer.json(), validationProblem(url, [{ pointer: '/body/reason', detail: `is required to set a review ${status}` }]))
  }
  const refusals: Array<[unknown, Array<{ pointer: string, detail: string }>]> = [
    [{ status: 'PENDING', reason: 'Later.' }, [{ pointer: '/body/status', detail: 'must be equal to one of the allowed values' }]],
    [{ status: 'HIDDEN', reason: '' }, [{ pointer: '/body/reason', detail: 'must NOT have fewer than 1 characters' }, { pointer: '/body/reason', detail: 'must match pattern "\\S"' }]],
    [{ status: 'HIDDEN', reason: 'x'.repeat(501) }, [{ pointer: '/body/reason', detail: 'must NOT have more than 500 characters' }]],
    [{ reason: 'Why not' }, [{ pointer: '/body/status', detail: "must have required property 'status'" }]],
    [{ status: 'HIDDEN', reason: 'Spam.', rating: 1 }, [{ pointer: '/body/rating', detail: 'must NOT have additional properties' }]]
  ]
  for (const [body, errors] of refusals) t.same((await patch(review.id, body)).json(), validationProblem(url, errors), JSON.stringify(body).slice(0, 40))
  t.same((await patch(UNKNOWN_ID, { status: 'PUBLISHED' })).json(), notFound(adminUrl(UNKNOWN_ID)))
  t.same((await app.inject({ method: 'GET', url: adminUrl(UNKNOWN_ID), headers: staff })).json(), notFound(adminUrl(UNKNOWN_ID)))

  const edited = await api.PATCH('/api/v1/reviews/{id}', { headers: author!.headers, params: { path: { id: review.id } }, body: { rating: 2 } })
  t.equal(edited.response.headers.get('etag'), '"2"')
  const stale = await patch(review.id, { status: 'HIDDEN', reason: 'Seen at version 1.' }, { ...moderator.headers, 'if-match': '"1"' })
  t.equal(stale.statusCode, 412, 'a decision on a version the author has since edited')
  t.same(stale.json(), problem(412, 'PRECONDITION_FAILED', 'The resource has changed since the version named in If-Match; fetch it again and reapply the change.', url))
  const current = await patch(review.id, { status: 'HIDDEN', reason: 'Seen at version 2.' }, { ...moderator.headers, 'if-match': '"2"' })
  t.equal(current.statusCode, 200)
  t.equal((await api.GET('/api/v1/reviews/{id}', { headers: author!.headers, params: { path: { id: review.id } } })).data?.status, 'HIDDEN')
})

t.test('staff list every review newest first, filtered, page by page', async (t) => {
  const [first, second] = [await createProduct(harness), await createProduct(harness)]
  const [ada, bob, cy] = await createCustomers(harness, 3)
  const a1 = await writeReview(harness, ada!.headers, first.id, { rating: 5 })
  const b1 = await writeReview(harness, bob!.headers, first.id, { rating: 2 })
  const a2 = await writeReview(harness, ada!.headers, second.id, { rating: 2 })
  const c2 = await writeReview(harness, cy!.headers, second.id, { rating: 4 })
  await moderate(harness, b1.id, 'HIDDEN', 'Rude.')
  await moderate(harness, c2.id, 'REJECTED', 'Fake.')
  const list = async (query: Record<string, string | number>, headers = staff) => await api.GET('/api/v1/admin/reviews', { headers, params: { query } })
  const ids = async (query: Record<string, string | number>) => (await list(query)).data!.items.map((review) => review.id)

  const byFirst = await list({ productId: first.id })
  t.equal(byFirst.response.status, 200)
  t.same(byFirst.data!.items.map((review) => [review.id, review.status]), [[b1.id, 'HIDDEN'], [a1.id, 'PUBLISHED']])
  t.equal(byFirst.data!.items[0]!.moderationReason, 'Rude.', 'staff see every reason')
  t.same(await ids({ customerId: ada!.id }), [a2.id, a1.id])
  t.same(await ids({ customerId: ada!.id, rating: 2 }), [a2.id])
  t.same(await ids({ productId: second.id, status: 'REJECTED' }), [c2.id])
  t.same(await ids({ productId: second.id, status: 'PENDING' }), [])
  t.same(await ids({ productId: first.id, rating: 3 }), [])

  const collected: string[] = []
  let cursor: string | undefined
  for (let page = 0; page < 10; page++) {
    const { data } = await list({ customerId: ada!.id, limit: 1, ...(cursor === undefined ? {} : { cursor }) }, moderator.headers)
    collected.push(...data!.items.map((review) => review.id))
    if (data!.nextCursor === null) break
    cursor = data!.nextCursor
  }
  t.same(collected, [a2.id, a1.id], 'one at a time, the same order')

  const bad = await app.inject({ method: 'GET', url: '/api/v1/admin/reviews?status=GONE&rating=9', headers: staff })
  t.same(bad.json(), validationProblem('/api/v1/admin/reviews?status=GONE&rating=9', [{ pointer: '/query/status', detail: 'must be equal to one of the allowed values' }, { pointer: '/query/rating', detail: 'must be <= 5' }]))
  const publicCursor = (await everyReviewPage(harness, first.id, {}, 1))[0]!.nextCursor
  const target = `/api/v1/admin/reviews?cursor=${publicCursor ?? 'x'}`
  t.same((await app.inject({ method: 'GET', url: target, headers: staff })).json(), problem(400, 'INVALID_CURSOR', 'The cursor is not one this API issued; start again without it.', target), 'a storefront cursor is not a staff cursor')
})

t.test('staff delete any review; the rating follows', async (t) => {
  const product = await createProduct(harness)
  const [ada, bob] = await createCustomers(harness, 2)
  const review = await writeReview(harness, ada!.headers, product.id, { rating: 1 })
  await writeReview(harness, bob!.headers, product.id, { rating: 4 })
  const deleted = await app.inject({ method: 'DELETE', url: adminUrl(review.id), headers: moderator.headers })
  t.equal(deleted.statusCode, 204)
  t.equal(deleted.body, '')
  t.same(await storedRating(harness, product.id), { average: 4, count: 1 })
  t.same((await app.inject({ method: 'DELETE', url: adminUrl(review.id), headers: staff })).json(), notFound(adminUrl(review.id)))
  t.same((await app.inject({ method: 'GET', url: `/api/v1/reviews/${review.id}`, headers: ada!.headers })).json(), notFound(`/api/v1/reviews/${review.id}`))
})

t.test('with REVIEWS_REQUIRE_APPROVAL, reviews wait for staff, and edits send them back', async (t) => {
  const shop = await buildShop(t, { REVIEWS_REQUIRE_APPROVAL: 'true' })
  const product = await createProduct(shop)
  const [author, other] = await createCustomers(shop, 2)
  const review = await writeReview(shop, author!.headers, product.id, { rating: 2 })
  t.equal(review.status, 'PENDING')
  t.same(await storedRating(shop, product.id), { average: 0, count: 0 }, 'pending reviews do not count')
  t.same((await everyReviewPage(shop, product.id))[0]!.items, [], 'nor are they listed')
  t.equal((await shop.app.inject({ method: 'GET', url: `/api/v1/reviews/${review.id}` })).statusCode, 404)
  t.equal((await shop.app.inject({ method: 'GET', url: `/api/v1/reviews/${review.id}`, headers: other!.headers })).statusCode, 404)
  t.equal((await shop.api.GET('/api/v1/reviews/{id}', { headers: author!.headers, params: { path: { id: review.id } } })).data?.status, 'PENDING', 'the author sees it waiting')
  const queue = await shop.api.GET('/api/v1/admin/reviews', { headers: shop.staff, params: { query: { status: 'PENDING' } } })
  t.same(queue.data?.items.map((item) => item.id), [review.id], 'the approval queue')

  const approved = await moderate(shop, review.id, 'PUBLISHED')
  t.equal(approved.status, 'PUBLISHED')
  t.ok(approved.moderatedAt !== null, 'the decision is recorded')
  t.same(await storedRating(shop, product.id), { average: 2, count: 1 })
  t.same((await everyReviewPage(shop, product.id))[0]!.items.map((item) => item.id), [review.id])

  const edited = await shop.api.PATCH('/api/v1/reviews/{id}', { headers: author!.headers, params: { path: { id: review.id } }, body: { rating: 5 } })
  t.match(edited.data, { status: 'PENDING', rating: 5 }, 'an edited review waits for approval again')
  t.same(await storedRating(shop, product.id), { average: 0, count: 0 })
  const queued = await shop.api.GET('/api/v1/admin/reviews/{id}', { headers: shop.staff, params: { path: { id: review.id } } })
  t.match(queued.data, { status: 'PENDING', moderatedAt: null, moderatedBy: null, moderationReason: null }, 'back in the queue, without the earlier decision')
  const again = await shop.api.PATCH('/api/v1/reviews/{id}', { headers: author!.headers, params: { path: { id: review.id } }, body: { title: 'Still pending' } })
  t.equal(again.data?.status, 'PENDING')
  await moderate(shop, review.id, 'PUBLISHED')
  t.same(await storedRating(shop, product.id), { average: 5, count: 1 })

  await moderate(shop, review.id, 'HIDDEN', 'Spoilers.')
  const hiddenEdit = await shop.api.PATCH('/api/v1/reviews/{id}', { headers: author!.headers, params: { path: { id: review.id } }, body: { body: 'No spoilers now.' } })
  t.match(hiddenEdit.data, { status: 'HIDDEN', moderationReason: 'Spoilers.' }, 'a hidden review stays hidden until staff publish it')
})

t.test('a review staff took down cannot be deleted and written again by its author', async (t) => {
  const [author] = await createCustomers(harness, 1)
  const product = await createProduct(harness)
  for (const status of ['HIDDEN', 'REJECTED'] as const) {
    const review = await writeReview(harness, author!.headers, product.id, { rating: 5 })
    await moderate(harness, review.id, status, 'Posted by a competitor')
    const url = `/api/v1/reviews/${review.id}`
    const refused = await app.inject({ method: 'DELETE', url, headers: author!.headers })
    t.equal(refused.statusCode, 409, `the author deletes a ${status} review`)
    t.same(refused.json(), problem(409, 'REVIEW_MODERATED', 'Staff took this review down: you may edit it, and they may publish it again, but it cannot be deleted.', url))
    const again = await app.inject({ method: 'POST', url: `/api/v1/products/${product.id}/reviews`, headers: author!.headers, payload: { rating: 5, title: 'Again', body: 'Best ever.' } })
    t.equal(again.statusCode, 409, 'nor written again')
    t.equal(again.json().code, 'REVIEW_EXISTS')
    t.same(await storedRating(harness, product.id), { average: 0, count: 0 }, 'the rating still leaves it out')
    t.equal((await app.inject({ method: 'DELETE', url: adminUrl(review.id), headers: moderator.headers })).statusCode, 204, 'staff may delete it')
  }
  const published = await writeReview(harness, author!.headers, product.id)
  t.equal((await app.inject({ method: 'DELETE', url: `/api/v1/reviews/${published.id}`, headers: author!.headers })).statusCode, 204, 'a published review is the author\'s to delete')
})
