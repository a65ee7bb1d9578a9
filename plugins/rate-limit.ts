import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import { Redis } from 'ioredis'
import ipaddr from 'ipaddr.js'
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import { ProblemError } from './problem.js'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Limits an abuse-prone operation twice: per client IP, and per account from that IP (the account key
     * `accountKey` derives from the validated request, such as its normalised email). Use as the route's `preHandler`.
     */
    authRateLimit: (operation: string, accountKey?: (request: FastifyRequest) => string | undefined) => preHandlerAsyncHookHandler[]
    /** Limits an operation anyone may call that makes something (a guest cart) to `max` per client IP per window. Use as the route's `preHandler`. */
    ipRateLimit: (operation: string, limit: { max: number, windowSeconds: number }) => preHandlerAsyncHookHandler[]
  }
}

type LimitCheck = ReturnType<FastifyInstance['createRateLimit']>

/**
 * Whom a per-IP limit counts: an IPv4 address (also when written IPv4-mapped), or an IPv6 address's /64,
 * the block one subscriber is given, so that walking through its addresses buys no more attempts.
 */
export function clientKey (ip: string): string {
  if (!ipaddr.isValid(ip)) return ip
  const address = ipaddr.process(ip)
  if (address.kind() === 'ipv4') return address.toString()
  return `${(address as ipaddr.IPv6).toNormalizedString().split(':').slice(0, 4).join(':')}::/64`
}

/** Runs every counter (so none can be probed while another is exhausted) and answers 429 with Retry-After when any is exceeded. */
function limiter (checks: (request: FastifyRequest) => LimitCheck[]): preHandlerAsyncHookHandler {
  return async (request) => {
    const results = []
    for (const check of checks(request)) results.push(await check(request))
    const exceeded = results.filter((result) => !result.isAllowed && result.isExceeded)
    if (exceeded.length === 0) return
    const seconds = Math.max(1, ...exceeded.map((result) => result.isAllowed ? 0 : result.ttlInSeconds))
    throw new ProblemError(429, 'RATE_LIMITED', `Too many attempts. Try again in ${seconds} seconds.`, {
      headers: { 'retry-after': String(seconds) }
    })
  }
}

/** @fastify/rate-limit, in memory or in Redis when REDIS_URL is set so every instance shares the counts. */
export default fp(async (app) => {
  const { REDIS_URL, AUTH_RATE_LIMIT_WINDOW_SECONDS, AUTH_RATE_LIMIT_PER_IP, AUTH_RATE_LIMIT_PER_ACCOUNT } = app.config
  const redis = REDIS_URL === undefined ? undefined : new Redis(REDIS_URL, { connectTimeout: 2000, maxRetriesPerRequest: 1 })
  if (redis !== undefined) app.addHook('onClose', async () => { await redis.quit() })

  await app.register(rateLimit, {
    global: false,
    ...(redis === undefined ? {} : { redis, nameSpace: 'commerce-api:rate-limit:' })
  })

  app.decorate('authRateLimit', (operation: string, accountKey?: (request: FastifyRequest) => string | undefined) => {
    const timeWindow = AUTH_RATE_LIMIT_WINDOW_SECONDS * 1000
    const perIp = app.createRateLimit({ max: AUTH_RATE_LIMIT_PER_IP, timeWindow, keyGenerator: (request) => `${operation}:ip:${clientKey(request.ip)}` })
    // Per account and address: guesses at one account from one place are held back, while its owner, elsewhere,
    // can still get in. Spraying many accounts from one place meets the per-IP limit.
    const perAccount = app.createRateLimit({ max: AUTH_RATE_LIMIT_PER_ACCOUNT, timeWindow, keyGenerator: (request) => `${operation}:account:${accountKey?.(request) ?? ''}:ip:${clientKey(request.ip)}` })
    return [limiter((request) => accountKey?.(request) === undefined ? [perIp] : [perIp, perAccount])]
  })

  app.decorate('ipRateLimit', (operation: string, { max, windowSeconds }: { max: number, windowSeconds: number }) => {
    const perIp = app.createRateLimit({ max, timeWindow: windowSeconds * 1000, keyGenerator: (request) => `${operation}:ip:${clientKey(request.ip)}` })
    return [limiter(() => [perIp])]
  })
}, { name: 'rate-limit', dependencies: ['config'] })
