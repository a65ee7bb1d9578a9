import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { crc32 } from 'node:zlib'

/**
 * What S3 checks before it touches a bucket, and s3rver does not: the AWS Signature Version 4 of a request
 * (Authorization header or presigned query string), its expiry, and the payload checksums it declares.
 * Written from the SigV4 specification rather than with the SDK's signer, so the SDK is checked, not echoed.
 */

export interface S3Credentials {
  accessKeyId: string
  secretAccessKey: string
}

export interface IncomingS3Request {
  method: string
  /** Raw path and query string, as sent. */
  url: string
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

export interface S3Rejection {
  status: number
  code: string
  message: string
}

const ALGORITHM = 'AWS4-HMAC-SHA256'
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000

const encode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex')
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest()

function header (request: IncomingS3Request, name: string): string | undefined {
  const value = request.headers[name]
  return Array.isArray(value) ? value.join(',') : value
}

function parseQuery (rawQuery: string): Array<[string, string]> {
  if (rawQuery === '') return []
  return rawQuery.split('&').map((pair) => {
    const at = pair.indexOf('=')
    const [name, value] = at === -1 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)]
    return [decodeURIComponent(name), decodeURIComponent(value)]
  })
}

function parseAmzDate (value: string | undefined): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '')
  if (match === null) return undefined
  const [, year, month, day, hours, minutes, seconds] = match.map(Number) as [number, number, number, number, number, number, number]
  return Date.UTC(year, month - 1, day, hours, minutes, seconds)
}

const reject = (status: number, code: string, message: string): S3Rejection => ({ status, code, message })

/** Returns why S3 would refuse the request, or undefined when it is properly signed (anonymous requests are refused). */
export function checkS3Request (request: IncomingS3Request, credentials: S3Credentials, now = Date.now()): S3Rejection | undefined {
  const at = request.url.indexOf('?')
  const path = at === -1 ? request.url : request.url.slice(0, at)
  const query = parseQuery(at === -1 ? '' : request.url.slice(at + 1))
  const queryValue = (name: string): string | undefined => query.find(([key]) => key === name)?.[1]
  const authorization = header(request, 'authorization')
  const presigned = queryValue('X-Amz-Algorithm') !== undefined

  let credential: string | undefined
  let signedHeaders: string | undefined
  let signature: string | undefined
  let amzDate: string | undefined
  let payloadHash: string
  if (presigned) {
    if (queryValue('X-Amz-Algorithm') !== ALGORITHM) return reject(400, 'AuthorizationQueryParametersError', 'Only AWS4-HMAC-SHA256 is supported.')
    credential = queryValue('X-Amz-Credential')
    signedHeaders = queryValue('X-Amz-SignedHeaders')
    signature = queryValue('X-Amz-Signature')
    amzDate = queryValue('X-Amz-Date')
    payloadHash = queryValue('X-Amz-Content-Sha256') ?? header(request, 'x-amz-content-sha256') ?? 'UNSIGNED-PAYLOAD'
    const signedAt = parseAmzDate(amzDate)
    const expires = Number(queryValue('X-Amz-Expires'))
    if (signedAt === undefined || !Number.isInteger(expires)) return reject(400, 'AuthorizationQueryParametersError', 'X-Amz-Date and X-Amz-Expires are required.')
    if (now > signedAt + expires * 1000) return reject(403, 'AccessDenied', 'Request has expired')
  } else if (authorization !== undefined) {
    const match = /^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/.exec(authorization)
    if (match === null) return reject(400, 'InvalidArgument', 'Unsupported Authorization Type')
    ;[, credential, signedHeaders, signature] = match
    amzDate = header(request, 'x-amz-date')
    const contentHash = header(request, 'x-amz-content-sha256')
    if (contentHash === undefined) return reject(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256')
    payloadHash = contentHash
    const signedAt = parseAmzDate(amzDate)
    if (signedAt === undefined || Math.abs(now - signedAt) > MAX_CLOCK_SKEW_MS) {
      return reject(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.')
    }
    if (/^[0-9a-f]{64}$/.test(payloadHash) && payloadHash !== sha256(request.body)) {
      return reject(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.")
    }
  } else {
    return reject(403, 'AccessDenied', 'Access Denied')
  }

  const [accessKeyId, date, region, service, terminator] = (credential ?? '').split('/')
  if (accessKeyId !== credentials.accessKeyId) return reject(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.')
  if (date === undefined || region === undefined || service !== 's3' || terminator !== 'aws4_request' || amzDate?.slice(0, 8) !== date) {
    return reject(400, 'AuthorizationHeaderMalformed', 'The credential scope is malformed.')
  }

  const headerNames = (signedHeaders ?? '').split(';')
  if (!headerNames.includes('host')) return reject(400, 'AuthorizationHeaderMalformed', 'The host header must be signed.')
  const canonicalQuery = query
    .filter(([name]) => name !== 'X-Amz-Signature')
    .map(([name, value]): [string, string] => [encode(name), encode(value)])
    .sort(([nameA, valueA], [nameB, valueB]) => compare(nameA, nameB) || compare(valueA, valueB))
    .map(([name, value]) => `${name}=${value}`)
    .join('&')
  const canonicalHeaders = headerNames.map((name) => `${name}:${(header(request, name) ?? '').trim().replace(/\s+/g, ' ')}\n`).join('')
  const canonicalRequest = [request.method, path, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].join('\n')
  const scope = `${date}/${region}/${service}/${terminator}`
  const stringToSign = [ALGORITHM, amzDate, scope, sha256(canonicalRequest)].join('\n')
  const signingKey = ['s3', 'aws4_request'].reduce(hmac, hmac(hmac(`AWS4${credentials.secretAccessKey}`, date), region))
  const expected = createHmac('sha256', signingKey).update(stringToSign).digest()
  const provided = Buffer.from(signature ?? '', 'hex')
  if (provided.length !== expected.length || !timingSafeEqual(provided, expected)) {
    return reject(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.')
  }

  return checkDeclaredChecksums(request, queryValue)
}

/** S3 refuses a body whose declared x-amz-checksum-* (header or presigned query) does not match it. */
function checkDeclaredChecksums (request: IncomingS3Request, queryValue: (name: string) => string | undefined): S3Rejection | undefined {
  const algorithms: Record<string, (body: Buffer) => string> = {
    crc32: (body) => { const digest = Buffer.alloc(4); digest.writeUInt32BE(crc32(body)); return digest.toString('base64') },
    sha1: (body) => createHash('sha1').update(body).digest('base64'),
    sha256: (body) => createHash('sha256').update(body).digest('base64')
  }
  for (const [algorithm, digest] of Object.entries(algorithms)) {
    const name = `x-amz-checksum-${algorithm}`
    const declared = header(request, name) ?? queryValue(name)
    if (declared !== undefined && declared !== digest(request.body)) {
      return reject(400, 'BadDigest', `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`)
    }
  }
  return undefined
}
