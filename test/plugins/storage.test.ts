import { readdir, readFile, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { loadConfig, type AppConfig } from '../../fastify.config.js'
import { createLocalStorage } from '../../plugins/storage/local-driver.js'
import { createS3Storage } from '../../plugins/storage/s3-driver.js'
import type { ObjectStorage } from '../../plugins/storage/object-storage.js'
import { startS3Server, type S3Server } from '../helpers/s3.js'
import { pngImage, putBytes, webpImage } from '../helpers/uploads.js'

const KEY = '0193b1e4-7c1a-7d2e-9f3a-1b2c3d4e5f60.png'
const OTHER_KEY = '0193b1e4-7c1a-7d2e-9f3a-1b2c3d4e5f61.png'

function config (env: Record<string, string>): AppConfig {
  return loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'http://shop.test', ...env }, { dotenv: false })
}

function s3Config (s3: S3Server, env: Record<string, string> = {}): AppConfig {
  return config({
    STORAGE_DRIVER: 's3',
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: s3.bucket,
    S3_REGION: s3.region,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    S3_FORCE_PATH_STYLE: 'true',
    ...env
  })
}

async function s3Storage (t: Test, s3: S3Server, env: Record<string, string> = {}): Promise<ObjectStorage> {
  const storage = createS3Storage(s3Config(s3, env))
  t.teardown(async () => { await storage.close?.() })
  return storage
}

t.test('local: an upload URL is signed for exactly one key, type, size and expiry', async (t) => {
  const storage = await createLocalStorage(config({ DATA_DIR: t.testdir(), JWT_SECRET: 'first-instance-secret' }))
  const before = Math.floor(Date.now() / 1000)
  const presigned = await storage.presignUpload(KEY, { contentType: 'image/png', bytes: 1234 }, 600)
  const url = new URL(presigned.url)
  t.equal(`${url.origin}${url.pathname}`, `http://shop.test/storage/${KEY}`, 'the URL is under PUBLIC_URL')
  t.same([...url.searchParams.keys()].sort(), ['expires', 'signature'])
  const expires = Number(url.searchParams.get('expires'))
  const signature = url.searchParams.get('signature') ?? ''
  t.ok(expires >= before + 600 && expires <= Math.floor(Date.now() / 1000) + 600, 'it expires in the seconds asked for')
  t.match(signature, /^[A-Za-z0-9_-]{43}$/)
  t.same({ method: presigned.method, headers: presigned.headers }, { method: 'PUT', headers: { 'content-type': 'image/png', 'content-length': '1234' } })
  t.equal(presigned.expiresAt.getTime(), expires * 1000)

  const exact = { contentType: 'image/png', bytes: 1234, expires, signature }
  t.equal(storage.verifyUpload(KEY, exact), 'valid')
  t.equal(storage.verifyUpload(OTHER_KEY, exact), 'invalid', 'another key')
  t.equal(storage.verifyUpload(KEY, { ...exact, contentType: 'image/jpeg' }), 'invalid', 'another type')
  t.equal(storage.verifyUpload(KEY, { ...exact, bytes: 1235 }), 'invalid', 'another size')
  t.equal(storage.verifyUpload(KEY, { ...exact, expires: expires + 3600 }), 'invalid', 'a later expiry')
  const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`
  t.equal(storage.verifyUpload(KEY, { ...exact, signature: flipped }), 'invalid', 'a changed signature')
  t.equal(storage.verifyUpload(KEY, { ...exact, signature: signature.slice(1) }), 'invalid', 'a shortened signature')

  const sameSecret = await createLocalStorage(config({ DATA_DIR: t.testdir(), JWT_SECRET: 'first-instance-secret' }))
  t.equal(sameSecret.verifyUpload(KEY, exact), 'valid', 'another instance with the same secret accepts the URL')
  const otherSecret = await createLocalStorage(config({ DATA_DIR: t.testdir(), JWT_SECRET: 'another-instance-secret' }))
  t.equal(otherSecret.verifyUpload(KEY, exact), 'invalid', 'a server with another secret does not')

  const lapsed = new URL((await storage.presignUpload(KEY, { contentType: 'image/png', bytes: 1234 }, 0)).url)
  t.equal(storage.verifyUpload(KEY, {
    contentType: 'image/png', bytes: 1234, expires: Number(lapsed.searchParams.get('expires')), signature: lapsed.searchParams.get('signature') ?? ''
  }), 'expired', 'a genuine signature past its expiry')
})

t.test('local: files are written whole under DATA_DIR/uploads, read, measured and deleted', async (t) => {
  const dataDir = t.testdir()
  const storage = await createLocalStorage(config({ DATA_DIR: dataDir }))
  t.equal(storage.directory, resolve(dataDir, 'uploads'))
  t.equal(storage.urlOf(KEY), `http://shop.test/storage/${KEY}`)
  t.equal(await storage.stat(KEY), null, 'nothing is stored yet')

  const png = pngImage(40, 30)
  await storage.put(KEY, png, 'image/png')
  t.ok((await readFile(join(storage.directory, KEY))).equals(png), 'the file holds the bytes')
  t.same(await readdir(storage.directory), [KEY], 'no temporary file is left behind')
  t.same(await storage.stat(KEY), { bytes: png.length })
  t.ok((await storage.readStart(KEY, 8)).equals(png.subarray(0, 8)), 'the first bytes')
  t.ok((await storage.readStart(KEY, png.length + 100)).equals(png), 'all of a shorter file')

  await storage.put(OTHER_KEY, pngImage(2, 2), 'image/png')
  await storage.delete([KEY, '0193b1e4-7c1a-7d2e-9f3a-1b2c3d4e5f62.png'])
  t.equal(await storage.stat(KEY), null, 'deleted, and a key with nothing stored is ignored')
  t.same(await readdir(storage.directory), [OTHER_KEY], 'other files stay')
})

