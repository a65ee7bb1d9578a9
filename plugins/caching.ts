import { crc32 } from 'node:zlib'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * A public read that browsers and shared caches may keep for `maxAgeSeconds`: its 200 answers carry
     * `Cache-Control: public` and an `ETag` of their content, and a matching `If-None-Match` gets a 304.
     */
    cache?: { maxAgeSeconds: number }
  }
}

/** Whether an If-None-Match header names this entity tag (weak comparison, as RFC 9110 asks for GET). */
function matches (ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false
  const bare = (tag: string): string => tag.trim().replace(/^W\//, '')
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag))
}

/**
 * Caching rules for every response. By default nothing may store an answer (`no-store`): tokens, codes and
 * account data must never sit in a browser's or a proxy's cache. Routes declaring `config.cache` are public
 * reads, cached for a while and revalidated by ETag; any route may also set its own Cache-Control.
 */
export default fp(async (app) => {
  app.addHook('onSend', async (request, reply, payload) => {
    const cache = request.routeOptions.config.cache
    if (cache !== undefined && reply.statusCode === 200 && (typeof payload === 'string' || Buffer.isBuffer(payload))) {
      // A weak tag of the content (its length and CRC-32): cheap on every read, and all revalidation needs.
      const etag = reply.getHeader('etag') as string | undefined ?? `W/"${payload.length.toString(36)}-${crc32(payload).toString(36)}"`
      reply.header('etag', etag).header('cache-control', `public, max-age=${cache.maxAgeSeconds}`)
      if (matches(request.headers['if-none-match'], etag)) {
        reply.code(304).removeHeader('content-type').removeHeader('content-length')
        return ''
      }
      return payload
    }
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
    return payload
  })
}, { name: 'caching' })
