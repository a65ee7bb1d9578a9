import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import { Redis } from 'ioredis'
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import { ProblemError } from './problem.js'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Limits an abuse-prone operation twice: per client IP, and per account (the key `accountKey` derives
     * from the validated request, such as its normalised email). Use as the route's `preHandler`.
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
    ...(redis === undefined ? {} : { redis, nameSpace: 'commerce-api:rate-limit:' }),
    errorResponseBuilder: (request, context) => {
      const seconds = Math.max(1, Math.ceil(context.ttl / 1000))
      return new ProblemError(429, 'RATE_LIMITED', `Too many attempts. Try again in ${seconds} seconds.`, {
        headers: { 'retry-after': String(seconds) }
      })
    }
  })

  app.decorate('authRateLimit', (operation: string, accountKey?: (request: FastifyRequest) => string | undefined) => {
    const timeWindow = AUTH_RATE_LIMIT_WINDOW_SECONDS * 1000
    const limits = [app.rateLimit({ max: AUTH_RATE_LIMIT_PER_IP, timeWindow, keyGenerator: (request) => `${operation}:ip:${request.ip}` })]
    if (accountKey !== undefined) {
      limits.push(app.rateLimit({
        max: AUTH_RATE_LIMIT_PER_ACCOUNT,
        timeWindow,
        keyGenerator: (request) => `${operation}:account:${accountKey(request) ?? ''}`,
        allowList: (request) => accountKey(request) === undefined
      }))
    }
    return limits
  })
}, { name: 'rate-limit', dependencies: ['config'] })
