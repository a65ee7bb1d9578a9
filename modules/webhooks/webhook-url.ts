import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import ipaddr from 'ipaddr.js'

/**
 * Where the shop may send webhooks. Receivers' URLs are chosen by admins but resolved by the server, so an
 * unchecked URL would let it be pointed at its own network (databases, cloud metadata at 169.254.169.254):
 * a server-side request forgery. The policy is checked when a URL is saved, and again at each delivery's
 * connect (webhook-sender.ts), since what a name resolves to can change.
 */
export interface UrlPolicy {
  requireHttps: boolean
  allowPrivateAddresses: boolean
}

export const MAX_URL_LENGTH = 2048

/** Why a URL or an address is refused, in words an admin can act on. */
export class UrlRefused extends Error {
  constructor (message: string, readonly malformed = false) {
    super(message)
    this.name = 'UrlRefused'
  }
}

/** IPv6 global unicast is 2000::/3; everything else (and every special range inside it) is not the internet. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3')

/**
 * What kind of address this is, or null for a public unicast one. IPv4-mapped IPv6 (`::ffff:127.0.0.1`) is
 * judged as the IPv4 address it carries; NAT64, 6to4 and Teredo addresses, which embed an IPv4 address
 * that could be private, are refused like any special range.
 */
export function nonPublicRange (address: string): string | null {
  if (!ipaddr.isValid(address)) return 'not an IP address'
  const parsed = ipaddr.process(address)
  const range = parsed.range()
  if (range !== 'unicast') return range
  if (parsed.kind() === 'ipv6' && !parsed.match(GLOBAL_UNICAST_V6)) return 'outside global unicast'
  return null
}

export function isPublicAddress (address: string): boolean {
  return nonPublicRange(address) === null
}

const RANGE_NAMES: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  linkLocal: 'a link-local address (cloud metadata services live there)',
  carrierGradeNat: 'a carrier-grade NAT address',
  uniqueLocal: 'a unique local (private) address',
  multicast: 'a multicast address',
  unspecified: 'the unspecified address',
  broadcast: 'the broadcast address'
}

export function describeRefusedAddress (host: string, address: string): string {
  const range = nonPublicRange(address) ?? 'unicast'
  const kind = RANGE_NAMES[range] ?? `a reserved address (${range})`
  return host === address ? `${address} is ${kind}` : `${host} resolves to ${address}, ${kind}`
}

/** The URL's host without IPv6 brackets: what DNS and `isIP` understand. */
export function hostOf (url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1')
}

/**
 * Checks a URL's shape against the policy, without the network: absolute http(s), https when required, no
 * credentials or fragment, a host, and, for an IP literal, a public one. Returns the URL as it will be
 * called (normalised by the WHATWG parser, which also reads `2130706433` or `0x7f.1` as 127.0.0.1).
 */
export function checkUrlShape (raw: string, policy: UrlPolicy): URL {
  if (raw.length > MAX_URL_LENGTH) throw new UrlRefused(`must be at most ${MAX_URL_LENGTH} characters`, true)
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new UrlRefused('must be an absolute http or https URL', true)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UrlRefused('must be an absolute http or https URL', true)
  if (url.username !== '' || url.password !== '') throw new UrlRefused('must not carry credentials (user:password@); authenticate the requests with the signature', true)
  if (url.hash !== '') throw new UrlRefused('must not have a fragment (#…), which is never sent', true)
  const host = hostOf(url)
  if (host === '') throw new UrlRefused('must name a host', true)
  if (policy.requireHttps && url.protocol !== 'https:') throw new UrlRefused('must use https: this server only sends webhooks over TLS')
  if (!policy.allowPrivateAddresses) {
    if (isIP(host) !== 0) {
      if (!isPublicAddress(host)) throw new UrlRefused(`must reach a public address: ${describeRefusedAddress(host, host)}`)
    } else if (host === 'localhost' || host.endsWith('.localhost')) {
      throw new UrlRefused(`must reach a public address: ${host} is this machine`)
    }
  }
  return url
}

/**
 * The full check for a URL being saved: its shape, and unless private addresses are allowed, every address
 * its host resolves to now must be public (one private answer is enough to refuse: which one a client
 * picks is not ours to choose).
 */
export async function checkWebhookUrl (raw: string, policy: UrlPolicy, resolve: typeof lookup = lookup): Promise<string> {
  const url = checkUrlShape(raw, policy)
  const host = hostOf(url)
  if (!policy.allowPrivateAddresses && isIP(host) === 0) {
    let addresses: Array<{ address: string }>
    try {
      addresses = await resolve(host, { all: true, verbatim: true })
    } catch {
      throw new UrlRefused(`must have a host that resolves: ${host} does not`)
    }
    if (addresses.length === 0) throw new UrlRefused(`must have a host that resolves: ${host} does not`)
    const refused = addresses.find(({ address }) => !isPublicAddress(address))
    if (refused !== undefined) throw new UrlRefused(`must reach a public address: ${describeRefusedAddress(host, refused.address)}`)
  }
  return url.toString()
}
