import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { performance } from 'node:perf_hooks'
import { describeRefusedAddress, hostOf, isPublicAddress } from './webhook-url.js'

/** At most this much of an answer is read; the rest is never downloaded. */
export const MAX_RESPONSE_BYTES = 64 * 1024
/** The part of an answer kept with the attempt, for admins reading the delivery log. */
export const RESPONSE_SNIPPET_BYTES = 2048
const MAX_ERROR_LENGTH = 500

export interface SendLimits {
  timeoutMs: number
  allowPrivateAddresses: boolean
}

export interface Exchange {
  /** The answer's status; null when none came (refused, unreachable, timed out). */
  status: number | null
  error: string | null
  durationMs: number
  /** The start of the answer's body, as text. */
  body: string | null
}

/**
 * A DNS lookup for the connection that refuses non-public addresses: the address checked is the one
 * connected to, so a name that resolved to a public address when it was saved and to a private one now
 * (DNS rebinding) never gets a request.
 */
function guardedLookup (allowPrivateAddresses: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error !== null) {
        callback(error, '', 0)
        return
      }
      const refused = allowPrivateAddresses ? undefined : addresses.find(({ address }) => !isPublicAddress(address))
      const first = addresses[0]
      if (refused !== undefined || first === undefined) {
        const reason = refused === undefined ? `${hostname} has no address` : `refused: ${describeRefusedAddress(hostname, refused.address)}`
        callback(Object.assign(new Error(reason), { code: 'EADDRREFUSED' }), '', 0)
        return
      }
      if (options.all === true) callback(null, addresses)
      else callback(null, first.address, first.family)
    })
  }
}

/**
 * POSTs one signed webhook and reports how it went; never throws. No redirect is followed (a 3xx is an
 * answer like any other non-2xx); the whole exchange is bounded by `timeoutMs`, and the answer's body by
 * MAX_RESPONSE_BYTES.
 */
export async function postWebhook (target: string, headers: Record<string, string>, body: string, limits: SendLimits): Promise<Exchange> {
  const started = performance.now()
  const elapsed = (): number => Math.round(performance.now() - started)
  const url = new URL(target)
  const host = hostOf(url)
  if (!limits.allowPrivateAddresses && isIP(host) !== 0 && !isPublicAddress(host)) {
    return { status: null, error: `refused: ${describeRefusedAddress(host, host)}`, durationMs: 0, body: null }
  }
  const client = url.protocol === 'https:' ? https : http
  return await new Promise<Exchange>((resolve) => {
    let settled = false
    let status: number | null = null
    const chunks: Buffer[] = []
    let received = 0
    const finish = (error: string | null): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      request.destroy()
      const text = Buffer.concat(chunks).subarray(0, RESPONSE_SNIPPET_BYTES).toString('utf8')
      resolve({ status, error: error?.slice(0, MAX_ERROR_LENGTH) ?? null, durationMs: elapsed(), body: status === null ? null : text })
    }
    const request = client.request(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      lookup: guardedLookup(limits.allowPrivateAddresses),
      agent: false
    }, (response) => {
      status = response.statusCode ?? null
      response.on('data', (chunk: Buffer) => {
        if (received >= MAX_RESPONSE_BYTES) return
        chunks.push(chunk)
        received += chunk.length
        // Enough is read: the rest of a large answer is not downloaded.
        if (received >= MAX_RESPONSE_BYTES) finish(null)
      })
      response.on('end', () => { finish(null) })
      // An answer cut short still has its status: the receiver answered.
      response.on('error', () => { finish(null) })
      response.on('aborted', () => { finish(null) })
    })
    // Once the status is in, running out of time while reading the body does not undo the answer.
    const timer = setTimeout(() => { finish(status === null ? `timed out after ${limits.timeoutMs} ms` : null) }, limits.timeoutMs)
    request.on('error', (error: Error) => { finish(error.message) })
    request.end(body)
  })
}