t.test('local: no key names a path outside the uploads directory', async (t) => {
  const dataDir = t.testdir({ 'keep.png': 'not to be touched' })
  const storage = await createLocalStorage(config({ DATA_DIR: dataDir }))
  t.throws(() => storage.pathOf('../keep.png'), { message: 'not a storage key: ../keep.png' })
  await t.rejects(storage.put('../written.png', Buffer.from('x'), 'image/png'))
  await t.rejects(storage.stat('../keep.png'))
  await storage.delete(['../keep.png'])
  t.equal(await readFile(join(dataDir, 'keep.png'), 'utf8'), 'not to be touched', 'delete ignores it')
  t.equal(await stat(join(dataDir, 'written.png')).catch(() => null), null, 'put wrote nothing')
})

t.test('s3: a presigned URL takes the declared bytes, which the driver measures and reads', async (t) => {
  const s3 = await startS3Server(t)
  const storage = await s3Storage(t, s3)
  t.equal(storage.urlOf(KEY), `${s3.endpoint}/${s3.bucket}/${KEY}`, 'files are served from the bucket by default')
  t.equal(await storage.stat(KEY), null)

  const png = pngImage(40, 30)
  const presigned = await storage.presignUpload(KEY, { contentType: 'image/png', bytes: png.length }, 600)
  t.same({ method: presigned.method, headers: presigned.headers }, { method: 'PUT', headers: { 'content-type': 'image/png', 'content-length': String(png.length), 'if-none-match': '*' } }, 'the URL may create the object, never replace it')
  t.ok(Math.abs(presigned.expiresAt.getTime() - (Date.now() + 600_000)) < 5000)
  const url = new URL(presigned.url)
  t.equal(`${url.origin}${url.pathname}`, `${s3.endpoint}/${s3.bucket}/${KEY}`, 'a path-style URL to the object')
  t.same(url.searchParams.get('X-Amz-SignedHeaders')?.split(';').sort(), ['content-length', 'content-type', 'host', 'if-none-match'], 'type, size and create-only are signed')
  t.equal(url.searchParams.get('X-Amz-Expires'), '600')

  t.equal((await putBytes(presigned.url, png, presigned.headers)).status, 200)
  t.same(await storage.stat(KEY), { bytes: png.length })
  t.ok((await storage.readStart(KEY, 8)).equals(png.subarray(0, 8)), 'a ranged read of the first bytes')
  t.ok((await storage.readStart(KEY, png.length + 100)).equals(png), 'all of a shorter object')

  const client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: s3 })
  t.teardown(() => { client.destroy() })
  const object = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: KEY }))
  t.equal(object.ContentType, 'image/png', 'the object keeps its type')
  t.ok(Buffer.from(await object.Body!.transformToByteArray()).equals(png))
})

