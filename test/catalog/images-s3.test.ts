import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { buildCatalog, createProduct } from '../helpers/catalog.js'
import { startS3Server } from '../helpers/s3.js'
import {
  HTML_PAGE, SVG_IMAGE, ageUploads, avifImage, confirm, galleryOf, keyOf, pngImage, presign, putBytes, runUploadSweep, sendUpload,
  uploadImage, webpImage, type ImageContentType
} from '../helpers/uploads.js'

const s3 = await startS3Server(t)
const S3_ENV = {
  STORAGE_DRIVER: 's3',
  S3_ENDPOINT: s3.endpoint,
  S3_BUCKET: s3.bucket,
  S3_ACCESS_KEY_ID: s3.accessKeyId,
  S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
  S3_REGION: s3.region,
  S3_FORCE_PATH_STYLE: 'true'
}
const client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: s3 })
t.teardown(() => { client.destroy() })

const bucketUrl = `${s3.endpoint}/${s3.bucket}`

async function objectExists (key: string): Promise<boolean> {
  return await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key })).then(() => true, (error: { name?: string }) => {
    if (error.name === 'NotFound') return false
    throw error
  })
}

/** GETs the object at a bucket URL. The loopback bucket is private, like most: the GET is signed, for exactly that URL. */
async function fetchFromBucket (t: Test, url: string): Promise<{ contentType: string | null, body: Buffer }> {
  const [bucket, key] = new URL(url).pathname.slice(1).split('/')
  const signed = new URL(await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 60 }))
  t.equal(`${signed.origin}${signed.pathname}`, url, 'the signed GET goes to the image URL itself')
  const response = await fetch(signed)
  t.equal(response.status, 200)
  return { contentType: response.headers.get('content-type'), body: Buffer.from(await response.arrayBuffer()) }
}

/** A CDN in front of the private bucket, serving its objects under `/media/`, as STORAGE_PUBLIC_URL would name it. */
async function startCdn (t: Test): Promise<string> {
  const cdn = createServer((request, response) => {
    const key = (request.url ?? '').replace(/^\/media\//, '')
    client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key })).then(async (object) => {
      const body = Buffer.from(await object.Body!.transformToByteArray())
      response.writeHead(200, { 'content-type': object.ContentType ?? 'application/octet-stream' }).end(body)
    }, () => { response.writeHead(404).end() })
  })
  cdn.listen(0, '127.0.0.1')
  await once(cdn, 'listening')
  t.teardown(async () => { cdn.closeAllConnections(); await new Promise((resolve) => cdn.close(resolve)) })
  return `http://127.0.0.1:${(cdn.address() as AddressInfo).port}`
}

