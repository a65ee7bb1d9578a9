import t from 'tap'
import { createProduct } from '../helpers/catalog.js'
import { settled } from '../helpers/concurrency.js'
import { ISO_INSTANT, PROBLEM_JSON, UUID_V7, notFound, problem, validationProblem } from '../helpers/problems.js'
import { createCustomers } from '../helpers/shop.js'
import { startImageUpload } from '../../modules/media/upload.service.js'
import { HTML_PAGE, download, fileUrlOf, jpegImage, pngImage, putBytes } from '../helpers/uploads.js'
import {
  addReviewImage, buildReviews, confirmReviewImage, moderate, presignReviewImage, sendReviewImage, storedRating, writeReview, type ReviewsHarness
} from '../helpers/reviews.js'

const UNKNOWN_ID = '0193b1e4-7c1a-7d2e-9f3a-1b2c3d4e5f60'

const harness = await buildReviews(t, { REVIEW_MAX_IMAGES: '2', UPLOAD_MAX_BYTES: '4096' })
const { app, api, staff, origin } = harness

const get = async (url: string) => await download(url, origin)
const uploadsOf = async (shop: ReviewsHarness, reviewId: string) =>
  (await shop.app.orm.em.fork().execute<Array<{ id: string }>>("select id from uploads where purpose = 'REVIEW_IMAGE' and owner_id = ?", [reviewId])).length

t.test('the author adds photos: presigned, PUT, confirmed with their real size, listed on the review', async (t) => {
  const product = await createProduct(harness)
  const [author] = await createCustomers(harness, 1)
  const review = await writeReview(harness, author!.headers, product.id)
  const bytes = jpegImage(640, 480)
  const upload = await presignReviewImage(harness, author!.headers, review.id, 'image/jpeg', bytes.length)
  t.match(upload, { uploadId: UUID_V7, method: 'PUT', expiresAt: ISO_INSTANT })
  t.same(upload.headers, { 'content-type': 'image/jpeg', 'content-length': String(bytes.length) })
  t.equal((await putBytes(upload.url, bytes, upload.headers, origin)).status, 204)
  const confirmed = await confirmReviewImage(harness, author!.headers, review.id, upload.uploadId, 'In the kitchen')
  t.equal(confirmed.response.status, 201)
  t.same(confirmed.data, {
    id: confirmed.data!.id,
    url: fileUrlOf(upload),
    alt: 'In the kitchen',
    width: 640,
    height: 480,
    contentType: 'image/jpeg',
    bytes: bytes.length,
    position: 0,
    createdAt: confirmed.data!.createdAt
  })
  t.match(confirmed.data, { id: UUID_V7, createdAt: ISO_INSTANT })
  const served = await get(confirmed.data!.url)
  t.equal(served.status, 200)
  t.ok(served.body.equals(bytes))

  const second = await addReviewImage(harness, author!.headers, review.id, pngImage(20, 10))
  t.match(second, { position: 1, width: 20, height: 10, alt: null })
  const read = await api.GET('/api/v1/reviews/{id}', { params: { path: { id: review.id } } })
  t.same(read.data?.images, [confirmed.data, second], 'the review lists its images in order')
  t.equal(read.response.headers.get('etag'), '"3"', 'each image moves the review\'s version')
  t.equal(read.data?.status, 'PUBLISHED', 'without required approval, images change no status')
  const [listed] = (await api.GET('/api/v1/products/{idOrSlug}/reviews', { params: { path: { idOrSlug: product.id } } })).data!.items
  t.same(listed?.images, [confirmed.data, second], 'and so does the public list')
})

