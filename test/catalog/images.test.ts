import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { createProduct } from '../helpers/catalog.js'
import { settled } from '../helpers/concurrency.js'
import { bearer, signUpVerified } from '../helpers/identity.js'
import { ISO_INSTANT, UUID_V7 } from '../helpers/problems.js'
import {
  HTML_PAGE, IMAGE_MAKERS, SVG_IMAGE, ageUploads, buildGallery, confirm, download, fileUrlOf, galleryOf, jpegImage, pngImage, presign,
  putBytes, runUploadSweep, sendUpload, signInModerator, uploadImage, type ImageContentType
} from '../helpers/uploads.js'

const MAX_BYTES = 4096
const IMMUTABLE = 'public, max-age=31536000, immutable'
const UNKNOWN_ID = '0193b1e4-7c1a-7d2e-9f3a-1b2c3d4e5f60'

// One app for the file: every test works on products of its own.
const harness = await buildGallery(t, { UPLOAD_MAX_BYTES: String(MAX_BYTES) })
const { app, api, staff, origin } = harness

const put = async (url: string, bytes: Buffer, headers: Record<string, string>) => await putBytes(url, bytes, headers, origin)
const get = async (url: string) => await download(url, origin)
const imagePath = (productId: string, imageId: string) => ({ path: { id: productId, imageId } })

t.test('each type is presigned, PUT, confirmed with its real size, and served as stored', async (t) => {
  const product = await createProduct(harness)
  const files: Array<[ImageContentType, string, number, number]> = [['image/png', 'png', 40, 30], ['image/jpeg', 'jpg', 1920, 1080], ['image/webp', 'webp', 801, 601], ['image/avif', 'avif', 3000, 2000]]
  for (const [index, [contentType, extension, width, height]] of files.entries()) {
    const bytes = IMAGE_MAKERS[contentType](width, height)
    const upload = await presign(harness, product.id, contentType, bytes.length)
    t.match(upload, { uploadId: UUID_V7, method: 'PUT', expiresAt: ISO_INSTANT })
    t.same(upload.headers, { 'content-type': contentType, 'content-length': String(bytes.length) })
    t.ok(Math.abs(Date.parse(upload.expiresAt) - Date.now() - 900_000) < 5000, 'the URL lives UPLOAD_URL_TTL_SECONDS')
    const location = fileUrlOf(upload)
    t.match(location, new RegExp(`^${origin}/storage/[0-9a-f-]{36}\\.${extension}$`), 'a URL of this app, with the type\'s extension')

    t.equal((await put(upload.url, bytes, upload.headers)).status, 204, `${contentType} bytes are accepted`)
    const confirmed = await confirm(harness, product.id, upload.uploadId, { alt: `A ${extension} image` })
    t.equal(confirmed.response.status, 201)
    t.match(confirmed.data, { id: UUID_V7, url: location, alt: `A ${extension} image`, width, height, contentType, bytes: bytes.length, position: index, primary: index === 0, createdAt: ISO_INSTANT })

    const served = await get(confirmed.data!.url)
    t.equal(served.status, 200)
    t.ok(served.body.equals(bytes), 'the same bytes come back')
    t.equal(served.headers.get('content-type'), contentType)
    t.equal(served.headers.get('cache-control'), IMMUTABLE)
  }
  t.same((await galleryOf(harness, product.id)).map((image) => [image.contentType, image.width, image.height]), files.map(([type, , width, height]) => [type, width, height]))
})

t.test('confirming before the bytes arrive is a 409, and the upload can still be finished', async (t) => {
  const product = await createProduct(harness)
  const bytes = pngImage(12, 10)
  const upload = await presign(harness, product.id, 'image/png', bytes.length)
  const early = await confirm(harness, product.id, upload.uploadId)
  t.equal(early.response.status, 409)
  t.match(early.error, { status: 409, code: 'UPLOAD_NOT_RECEIVED', instance: `/api/v1/admin/products/${product.id}/images` })
  t.equal((await put(upload.url, bytes, upload.headers)).status, 204)
  const late = await confirm(harness, product.id, upload.uploadId)
  t.equal(late.response.status, 201)
  t.match(late.data, { width: 12, height: 10, primary: true })
})

