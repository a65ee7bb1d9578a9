import { createHash } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { EntityManager } from '@mikro-orm/postgresql'
import { sql } from 'kysely'
import { stringify } from 'safe-stable-stringify'
import { ProblemError } from './problem.js'

/**
 * How a route takes part in `Idempotency-Key` handling, declared in its `config.idempotency`:
 * - `required`: a request without a key is refused with a 428 (operations that move money or stock);
 * - `callerOf`: who the caller is when no account is signed in (a guest's cart token). Keys are per
 *   caller; a request with a key but no caller is performed without idempotency.
 */
export interface RouteIdempotency {
  required?: boolean
  callerOf?: (request: FastifyRequest) => string | undefined
}

declare module 'fastify' {
  interface FastifyContextConfig {
    idempotency?: RouteIdempotency
  }
  interface FastifyRequest {
    /** The key this request holds while it is performed, to record its answer. */
    idempotencyKeyId: string | null
  }
}

/** The response headers a replay repeats: the rest describe the moment of the answer, not the answer. */
const KEPT_HEADERS = ['content-type', 'location', 'etag'] as const
/** A first attempt that has not answered in this long is taken to have died with its process; its key is free again. */
const ABANDONED_AFTER_SECONDS = 60
const SWEEP_EVERY_MS = 60 * 60 * 1000

export const idempotencyKeyRequired = (): ProblemError =>
  new ProblemError(428, 'IDEMPOTENCY_KEY_REQUIRED', 'Send an Idempotency-Key header, so that retrying this request can never perform it twice.')

export const idempotencyKeyReused = (): ProblemError =>
  new ProblemError(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different request; use a new key for a new request.')

export const idempotencyKeyInUse = (): ProblemError =>
  new ProblemError(409, 'IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still being performed; retry in a moment to get its answer.', { headers: { 'retry-after': '1' } })

/** What identifies "the same request": the operation, its parameters and its body, key order aside. */
function requestHash (request: FastifyRequest): string {
  const operation = `${request.method} ${request.routeOptions.url ?? request.url}`
  return createHash('sha256').update(stringify([operation, request.params ?? null, request.query ?? null, request.body ?? null]) ?? '').digest('hex')
}

/**
 * Answers a retry would not repeat, so they are not kept: server failures, rate limits, and lost races
 * (`CONCURRENT_MODIFICATION`, `IDEMPOTENCY_KEY_IN_USE`). The key is released and the retry performed.
 */
function isTransient (status: number, payload: string): boolean {
  if (status >= 500 || status === 429) return true
  return status === 409 && /"code":"(CONCURRENT_MODIFICATION|IDEMPOTENCY_KEY_IN_USE)"/.test(payload)
}

interface KeptAnswer {
  request_hash: string
  status: number | null
  headers: Record<string, string> | null
  body: string | null
}

/**
 * `Idempotency-Key` for the routes that declare `config.idempotency`: the first request with a key is
 * performed and its answer kept for `IDEMPOTENCY_TTL_HOURS`; a repeat with the same body gets that answer
 * again (`Idempotent-Replayed: true`) and performs nothing; the same key with another request is a 422; a
 * repeat while the first is still running is a 409. Claiming a key is one atomic insert, so concurrent
 * repeats on any number of instances perform the request once. Expired keys are swept hourly.
 */
export default fp(async (app) => {
  const ttlHours = app.config.IDEMPOTENCY_TTL_HOURS
  app.decorateRequest('idempotencyKeyId', null)

  /** Takes the key for this request: new, expired, or abandoned by a crashed attempt at the same request. */
  async function claim (em: EntityManager, caller: string, key: string, hash: string): Promise<string | undefined> {
    const { rows: [row] } = await sql<{ id: string }>`
      insert into idempotency_keys (caller, key, request_hash, locked_at, created_at, expires_at)
      values (${caller}, ${key}, ${hash}, now(), now(), now() + make_interval(hours => ${ttlHours}))
      on conflict (caller, key) do update
        set request_hash = excluded.request_hash, status = null, headers = null, body = null,
            locked_at = now(), created_at = now(), expires_at = excluded.expires_at
        where idempotency_keys.expires_at <= now()
           or (idempotency_keys.status is null and idempotency_keys.request_hash = excluded.request_hash
               and idempotency_keys.locked_at < now() - make_interval(secs => ${ABANDONED_AFTER_SECONDS}))
      returning id`.execute(em.getKysely())
    return row?.id
  }

  async function kept (em: EntityManager, caller: string, key: string): Promise<KeptAnswer | undefined> {
    const { rows: [row] } = await sql<KeptAnswer>`
      select request_hash, status, headers, body from idempotency_keys where caller = ${caller} and key = ${key}`.execute(em.getKysely())
    return row
  }

  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const options = request.routeOptions.config.idempotency
    if (options === undefined) return
    const key = request.headers['idempotency-key']
    if (typeof key !== 'string') {
      if (options.required === true) throw idempotencyKeyRequired()
      return
    }
    const caller = options.callerOf?.(request) ?? (request.account === null ? undefined : `account:${request.account.id}`)
    if (caller === undefined) return
    const hash = requestHash(request)
    // A key released between our claim and our read (its request failed transiently) is claimed again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const id = await claim(request.em, caller, key, hash)
      if (id !== undefined) {
        request.idempotencyKeyId = id
        return
      }
      const answer = await kept(request.em, caller, key)
      if (answer === undefined) continue
      if (answer.request_hash !== hash) throw idempotencyKeyReused()
      if (answer.status === null || answer.body === null) throw idempotencyKeyInUse()
      return await reply.code(answer.status).headers({ ...answer.headers, 'idempotent-replayed': 'true' }).send(answer.body)
    }
    throw idempotencyKeyInUse()
  })

  app.addHook('onSend', async (request, reply, payload) => {
    const id = request.idempotencyKeyId
    if (id === null) return payload
    request.idempotencyKeyId = null
    const db = request.em.getKysely()
    // A 204's payload is empty; streams and buffers are not JSON answers and are never kept.
    const body = typeof payload === 'string' ? payload : payload === undefined || payload === null ? '' : undefined
    try {
      if (body === undefined || isTransient(reply.statusCode, body)) {
        await sql`delete from idempotency_keys where id = ${id}`.execute(db)
      } else {
        const headers = Object.fromEntries(KEPT_HEADERS.flatMap((name) => {
          const value = reply.getHeader(name)
          return value === undefined ? [] : [[name, String(value)]]
        }))
        await sql`update idempotency_keys set status = ${reply.statusCode}, headers = ${JSON.stringify(headers)}::jsonb, body = ${body} where id = ${id}`.execute(db)
      }
    } catch (error) {
      // The answer still goes out; the key stays taken until it is abandoned, and a retry then redoes the work.
      request.log.error({ err: error }, 'could not record the answer to an idempotent request')
    }
    return payload
  })

  app.scheduleJob({
    name: 'sweep-idempotency-keys',
    everyMs: SWEEP_EVERY_MS,
    run: async (em) => {
      const { numAffectedRows } = await sql`delete from idempotency_keys where expires_at < now()`.execute(em.getKysely())
      if (numAffectedRows !== undefined && numAffectedRows > 0n) app.log.info({ swept: Number(numAffectedRows) }, 'deleted expired idempotency keys')
    }
  })
}, { name: 'idempotency', dependencies: ['config', 'db', 'jobs', 'auth'] })