t.test('at most REVIEW_MAX_IMAGES: refused when asking, and again when confirming', async (t) => {
  const product = await createProduct(harness)
  const [author] = await createCustomers(harness, 1)
  const review = await writeReview(harness, author!.headers, product.id)
  const asks = await settled([1, 2, 3].map(async () => await app.inject({ method: 'POST', url: `/api/v1/reviews/${review.id}/images/uploads`, headers: author!.headers, payload: { contentType: 'image/png', bytes: 100 } })))
  t.same(asks.map((answer) => answer.statusCode).sort(), [201, 201, 409], 'of three uploads asked for at once, two are handed out: open uploads count')
  await app.inject({ method: 'DELETE', url: `/api/v1/reviews/${review.id}`, headers: author!.headers })

  // Two images and one more upload than that, as a lowered REVIEW_MAX_IMAGES would leave: confirming must still hold the limit.
  const second = await writeReview(harness, author!.headers, product.id)
  const pending = await settled([1, 2].map(async (size) => await sendReviewImage(harness, author!.headers, second.id, pngImage(size, size))))
  const extra = await startImageUpload(app.orm.em.fork(), { storage: app.storage, maxBytes: 4096, urlTtlSeconds: 900 }, { purpose: 'REVIEW_IMAGE', ownerId: second.id, contentType: 'image/png', bytes: pngImage(3, 3).length, createdBy: author!.id })
  t.equal((await putBytes(extra.url, pngImage(3, 3), extra.headers, origin)).status < 300, true)
  const confirmed = await settled([...pending, extra].map(async (upload) => await confirmReviewImage(harness, author!.headers, second.id, upload.uploadId)))
  t.same(confirmed.map((answer) => answer.response.status).sort(), [201, 201, 409], 'of three confirmed at once, two fit')
  const refused = confirmed.find((answer) => answer.response.status === 409)!
  t.equal(refused.response.headers.get('content-type'), PROBLEM_JSON)
  t.same(refused.error, { ...problem(409, 'REVIEW_IMAGES_FULL', 'A review has at most 2 images (REVIEW_MAX_IMAGES), counting uploads not yet confirmed; delete one first.', `/api/v1/reviews/${second.id}/images`), limit: 2 })
  t.equal((await api.GET('/api/v1/reviews/{id}', { params: { path: { id: second.id } } })).data?.images.length, 2)

  const url = `/api/v1/reviews/${second.id}/images/uploads`
  const asked = await app.inject({ method: 'POST', url, headers: author!.headers, payload: { contentType: 'image/png', bytes: 100 } })
  t.equal(asked.statusCode, 409)
  t.same(asked.json(), { ...problem(409, 'REVIEW_IMAGES_FULL', 'A review has at most 2 images (REVIEW_MAX_IMAGES), counting uploads not yet confirmed; delete one first.', url), limit: 2 })
})

t.test('wrong files are refused: by declared type and size, and by what the bytes are', async (t) => {
  const product = await createProduct(harness)
  const [author] = await createCustomers(harness, 1)
  const review = await writeReview(harness, author!.headers, product.id)
  const url = `/api/v1/reviews/${review.id}/images/uploads`
  const ask = async (payload: object) => await app.inject({ method: 'POST', url, headers: author!.headers, payload })
  t.same((await ask({ contentType: 'image/gif', bytes: 100 })).json(), validationProblem(url, [{ pointer: '/body/contentType', detail: 'must be equal to one of the allowed values' }]))
  t.same((await ask({ contentType: 'image/png', bytes: 4097 })).json(), validationProblem(url, [{ pointer: '/body/bytes', detail: 'must be at most 4096 (UPLOAD_MAX_BYTES)' }]))

  const impostor = await sendReviewImage(harness, author!.headers, review.id, HTML_PAGE, 'image/png')
  const confirmed = await confirmReviewImage(harness, author!.headers, review.id, impostor.uploadId)
  t.equal(confirmed.response.status, 400)
  t.same(confirmed.error, problem(400, 'UPLOAD_INVALID', 'The uploaded file was refused and deleted: it is not a readable image/png image. Start a new upload.', `/api/v1/reviews/${review.id}/images`))
  t.equal((await get(fileUrlOf(impostor))).status, 404, 'its file is deleted')

  const early = await presignReviewImage(harness, author!.headers, review.id, 'image/png', 100)
  const notYet = await confirmReviewImage(harness, author!.headers, review.id, early.uploadId)
  t.equal(notYet.response.status, 409)
  t.match(notYet.error, { code: 'UPLOAD_NOT_RECEIVED' })
  const body = await app.inject({ method: 'POST', url: `/api/v1/reviews/${review.id}/images`, headers: author!.headers, payload: { uploadId: early.uploadId, alt: 'x'.repeat(301) } })
  t.same(body.json(), validationProblem(`/api/v1/reviews/${review.id}/images`, [{ pointer: '/body/alt', detail: 'must NOT have more than 300 characters' }, { pointer: '/body/alt', detail: 'must be null' }, { pointer: '/body/alt', detail: 'must match a schema in anyOf' }]))
  t.same((await api.GET('/api/v1/reviews/{id}', { params: { path: { id: review.id } } })).data?.images, [])
})

