import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import type { AppConfig } from '../../fastify.config.js'
import type { ObjectStorage } from './object-storage.js'

/**
 * S3 and S3-compatible services through AWS SDK v3. Upload URLs sign the content type and length, so the
 * service itself refuses a different type or size; the app checks the stored object again on confirmation.
 */
export function createS3Storage (config: AppConfig): ObjectStorage {
  const bucket = config.S3_BUCKET as string
  const client = new S3Client({
    region: config.S3_REGION,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    ...(config.S3_ENDPOINT === undefined ? {} : { endpoint: config.S3_ENDPOINT }),
    ...(config.S3_ACCESS_KEY_ID === undefined || config.S3_SECRET_ACCESS_KEY === undefined
      ? {}
      : { credentials: { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY } }),
    // Otherwise presigned PUTs carry the checksum of an empty body, and the real upload is refused.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED'
  })
  const publicBase = config.STORAGE_PUBLIC_URL?.replace(/\/$/, '') ??
    (config.S3_ENDPOINT === undefined
      ? `https://${bucket}.s3.${config.S3_REGION}.amazonaws.com`
      : `${config.S3_ENDPOINT.replace(/\/$/, '')}/${bucket}`)
  const missing = (error: unknown): boolean => error instanceof S3ServiceException && (error.$metadata.httpStatusCode === 404 || error.name === 'NotFound' || error.name === 'NoSuchKey')

  return {
    driver: 's3',
    presignUpload: async (key, file, expiresInSeconds) => {
      // If-None-Match: * makes S3 refuse to replace an object already stored under the key.
      const command = new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: file.contentType, ContentLength: file.bytes, IfNoneMatch: '*' })
      const url = await getSignedUrl(client, command, { expiresIn: expiresInSeconds, signableHeaders: new Set(['content-type', 'content-length', 'if-none-match']) })
      return {
        url,
        method: 'PUT',
        headers: { 'content-type': file.contentType, 'content-length': String(file.bytes), 'if-none-match': '*' },
        expiresAt: new Date(Date.now() + expiresInSeconds * 1000)
      }
    },
    put: async (key, bytes, contentType) => {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentType: contentType }))
    },
    stat: async (key) => {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
        return { bytes: head.ContentLength ?? 0 }
      } catch (error) {
        if (missing(error)) return null
        throw error
      }
    },
    readStart: async (key, length) => {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${length - 1}` }))
      return Buffer.from(await object.Body?.transformToByteArray() ?? new Uint8Array())
    },
    delete: async (keys) => {
      await Promise.all(keys.map(async (key) => await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))))
    },
    urlOf: (key) => `${publicBase}/${key}`,
    close: async () => { client.destroy() }
  }
}