t.test('s3: the service refuses another type, another size, and an expired URL', async (t) => {
  const s3 = await startS3Server(t)
  const storage = await s3Storage(t, s3)
  const png = pngImage(40, 30)
  const presigned = await storage.presignUpload(KEY, { contentType: 'image/png', bytes: png.length }, 600)

  const otherType = await putBytes(presigned.url, png, { ...presigned.headers, 'content-type': 'image/jpeg' })
  t.equal(otherType.status, 403, 'another content type')
  t.match(otherType.body.toString(), '<Code>SignatureDoesNotMatch</Code>')
  const longer = Buffer.concat([png, Buffer.from('trailing bytes')])
  t.equal((await putBytes(presigned.url, longer, { ...presigned.headers, 'content-length': String(longer.length) })).status, 403, 'more bytes')
  const shorter = png.subarray(0, png.length - 1)
  t.equal((await putBytes(presigned.url, shorter, { ...presigned.headers, 'content-length': String(shorter.length) })).status, 403, 'fewer bytes')

  const shortLived = await storage.presignUpload(OTHER_KEY, { contentType: 'image/png', bytes: png.length }, 1)
  await sleep(1100)
  const expired = await putBytes(shortLived.url, png, shortLived.headers)
  t.equal(expired.status, 403, 'after expiry')
  t.match(expired.body.toString(), '<Code>AccessDenied</Code>')

  t.equal(await storage.stat(KEY), null, 'nothing was stored')
  t.equal(await storage.stat(OTHER_KEY), null)
})

t.test('s3: server-side puts, deletes, public URLs, and errors that are not absence', async (t) => {
  const s3 = await startS3Server(t)
  const storage = await s3Storage(t, s3)
  const webp = webpImage(64, 48)
  await storage.put(KEY, webp, 'image/webp')
  t.same(await storage.stat(KEY), { bytes: webp.length })
  t.ok((await storage.readStart(KEY, 64)).equals(webp))

  await storage.delete([KEY, OTHER_KEY])
  t.equal(await storage.stat(KEY), null, 'deleted, and a key with nothing stored is ignored')

  const cdn = await s3Storage(t, s3, { STORAGE_PUBLIC_URL: 'https://cdn.example.com/media/' })
  t.equal(cdn.urlOf(KEY), `https://cdn.example.com/media/${KEY}`, 'STORAGE_PUBLIC_URL, without a doubled slash')
  const aws = createS3Storage(config({ STORAGE_DRIVER: 's3', S3_BUCKET: 'shop-media', S3_REGION: 'eu-west-3' }))
  t.teardown(async () => { await aws.close?.() })
  t.equal(aws.urlOf(KEY), `https://shop-media.s3.eu-west-3.amazonaws.com/${KEY}`, 'AWS\'s own bucket URL without an endpoint')

  const wrongSecret = await s3Storage(t, s3, { S3_SECRET_ACCESS_KEY: 'not-the-secret' })
  const refused = await wrongSecret.stat(KEY).then(() => 'resolved', (error: unknown) => error)
  t.match(refused, { $metadata: { httpStatusCode: 403 } }, 'a refused request is an error, not a missing object')
})