t.test('images are the author\'s: others get 404s, staff 403s', async (t) => {
  const product = await createProduct(harness)
  const [author, someone] = await createCustomers(harness, 2)
  const review = await writeReview(harness, author!.headers, product.id)
  const theirs = await writeReview(harness, someone!.headers, product.id)
  const image = await addReviewImage(harness, author!.headers, review.id, pngImage(5, 5))
  const uploadsUrl = `/api/v1/reviews/${review.id}/images/uploads`
  const presign = async (headers: Record<string, string>, target = uploadsUrl) => await app.inject({ method: 'POST', url: target, headers, payload: { contentType: 'image/png', bytes: 100 } })
  t.same((await presign(someone!.headers)).json(), notFound(uploadsUrl))
  t.same((await presign(staff)).json(), problem(403, 'FORBIDDEN', 'This operation requires one of the roles CUSTOMER.', uploadsUrl))
  t.equal((await presign({})).statusCode, 401)
  t.same((await presign(author!.headers, `/api/v1/reviews/${UNKNOWN_ID}/images/uploads`)).json(), notFound(`/api/v1/reviews/${UNKNOWN_ID}/images/uploads`))

  const upload = await sendReviewImage(harness, author!.headers, review.id, pngImage(6, 6))
  t.equal((await confirmReviewImage(harness, someone!.headers, review.id, upload.uploadId)).response.status, 404, 'someone else confirming')
  const elsewhere = await confirmReviewImage(harness, someone!.headers, theirs.id, upload.uploadId)
  t.same(elsewhere.error, problem(404, 'NOT_FOUND', 'There is no pending upload with this id for this resource.', `/api/v1/reviews/${theirs.id}/images`), 'an upload for another review')

  const imageUrl = `/api/v1/reviews/${review.id}/images/${image.id}`
  const remove = async (headers: Record<string, string>, target = imageUrl) => await app.inject({ method: 'DELETE', url: target, headers })
  t.same((await remove(someone!.headers)).json(), notFound(imageUrl))
  t.equal((await remove(staff)).statusCode, 403)
  t.same((await remove(author!.headers, `/api/v1/reviews/${theirs.id}/images/${image.id}`)).json(), notFound(`/api/v1/reviews/${theirs.id}/images/${image.id}`))
  t.same((await remove(author!.headers, `/api/v1/reviews/${review.id}/images/${UNKNOWN_ID}`)).json(), notFound(`/api/v1/reviews/${review.id}/images/${UNKNOWN_ID}`))
  t.equal((await get(image.url)).status, 200, 'the file is still there')
})

