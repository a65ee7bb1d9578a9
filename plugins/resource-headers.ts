import type { FastifyRequest } from 'fastify'
import { ProblemError } from './problem.js'

/**
 * Headers of resources that clients create and edit: `Location` of a created resource, `ETag` of a
 * versioned one, and `If-Match`, which turns a stale edit into a 412 instead of a silent overwrite.
 */

/** A resource's version as a strong entity tag. */
export function entityTag (version: number): string {
  return `"${version}"`
}

/** What services return for versioned resources: the representation, and the version its ETag names. */
export interface Versioned<T> {
  resource: T
  version: number
}

export function preconditionFailed (): ProblemError {
  return new ProblemError(412, 'PRECONDITION_FAILED', 'The resource has changed since the version named in If-Match; fetch it again and reapply the change.')
}

/**
 * Checks an `If-Match` header (RFC 9110: a list of strong tags, or `*`) against the version about to be
 * changed: absent means unconditional; anything naming no current tag, weak tags included, is a 412.
 * Call it in the transaction that writes, after reading (or locking) the current row.
 */
export function assertIfMatch (ifMatch: string | undefined, version: number): void {
  if (ifMatch === undefined) return
  const tags = ifMatch.split(',').map((tag) => tag.trim())
  if (tags.includes('*') || tags.includes(entityTag(version))) return
  throw preconditionFailed()
}

/** The URL of a resource created by this request: the route's own path, its parameters filled in, then the id. */
export function locationOf (request: FastifyRequest, id: string): string {
  const params = (request.params ?? {}) as Record<string, string>
  const collection = request.routeOptions.url?.replace(/:(\w+)/g, (whole, name: string) => encodeURIComponent(params[name] ?? whole)) ?? ''
  return `${collection.replace(/\/$/, '')}/${encodeURIComponent(id)}`
}
