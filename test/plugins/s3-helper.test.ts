import { randomBytes } from 'node:crypto'
import t from 'tap'
import { GetObjectCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { startS3Server, type S3Server } from '../helpers/s3.js'

function s3Client (s3: S3Server, overrides: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    // Without this the SDK puts the CRC32 of an empty body into presigned PUT URLs, and S3 then
    // refuses the real upload (see the BadDigest test below).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    ...overrides
  })
}

async function objectBytes (client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
  if (object.Body === undefined) throw new Error(`GetObject ${key} returned no body`)
  return Buffer.from(await object.Body.transformToByteArray())
}

function errorCode (body: string): string | undefined {
  return /<Code>([^<]+)<\/Code>/.exec(body)?.[1]
}

t.test('a presigned PUT uploads real bytes that GetObject returns', async (t) => {
  const s3 = await startS3Server(t)
  t.match(s3, { endpoint: /^http:\/\/127\.0\.0\.1:\d+$/, bucket: String, accessKeyId: String, secretAccessKey: String, region: 'us-east-1' })
  const client = s3Client(s3)
  t.teardown(() => { client.destroy() })

  const key = 'products/0193b1e4-7c1a-7d2e-9f3a-1b2c3d4e5f60/gallery image.png'
  const bytes = randomBytes(64 * 1024)
  const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: s3.bucket, Key: key, ContentType: 'image/png' }), { expiresIn: 300 })
  const upload = await fetch(url, { method: 'PUT', body: bytes, headers: { 'content-type': 'image/png' } })
  t.equal(upload.status, 200, await upload.clone().text())
  t.ok(upload.headers.get('etag'), 'S3 answers with an ETag')

  t.ok((await objectBytes(client, s3.bucket, key)).equals(bytes), 'GetObject returns the uploaded bytes')

  const object = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))
  t.equal(object.ContentType, 'image/png', 'the content type sent with the upload is kept')
  t.equal(object.ContentLength, bytes.length)
  await object.Body?.transformToByteArray()

  const downloadUrl = await getSignedUrl(client, new GetObjectCommand({ Bucket: s3.bucket, Key: key }), { expiresIn: 300 })
  const download = await fetch(downloadUrl)
  t.equal(download.status, 200)
  t.ok(Buffer.from(await download.arrayBuffer()).equals(bytes), 'a presigned GET returns them too')
})

t.test('tampered, expired or unsigned requests are refused', async (t) => {
  const s3 = await startS3Server(t)
  const client = s3Client(s3)
  t.teardown(() => { client.destroy() })
  const bytes = Buffer.from('not an image')

  const url = new URL(await getSignedUrl(client, new PutObjectCommand({ Bucket: s3.bucket, Key: 'a.png' }), { expiresIn: 300 }))
  const signature = url.searchParams.get('X-Amz-Signature') ?? ''
  url.searchParams.set('X-Amz-Signature', `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`)
  const tampered = await fetch(url, { method: 'PUT', body: bytes })
  t.equal(tampered.status, 403)
  t.equal(errorCode(await tampered.text()), 'SignatureDoesNotMatch')

  const otherKey = new URL(await getSignedUrl(client, new PutObjectCommand({ Bucket: s3.bucket, Key: 'a.png' }), { expiresIn: 300 }))
  otherKey.pathname = otherKey.pathname.replace('a.png', 'b.png')
  const redirected = await fetch(otherKey, { method: 'PUT', body: bytes })
  t.equal(redirected.status, 403, 'a URL signed for one key does not write another')
  t.equal(errorCode(await redirected.text()), 'SignatureDoesNotMatch')

  const expiredUrl = await getSignedUrl(client, new PutObjectCommand({ Bucket: s3.bucket, Key: 'a.png' }), {
    expiresIn: 60,
    signingDate: new Date(Date.now() - 10 * 60 * 1000)
  })
  const expired = await fetch(expiredUrl, { method: 'PUT', body: bytes })
  t.equal(expired.status, 403)
  t.equal(errorCode(await expired.text()), 'AccessDenied')

  const anonymous = await fetch(`${s3.endpoint}/${s3.bucket}/a.png`, { method: 'PUT', body: bytes })
  t.equal(anonymous.status, 403)
  t.equal(errorCode(await anonymous.text()), 'AccessDenied')

  const wrongSecret = s3Client(s3, { credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: 'not-the-secret' } })
  t.teardown(() => { wrongSecret.destroy() })
  await t.rejects(wrongSecret.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'a.png' })), { name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } })

  await t.rejects(client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'a.png' })), { name: 'NoSuchKey' }, 'nothing was written')
})

t.test('a body that does not match its declared checksum is refused', async (t) => {
  const s3 = await startS3Server(t)
  const defaults = s3Client(s3, { requestChecksumCalculation: 'WHEN_SUPPORTED' })
  t.teardown(() => { defaults.destroy() })

  const url = await getSignedUrl(defaults, new PutObjectCommand({ Bucket: s3.bucket, Key: 'a.png' }), { expiresIn: 300 })
  t.match(url, /x-amz-checksum-crc32=AAAAAA%3D%3D/, 'the SDK default signs the checksum of an empty body')
  const upload = await fetch(url, { method: 'PUT', body: Buffer.from('real bytes') })
  t.equal(upload.status, 400)
  t.equal(errorCode(await upload.text()), 'BadDigest')

  const put = await defaults.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'b.txt', Body: 'checked on the way in' }))
  t.type(put.ETag, 'string', 'a checksummed PutObject from the SDK is accepted')
  t.equal((await objectBytes(defaults, s3.bucket, 'b.txt')).toString(), 'checked on the way in')
})