t.test('deleting an image, then a review, deletes their files and upload records', async (t) => {
  const product = await createProduct(harness)
  const [author] = await createCustomers(harness, 1)
  const review = await writeReview(harness, author!.headers, product.id)
  const [first, second] = [await addReviewImage(harness, author!.headers, review.id, pngImage(7, 7)), await addReviewImage(harness, author!.headers, review.id, pngImage(8, 8))]
  const removed = await app.inject({ method: 'DELETE', url: `/api/v1/reviews/${review.id}/images/${first.id}`, headers: author!.headers })
  t.equal(removed.statusCode, 204)
  t.equal((await get(first.url)).status, 404, 'the file is gone at once')
  t.same((await api.GET('/api/v1/reviews/{id}', { params: { path: { id: review.id } } })).data?.images.map((image) => image.id), [second.id])
  t.equal(await uploadsOf(harness, review.id), 1, 'and its upload record')

  const unconfirmed = await sendReviewImage(harness, author!.headers, review.id, pngImage(9, 9))
  t.equal(await uploadsOf(harness, review.id), 2)
  t.equal((await app.inject({ method: 'DELETE', url: `/api/v1/reviews/${review.id}`, headers: author!.headers })).statusCode, 204)
  t.equal((await get(second.url)).status, 404, 'the review\'s images are gone')
  t.equal((await get(fileUrlOf(unconfirmed))).status, 404, 'and so is an upload never confirmed')
  t.equal(await uploadsOf(harness, review.id), 0, 'with every upload record')
})

t.test('a deleted product takes its reviews; the sweep job deletes their files', async (t) => {
  const product = await createProduct(harness)
  const kept = await createProduct(harness)
  const [ada, bob] = await createCustomers(harness, 2)
  const doomed = [await writeReview(harness, ada!.headers, product.id), await writeReview(harness, bob!.headers, product.id)]
  const survivor = await writeReview(harness, ada!.headers, kept.id)
  const images = [
    await addReviewImage(harness, ada!.headers, doomed[0]!.id, pngImage(10, 10)),
    await addReviewImage(harness, ada!.headers, doomed[0]!.id, pngImage(11, 11)),
    await addReviewImage(harness, bob!.headers, doomed[1]!.id, pngImage(12, 12))
  ]
  const keptImage = await addReviewImage(harness, ada!.headers, survivor.id, pngImage(13, 13))

  const deleted = await app.inject({ method: 'DELETE', url: `/api/v1/admin/products/${product.id}`, headers: staff })
  t.equal(deleted.statusCode, 204)
  t.equal((await app.inject({ method: 'GET', url: `/api/v1/reviews/${doomed[0]!.id}`, headers: ada!.headers })).statusCode, 404, 'its reviews went with it')
  t.equal(await app.runJobOnce('sweep-orphaned-review-images'), true)
  for (const image of images) t.equal((await get(image.url)).status, 404, 'the files of its reviews\' images are deleted')
  for (const review of doomed) t.equal(await uploadsOf(harness, review.id), 0, 'with their upload records')
  t.equal((await get(keptImage.url)).status, 200, 'other reviews keep theirs')
  t.equal(await uploadsOf(harness, survivor.id), 1)
  t.equal(await app.runJobOnce('sweep-orphaned-review-images'), true, 'a second run finds nothing more to do')
  t.equal((await get(keptImage.url)).status, 200)
})

t.test('with approval required, a new image sends a published review back for approval', async (t) => {
  const shop = await buildReviews(t, { REVIEWS_REQUIRE_APPROVAL: 'true' })
  const product = await createProduct(shop)
  const [author] = await createCustomers(shop, 1)
  const review = await writeReview(shop, author!.headers, product.id, { rating: 5 })
  await moderate(shop, review.id, 'PUBLISHED')
  t.same(await storedRating(shop, product.id), { average: 5, count: 1 })
  await addReviewImage(shop, author!.headers, review.id, pngImage(4, 4))
  t.equal((await shop.api.GET('/api/v1/reviews/{id}', { headers: author!.headers, params: { path: { id: review.id } } })).data?.status, 'PENDING')
  t.same(await storedRating(shop, product.id), { average: 0, count: 0 })
})
