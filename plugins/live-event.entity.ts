import { defineEntity, p } from '@mikro-orm/core'

/**
 * One live event, as streams send it: kept for LIVE_EVENTS_RETENTION_HOURS so that a client reconnecting
 * with `Last-Event-ID` gets what it missed. `seq` is the event's id on the wire; `scope` is the one
 * customer who may see it besides staff (null: staff only).
 */
export const LiveEventSchema = defineEntity({
  name: 'LiveEvent',
  tableName: 'live_events',
  indexes: [
    { name: 'live_events_scope_seq', properties: ['scope', 'seq'] },
    { name: 'live_events_created_at', properties: ['createdAt'] }
  ],
  properties: {
    seq: p.bigint('string').primary().autoincrement(),
    type: p.string().length(64),
    scope: p.uuid().nullable(),
    data: p.json<object>(),
    createdAt: p.datetime().defaultRaw('now()')
  }
})