t.test('files that are not the image they claim to be are refused on confirmation and deleted', async (t) => {
  const product = await createProduct(harness)
  const impostors: Array<[string, Buffer, ImageContentType]> = [['an HTML page', HTML_PAGE, 'image/png'], ['an SVG file', SVG_IMAGE, 'image/png'], ['a JPEG', jpegImage(20, 20), 'image/png'], ['a PNG', pngImage(20, 20), 'image/webp']]
  for (const [what, bytes, declared] of impostors) {
    const upload = await presign(harness, product.id, declared, bytes.length)
    t.equal((await put(upload.url, bytes, upload.headers)).status, 204, `${what} sent as ${declared} is stored until confirmed`)
    const confirmed = await confirm(harness, product.id, upload.uploadId)
    t.equal(confirmed.response.status, 400, `${what} is refused`)
    t.match(confirmed.error, { code: 'UPLOAD_INVALID' })
    t.equal((await get(fileUrlOf(upload))).status, 404, 'its file is deleted')
    t.equal((await confirm(harness, product.id, upload.uploadId)).response.status, 404, 'so is the upload')
  }
  t.same(await galleryOf(harness, product.id), [])
})

t.test('the upload URL takes exactly the declared file, signed by this server', async (t) => {
  const product = await createProduct(harness)
  const bytes = pngImage(16, 16)
  const upload = await presign(harness, product.id, 'image/png', bytes.length)
  const url = new URL(upload.url)
  const signature = url.searchParams.get('signature')!
  const tampered = (name: string, value: string): string => { const copy = new URL(url); copy.searchParams.set(name, value); return copy.toString() }
  const refusals: Array<[string, string, Buffer, Record<string, string>, number, string]> = [
    ['another declared type', upload.url, bytes, { ...upload.headers, 'content-type': 'image/jpeg' }, 403, 'UPLOAD_URL_INVALID'],
    ['a type that is no image', upload.url, bytes, { ...upload.headers, 'content-type': 'text/html' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['more bytes', upload.url, Buffer.concat([bytes, Buffer.from([0])]), { 'content-type': 'image/png' }, 403, 'UPLOAD_URL_INVALID'],
    ['fewer bytes', upload.url, bytes.subarray(1), { 'content-type': 'image/png' }, 403, 'UPLOAD_URL_INVALID'],
    ['a changed signature', tampered('signature', `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`), bytes, upload.headers, 403, 'UPLOAD_URL_INVALID'],
    ['a later expiry', tampered('expires', String(Number(url.searchParams.get('expires')) + 3600)), bytes, upload.headers, 403, 'UPLOAD_URL_INVALID'],
    ['another key', upload.url.replace(/[0-9a-f-]{36}\.png/, `${UNKNOWN_ID}.png`), bytes, upload.headers, 403, 'UPLOAD_URL_INVALID']
  ]
  for (const [what, target, body, headers, status, code] of refusals) {
    const answer = await put(target, body, headers)
    t.equal(answer.status, status, what)
    const problem = JSON.parse(answer.body.toString())
    t.match(problem, { code }, what)
    if (status === 415) t.notMatch(problem.detail, 'application/json', 'the 415 names what this route takes, not JSON')
  }
  t.equal((await get(fileUrlOf(upload))).status, 404, 'nothing was stored')
  t.equal((await get(`${origin}/storage/${UNKNOWN_ID}.png`)).status, 404)
  t.equal((await confirm(harness, product.id, upload.uploadId)).response.status, 409)

  t.equal((await put(upload.url, bytes, upload.headers)).status, 204, 'the intact URL still works')
  t.equal((await confirm(harness, product.id, upload.uploadId)).response.status, 201)
})

t.test('an expired upload URL is refused', async (t) => {
  const shortLived = await buildGallery(t, { UPLOAD_URL_TTL_SECONDS: '1' })
  const product = await createProduct(shortLived)
  const bytes = pngImage(8, 8)
  const upload = await presign(shortLived, product.id, 'image/png', bytes.length)
  await sleep(1100)
  const late = await putBytes(upload.url, bytes, upload.headers, shortLived.origin)
  t.equal(late.status, 403)
  t.match(JSON.parse(late.body.toString()), { code: 'UPLOAD_URL_EXPIRED' })
  t.equal((await confirm(shortLived, product.id, upload.uploadId)).response.status, 409, 'nothing arrived')
})

t.test('the declared type and size are checked when the URL is asked for, the body when it is sent', async (t) => {
  const product = await createProduct(harness)
  const ask = async (body: object) => await app.inject({ method: 'POST', url: `/api/v1/admin/products/${product.id}/images/uploads`, headers: staff, payload: body })
  const tooLarge = await ask({ contentType: 'image/png', bytes: MAX_BYTES + 1 })
  t.equal(tooLarge.statusCode, 400)
  t.match(tooLarge.json(), { code: 'VALIDATION_FAILED', errors: [{ pointer: '/body/bytes' }] })
  for (const contentType of ['image/gif', 'image/svg+xml', 'text/html']) {
    const refused = await ask({ contentType, bytes: 100 })
    t.equal(refused.statusCode, 400, contentType)
    t.match(refused.json(), { errors: [{ pointer: '/body/contentType' }] })
  }
  const largest = await presign(harness, product.id, 'image/png', MAX_BYTES)
  const oversized = await put(largest.url, Buffer.alloc(MAX_BYTES + 1), { 'content-type': 'image/png' })
  t.equal(oversized.status, 413, 'a body over UPLOAD_MAX_BYTES')
  t.match(JSON.parse(oversized.body.toString()), { code: 'PAYLOAD_TOO_LARGE' })
  t.equal((await get(fileUrlOf(largest))).status, 404)
})

t.test('an upload is confirmed once, even twice at once, and only for its own product', async (t) => {
  const product = await createProduct(harness)
  const other = await createProduct(harness)
  const first = await sendUpload(harness, product.id, pngImage(10, 10))
  t.equal((await confirm(harness, other.id, first.uploadId)).response.status, 404, 'another product\'s upload')
  t.equal((await confirm(harness, UNKNOWN_ID, first.uploadId)).response.status, 404, 'an unknown product')
  t.equal((await confirm(harness, product.id, UNKNOWN_ID)).response.status, 404, 'an unknown upload')
  t.equal((await confirm(harness, product.id, first.uploadId)).response.status, 201)
  t.equal((await confirm(harness, product.id, first.uploadId)).response.status, 404, 'a second confirmation')

  const second = await sendUpload(harness, product.id, pngImage(11, 11))
  const racing = await settled([confirm(harness, product.id, second.uploadId), confirm(harness, product.id, second.uploadId)])
  t.same(racing.map((answer) => answer.response.status).sort(), [201, 404], 'of two at once, one wins')
  t.same((await galleryOf(harness, product.id)).map((image) => image.width), [10, 11], 'exactly one image per upload')
  t.same(await galleryOf(harness, other.id), [])
})

t.test('the first image is primary; primary moves; positions and alt text change', async (t) => {
  const product = await createProduct(harness)
  const [a, b, c] = [await uploadImage(harness, product.id, pngImage(1, 1), 'image/png', { primary: false }), await uploadImage(harness, product.id, pngImage(2, 2)), await uploadImage(harness, product.id, pngImage(3, 3))]
  t.same([a.primary, b.primary, c.primary], [true, false, false], 'the first image is primary, even when asked not to be')
  t.same([a.position, b.position, c.position], [0, 1, 2], 'each goes after the last')
  const primaryOf = async () => (await galleryOf(harness, product.id)).filter((image) => image.primary).map((image) => image.width)

  const moved = await api.PATCH('/api/v1/admin/products/{id}/images/{imageId}', { headers: staff, params: imagePath(product.id, b.id), body: { primary: true } })
  t.match(moved.data, { id: b.id, primary: true })
  t.same(await primaryOf(), [2], 'exactly one primary image')
  const d = await uploadImage(harness, product.id, pngImage(4, 4), 'image/png', { primary: true, position: 10, alt: 'Four' })
  t.match(d, { primary: true, position: 10, alt: 'Four' })
  t.same(await primaryOf(), [4], 'a new image can take it over')

  const repositioned = await api.PATCH('/api/v1/admin/products/{id}/images/{imageId}', { headers: staff, params: imagePath(product.id, a.id), body: { position: 20, alt: 'One, last' } })
  t.match(repositioned.data, { position: 20, alt: 'One, last', primary: false })
  t.same((await galleryOf(harness, product.id)).map((image) => image.width), [2, 3, 4, 1], 'the gallery is in position order')
  const cleared = await api.PATCH('/api/v1/admin/products/{id}/images/{imageId}', { headers: staff, params: imagePath(product.id, a.id), body: { alt: null } })
  t.equal(cleared.data?.alt, null)

  for (const body of [{ primary: false }, {}, { alt: 'x'.repeat(301) }, { position: 1001 }]) {
    const refused = await app.inject({ method: 'PATCH', url: `/api/v1/admin/products/${product.id}/images/${a.id}`, headers: staff, payload: body })
    t.equal(refused.statusCode, 400, JSON.stringify(body).slice(0, 40))
  }
})

t.test('exactly one image stays primary under concurrent changes', async (t) => {
  const product = await createProduct(harness)
  const uploads = await settled([1, 2, 3, 4].map(async (size) => await sendUpload(harness, product.id, pngImage(size, size))))
  const added = await settled(uploads.map(async (upload) => await confirm(harness, product.id, upload.uploadId)))
  t.same(added.map((answer) => answer.response.status), [201, 201, 201, 201])
  const gallery = await galleryOf(harness, product.id)
  t.equal(gallery.filter((image) => image.primary).length, 1, 'concurrent first images: one primary')
  t.same(gallery.map((image) => image.position).sort(), [0, 1, 2, 3], 'and distinct positions')

  const changes = await settled([...gallery, ...gallery].map(async (image) =>
    await api.PATCH('/api/v1/admin/products/{id}/images/{imageId}', { headers: staff, params: imagePath(product.id, image.id), body: { primary: true } })))
  t.same(changes.map((answer) => answer.response.status), Array(8).fill(200))
  t.equal((await galleryOf(harness, product.id)).filter((image) => image.primary).length, 1, 'concurrent moves: one primary')
})

t.test('deleting images removes their files and promotes the next one', async (t) => {
  const product = await createProduct(harness)
  const other = await createProduct(harness)
  const [first, second, third] = [await uploadImage(harness, product.id, pngImage(1, 1)), await uploadImage(harness, product.id, pngImage(2, 2)), await uploadImage(harness, product.id, pngImage(3, 3))]
  const remove = async (productId: string, imageId: string) => await api.DELETE('/api/v1/admin/products/{id}/images/{imageId}', { headers: staff, params: imagePath(productId, imageId) })

  t.equal((await remove(other.id, first.id)).response.status, 404, 'not through another product')
  t.equal((await remove(product.id, first.id)).response.status, 204)
  t.equal((await get(first.url)).status, 404, 'the file is gone')
  t.same((await galleryOf(harness, product.id)).map((image) => [image.width, image.primary]), [[2, true], [3, false]], 'the next image is primary')
  t.equal((await remove(product.id, first.id)).response.status, 404, 'deleting twice')
  t.equal((await remove(product.id, third.id)).response.status, 204)
  t.same((await galleryOf(harness, product.id)).map((image) => [image.width, image.primary]), [[2, true]], 'deleting another keeps the primary')
  t.equal((await get(second.url)).status, 200)
})

t.test('deleting a product, as an admin, removes all its files', async (t) => {
  const product = await createProduct(harness)
  const images = [await uploadImage(harness, product.id, pngImage(5, 5)), await uploadImage(harness, product.id, pngImage(6, 6))] as const
  const moderator = await signInModerator(harness)
  const byModerator = await api.DELETE('/api/v1/admin/products/{id}', { headers: moderator, params: { path: { id: product.id } } })
  t.equal(byModerator.response.status, 403, 'only admins delete products')
  t.equal((await get(images[0].url)).status, 200, 'nothing was deleted')
  t.equal((await api.DELETE('/api/v1/admin/products/{id}', { headers: staff, params: { path: { id: product.id } } })).response.status, 204)
  for (const image of images) t.equal((await get(image.url)).status, 404, 'its file is gone')
})

t.test('a moderator manages images; customers and anonymous callers cannot', async (t) => {
  const product = await createProduct(harness)
  const moderator = { ...harness, staff: await signInModerator(harness) }
  const image = await uploadImage(moderator, product.id, pngImage(7, 7))
  t.match(await galleryOf(harness, product.id), [{ id: image.id, primary: true }], 'a moderator uploads')
  const patched = await api.PATCH('/api/v1/admin/products/{id}/images/{imageId}', { headers: moderator.staff, params: imagePath(product.id, image.id), body: { alt: 'By a moderator' } })
  t.equal(patched.data?.alt, 'By a moderator')

  const customer = bearer(await signUpVerified(harness))
  const upload = await sendUpload(harness, product.id, pngImage(8, 8))
  const imageUrl = `/api/v1/admin/products/${product.id}/images/${image.id}`
  const operations = [
    { method: 'POST' as const, url: `/api/v1/admin/products/${product.id}/images/uploads`, payload: { contentType: 'image/png', bytes: 100 } },
    { method: 'POST' as const, url: `/api/v1/admin/products/${product.id}/images`, payload: { uploadId: upload.uploadId } },
    { method: 'PATCH' as const, url: imageUrl, payload: { primary: true } },
    { method: 'DELETE' as const, url: imageUrl }
  ]
  for (const [who, headers, code] of [['no token', {}, 'UNAUTHORIZED'], ['a customer', customer, 'INVALID_TOKEN']] as const) {
    for (const operation of operations) {
      const refused = await app.inject({ ...operation, headers })
      t.equal(refused.statusCode, 401, `${who}: ${operation.method} ${operation.url.split('/').slice(5).join('/')}`)
      t.equal(refused.json().code, code)
    }
  }
  t.match(await galleryOf(harness, product.id), [{ id: image.id, alt: 'By a moderator' }], 'nothing changed')
  t.equal((await confirm(harness, product.id, upload.uploadId)).response.status, 201, 'the upload was not used')

  const deleted = await api.DELETE('/api/v1/admin/products/{id}/images/{imageId}', { headers: moderator.staff, params: imagePath(product.id, image.id) })
  t.equal(deleted.response.status, 204, 'a moderator deletes')
})

t.test('unknown products and images are 404s', async (t) => {
  const product = await createProduct(harness)
  const image = await uploadImage(harness, product.id, pngImage(9, 9))
  const presigned = await api.POST('/api/v1/admin/products/{id}/images/uploads', { headers: staff, params: { path: { id: UNKNOWN_ID } }, body: { contentType: 'image/png', bytes: 10 } })
  t.match(presigned, { response: { status: 404 }, error: { code: 'NOT_FOUND' } })
  for (const [productId, imageId] of [[UNKNOWN_ID, image.id], [product.id, UNKNOWN_ID]] as const) {
    const patched = await api.PATCH('/api/v1/admin/products/{id}/images/{imageId}', { headers: staff, params: imagePath(productId, imageId), body: { alt: 'x' } })
    t.equal(patched.response.status, 404)
    t.equal((await api.DELETE('/api/v1/admin/products/{id}/images/{imageId}', { headers: staff, params: imagePath(productId, imageId) })).response.status, 404)
  }
  t.equal((await app.inject({ method: 'DELETE', url: `/api/v1/admin/products/${product.id}/images/not-an-id`, headers: staff })).statusCode, 400)
  t.match(await galleryOf(harness, product.id), [{ id: image.id, alt: null }])
})

t.test('the hourly sweep deletes uploads left unconfirmed for a day, files and records', async (t) => {
  const product = await createProduct(harness)
  const [abandoned, recent, confirmedLongAgo] = [await sendUpload(harness, product.id, pngImage(1, 1)), await sendUpload(harness, product.id, pngImage(2, 2)), await sendUpload(harness, product.id, pngImage(3, 3))]
  const image = (await confirm(harness, product.id, confirmedLongAgo.uploadId)).data!
  await ageUploads(app, [abandoned.uploadId, confirmedLongAgo.uploadId], 25)
  await ageUploads(app, [recent.uploadId], 23)

  t.ok(app.scheduler.existsById('sweep-unconfirmed-uploads'), 'the media module schedules the sweep')
  await runUploadSweep(app)
  t.equal((await get(fileUrlOf(abandoned))).status, 404, 'the abandoned file is deleted')
  t.equal((await confirm(harness, product.id, abandoned.uploadId)).response.status, 404, 'and its record (a record without its file would be a 409)')
  t.equal((await get(fileUrlOf(recent))).status, 200, 'a recent upload is kept')
  t.equal((await confirm(harness, product.id, recent.uploadId)).response.status, 201, 'and can still be confirmed')
  t.equal((await get(image.url)).status, 200, 'a confirmed upload is never swept')
  t.same((await galleryOf(harness, product.id)).map((kept) => kept.width).sort(), [2, 3])
})

t.test('a confirmed image\'s file cannot be replaced through its upload URL', async (t) => {
  const product = await createProduct(harness)
  const original = pngImage(300, 200, [255, 0, 0])
  const upload = await sendUpload(harness, product.id, original)
  const image = (await confirm(harness, product.id, upload.uploadId)).data!
  // Same size and declared type, so the signature still matches: but the file was checked and is cached as immutable.
  const replacement = Buffer.alloc(original.length, 0x20)
  HTML_PAGE.copy(replacement)
  const overwrite = await put(upload.url, replacement, upload.headers)
  t.not(overwrite.status, 204, 'the URL no longer writes once the upload is confirmed')
  t.ok((await get(image.url)).body.equals(original), 'the image still serves the bytes that were checked')
})

t.test('a stored image can be shown by a storefront on another origin', async (t) => {
  const product = await createProduct(harness)
  const served = await get((await uploadImage(harness, product.id, pngImage(4, 3))).url)
  // Browsers do not render a cross-origin <img> whose response carries Cross-Origin-Resource-Policy: same-origin.
  t.not(served.headers.get('cross-origin-resource-policy'), 'same-origin', 'not limited to the API\'s own origin')
})

t.test('an upload URL that outlives a day still ends in an image when used in time', async (t) => {
  const longLived = await buildGallery(t, { UPLOAD_URL_TTL_SECONDS: String(2 * 24 * 60 * 60) })
  const product = await createProduct(longLived)
  const bytes = pngImage(6, 6)
  const upload = await presign(longLived, product.id, 'image/png', bytes.length)
  await ageUploads(longLived.app, [upload.uploadId], 25)
  await runUploadSweep(longLived.app)
  t.equal((await putBytes(upload.url, bytes, upload.headers, longLived.origin)).status, 204, 'a day later, the URL is valid and takes the file')
  t.equal((await confirm(longLived, product.id, upload.uploadId)).response.status, 201, 'the upload can be confirmed, or nothing would ever delete the file')
})
