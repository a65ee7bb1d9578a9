import { defineEntity, p } from '@mikro-orm/core'

/**
 * One `Idempotency-Key` of one caller: the request it was first used for (a hash), and once that request
 * has been answered, the answer, kept until `expiresAt` to be replayed.
 */
export const IdempotencyKeySchema = defineEntity({
  name: 'IdempotencyKey',
  tableName: 'idempotency_keys',
  uniques: [{ name: 'idempotency_keys_caller_key_unique', properties: ['caller', 'key'] }],
  properties: {
    id: p.bigint().primary().autoincrement(),
    caller: p.string().length(100),
    key: p.string().length(255),
    requestHash: p.string().length(64),
    /** Null while the first request is still being performed. */
    status: p.integer().nullable(),
    headers: p.json<Record<string, string>>().nullable(),
    body: p.text().nullable(),
    /** When the current attempt took the key: an attempt that never answered gives it up after a while. */
    lockedAt: p.datetime(),
    createdAt: p.datetime().onCreate(() => new Date()),
    expiresAt: p.datetime().index()
  }
})
