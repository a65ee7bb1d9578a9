import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import { Redis } from 'ioredis'
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import { ProblemError } from './problem.js'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Limits an abuse-prone operation twice: per client IP, and per account from that IP (the account key
     * `accountKey` derives from the validated request, such as its normalised email). Use as the route's `preHandler`.
     */
    authRateLimit: (operation: string, accountKey?: (request: FastifyRequest) => string | undefined) => preHandlerAsyncHookHandler[]
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
    const perIp = app.createRateLimit({ max: AUTH_RATE_LIMIT_PER_IP, timeWindow, keyGenerator: (request) => `${operation}:ip:${request.ip}` })
    // Per account and address: guesses at one account from one place are held back, while its owner, elsewhere,
    // can still get in. Spraying many accounts from one place meets the per-IP limit.
    const perAccount = app.createRateLimit({ max: AUTH_RATE_LIMIT_PER_ACCOUNT, timeWindow, keyGenerator: (request) => `${operation}:account:${accountKey?.(request) ?? ''}:ip:${request.ip}` })
    // Both counters move on every request, so neither can be probed while the other is exhausted.
    const limit: preHandlerAsyncHookHandler = async (request) => {
      const results = [await perIp(request)]
      if (accountKey?.(request) !== undefined) results.push(await perAccount(request))
      const exceeded = results.filter((result) => !result.isAllowed && result.isExceeded)
      if (exceeded.length === 0) return
      const seconds = Math.max(1, ...exceeded.map((result) => result.isAllowed ? 0 : result.ttlInSeconds))
      throw new ProblemError(429, 'RATE_LIMITED', `Too many attempts. Try again in ${seconds} seconds.`, {
        headers: { 'retry-after': String(seconds) }
      })
    }
    return [limit]
  })
}, { name: 'rate-limit', dependencies: ['config'] })