// One app for most tests (files served from the bucket's own URL); each test works on products of its own.
t.test('STORAGE_DRIVER=s3', async (t) => {
  const harness = await buildCatalog(t, S3_ENV)

  t.test('images go straight to the bucket over presigned PUTs, and are served from the bucket URL', async (t) => {
    const product = await createProduct(harness)
    const files: Array<[ImageContentType, Buffer, number, number, string]> = [
      ['image/png', pngImage(64, 48), 64, 48, 'png'], ['image/webp', webpImage(1200, 800), 1200, 800, 'webp'], ['image/avif', avifImage(640, 360), 640, 360, 'avif']
    ]
    for (const [index, [contentType, bytes, width, height, extension]] of files.entries()) {
      const upload = await presign(harness, product.id, contentType, bytes.length)
      const target = new URL(upload.url)
      t.match(`${target.origin}${target.pathname}`, new RegExp(`^${bucketUrl}/[0-9a-f-]{36}\\.${extension}$`), 'a URL of the bucket')
      t.equal(target.searchParams.get('X-Amz-Expires'), '900', 'valid for UPLOAD_URL_TTL_SECONDS')
      t.same(upload.headers, { 'content-type': contentType, 'content-length': String(bytes.length), 'if-none-match': '*' })
      t.equal((await putBytes(upload.url, bytes, upload.headers)).status, 200, `S3 takes the ${extension}`)

      const confirmed = await confirm(harness, product.id, upload.uploadId, { alt: extension })
      t.equal(confirmed.response.status, 201)
      t.match(confirmed.data, { url: `${bucketUrl}/${keyOf(upload.url)}`, alt: extension, width, height, contentType, bytes: bytes.length, position: index, primary: index === 0 })
      const served = await fetchFromBucket(t, confirmed.data!.url)
      t.ok(served.body.equals(bytes), 'the bucket holds the bytes sent')
      t.equal(served.contentType, contentType)
    }
  })

  t.test('S3 refuses another type or more bytes than declared, and confirming then is a 409', async (t) => {
    const product = await createProduct(harness)
    const bytes = pngImage(20, 20)
    const longer = Buffer.concat([bytes, Buffer.from('and some more')])
    const attempts: Array<[string, Buffer, Record<string, string>]> = [
      ['another content type', bytes, { 'content-type': 'image/jpeg', 'content-length': String(bytes.length) }],
      ['more bytes', longer, { 'content-type': 'image/png', 'content-length': String(longer.length) }]
    ]
    for (const [what, body, headers] of attempts) {
      const upload = await presign(harness, product.id, 'image/png', bytes.length)
      const refused = await putBytes(upload.url, body, headers)
      t.equal(refused.status, 403, what)
      t.match(refused.body.toString(), '<Code>SignatureDoesNotMatch</Code>')
      t.equal(await objectExists(keyOf(upload.url)), false, 'nothing is stored')
      const early = await confirm(harness, product.id, upload.uploadId)
      t.match(early, { response: { status: 409 }, error: { code: 'UPLOAD_NOT_RECEIVED' } })
    }
  })

  t.test('a file that is not the image it claims to be is refused on confirmation and deleted from the bucket', async (t) => {
    const product = await createProduct(harness)
    for (const [what, bytes] of [['an HTML page', HTML_PAGE], ['an SVG file', SVG_IMAGE]] as const) {
      const upload = await sendUpload(harness, product.id, bytes, 'image/png')
      t.equal(await objectExists(keyOf(upload.url)), true, `${what} labelled image/png reaches the bucket`)
      const confirmed = await confirm(harness, product.id, upload.uploadId)
      t.match(confirmed, { response: { status: 400 }, error: { code: 'UPLOAD_INVALID' } }, `${what} is refused`)
      t.equal(await objectExists(keyOf(upload.url)), false, 'and deleted')
    }
    t.same(await galleryOf(harness, product.id), [])
  })

  t.test('deleting an image, or its product, deletes the objects', async (t) => {
    const product = await createProduct(harness)
    const images = [await uploadImage(harness, product.id, pngImage(1, 1)), await uploadImage(harness, product.id, pngImage(2, 2)), await uploadImage(harness, product.id, pngImage(3, 3))]
    const [first, ...others] = images.map((image) => keyOf(image.url))
    const deleted = await harness.api.DELETE('/api/v1/admin/products/{id}/images/{imageId}', { headers: harness.staff, params: { path: { id: product.id, imageId: images[0]!.id } } })
    t.equal(deleted.response.status, 204)
    t.equal(await objectExists(first!), false, 'the image\'s object is gone')
    t.same(await Promise.all(others.map(objectExists)), [true, true], 'the others stay')
    t.match(await galleryOf(harness, product.id), [{ width: 2, primary: true }, { width: 3, primary: false }])

    const gone = await harness.api.DELETE('/api/v1/admin/products/{id}', { headers: harness.staff, params: { path: { id: product.id } } })
    t.equal(gone.response.status, 204)
    t.same(await Promise.all(others.map(objectExists)), [false, false], 'the product\'s objects are gone')
  })

  t.test('the sweep deletes abandoned uploads from the bucket and keeps recent ones', async (t) => {
    const product = await createProduct(harness)
    const abandoned = await sendUpload(harness, product.id, pngImage(4, 4))
    const recent = await sendUpload(harness, product.id, pngImage(5, 5))
    await ageUploads(harness.app, [abandoned.uploadId], 25)
    await runUploadSweep(harness.app)
    t.equal(await objectExists(keyOf(abandoned.url)), false, 'the abandoned object is deleted')
    t.equal((await confirm(harness, product.id, abandoned.uploadId)).response.status, 404, 'and its record')
    t.equal(await objectExists(keyOf(recent.url)), true)
    t.equal((await confirm(harness, product.id, recent.uploadId)).response.status, 201)
  })

  t.test('the local storage routes answer 404 under the s3 driver', async (t) => {
    const product = await createProduct(harness)
    const image = await uploadImage(harness, product.id, pngImage(6, 6))
    const key = keyOf(image.url)
    const query = `expires=${Math.floor(Date.now() / 1000) + 600}&signature=${'A'.repeat(43)}`
    const body = pngImage(6, 6)
    const put = await harness.app.inject({ method: 'PUT', url: `/storage/${key}?${query}`, headers: { 'content-type': 'image/png' }, payload: body })
    t.equal(put.statusCode, 404)
    t.match(put.json(), { code: 'NOT_FOUND' })
    const get = await harness.app.inject({ method: 'GET', url: `/storage/${key}` })
    t.equal(get.statusCode, 404, 'the image is not served by the app')
    t.match(get.json(), { code: 'NOT_FOUND' })
    t.equal(await objectExists(key), true, 'it lives in the bucket')
  })
})

t.test('with STORAGE_PUBLIC_URL, image URLs point there and serve the bytes', async (t) => {
  const cdn = await startCdn(t)
  const behindCdn = await buildCatalog(t, { ...S3_ENV, STORAGE_PUBLIC_URL: `${cdn}/media/` })
  const product = await createProduct(behindCdn)
  const bytes = pngImage(50, 25)
  const image = await uploadImage(behindCdn, product.id, bytes)
  t.match(image.url, new RegExp(`^${cdn}/media/[0-9a-f-]{36}\\.png$`))
  const served = await fetch(image.url)
  t.equal(served.status, 200)
  t.equal(served.headers.get('content-type'), 'image/png')
  t.ok(Buffer.from(await served.arrayBuffer()).equals(bytes))
})

t.test('S3 refuses an expired upload URL, and confirming then is a 409', async (t) => {
  const shortLived = await buildCatalog(t, { ...S3_ENV, UPLOAD_URL_TTL_SECONDS: '1' })
  const product = await createProduct(shortLived)
  const bytes = pngImage(20, 20)
  const upload = await presign(shortLived, product.id, 'image/png', bytes.length)
  await sleep(1100)
  const late = await putBytes(upload.url, bytes, upload.headers)
  t.equal(late.status, 403)
  t.match(late.body.toString(), '<Code>AccessDenied</Code>')
  t.equal(await objectExists(keyOf(upload.url)), false)
  t.match(await confirm(shortLived, product.id, upload.uploadId), { response: { status: 409 }, error: { code: 'UPLOAD_NOT_RECEIVED' } })
})
