import { once } from 'node:events'
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'
import S3rver from 's3rver'
import { findFreePort } from '../../plugins/db/embedded.js'
import { checkS3Request, type S3Rejection } from './s3-signature.js'

export interface S3Server {
  /** `http://127.0.0.1:PORT`: use with `forcePathStyle: true`. */
  endpoint: string
  /** Created and empty. */
  bucket: string
  accessKeyId: string
  secretAccessKey: string
  region: string
}

// s3rver knows one account and accepts any V4 signature made with its key id; the front checks them.
const ACCESS_KEY_ID = 'S3RVER'
const SECRET_ACCESS_KEY = 'S3RVER'
const BUCKET = 'commerce-test'
const REGION = 'us-east-1'

function sendRejection (response: ServerResponse, method: string, rejection: S3Rejection): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${rejection.code}</Code><Message>${rejection.message}</Message></Error>`
  response.writeHead(rejection.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) })
  response.end(method === 'HEAD' ? undefined : body)
}

/**
 * A real S3-protocol server on loopback: s3rver (storage, S3 API, XML) behind a front that checks
 * Signature V4, expiry and declared checksums the way S3 does. Stopped and its files removed on teardown.
 */
export async function startS3Server (t: Test): Promise<S3Server> {
  const internalPort = await findFreePort()
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: internalPort,
    silent: true,
    directory: t.testdir(),
    vhostBuckets: false,
    configureBuckets: [{ name: BUCKET, configs: [] }]
  })
  await s3rver.run()

  const front = createServer((incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => { chunks.push(chunk) })
    incoming.on('end', () => {
      const body = Buffer.concat(chunks)
      const method = incoming.method ?? 'GET'
      // Browsers send CORS preflight unsigned; s3rver answers it from the bucket's CORS configuration.
      const rejection = method === 'OPTIONS'
        ? undefined
        : checkS3Request({ method, url: incoming.url ?? '/', headers: incoming.headers, body }, { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY })
      if (rejection !== undefined) {
        sendRejection(response, method, rejection)
        return
      }
      const forwarded = httpRequest({ host: '127.0.0.1', port: internalPort, method, path: incoming.url, headers: incoming.headers }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(response)
      })
      forwarded.on('error', (error) => { response.destroy(error) })
      forwarded.end(body)
    })
  })
  front.listen(0, '127.0.0.1')
  await once(front, 'listening')
  t.teardown(async () => {
    front.closeAllConnections()
    await new Promise<void>((resolve) => { front.close(() => { resolve() }) })
    await s3rver.close()
  })

  return {
    endpoint: `http://127.0.0.1:${(front.address() as AddressInfo).port}`,
    bucket: BUCKET,
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET_ACCESS_KEY,
    region: REGION
  }
}
