import type { EntityManager } from '@mikro-orm/postgresql'
import { LockMode } from '@mikro-orm/core'
import { sql } from 'kysely'
import { Webhook } from 'standardwebhooks'
import { uuidv7 } from 'uuidv7'
import type { Outbox } from '../../plugins/outbox.js'
import type { Mailer } from '../../plugins/mail.js'
import { decodeCursor, encodeCursor } from '../../plugins/pagination.js'
import { isUuid, type Page } from '../../openapi/shared.schemas.js'
import { User } from '../auth/user.entity.js'
import { WebhookEndpoint as WebhookEndpointEntity } from './webhook.entity.js'
import { WebhookDelivery as WebhookDeliveryEntity, WebhookEvent, type DeliveryStatus } from './webhook-delivery.entity.js'
import type { DeliveryQuery, WebhookDelivery, WebhookDeliveryAttempt, WebhookDeliveryDetail } from './webhook.schemas.js'
import { TEST_EVENT_TYPE } from './webhook.entity.js'
import type { QueuedWebhookEvent } from './webhook.service.js'
import type { WebhookSettings } from './webhook.settings.js'
import { postWebhook, type Exchange } from './webhook-sender.js'
import { endpointDisabledEmail } from './webhook.emails.js'
import { deliveryNotFound, webhookInactive, webhookNotFound } from './webhooks.errors.js'

/** The outbox topic of single attempts: one job per attempt, the next one queued by the attempt before. */
export const DELIVERY_TOPIC = 'webhook-delivery'

/**
 * One attempt of one delivery: the `step`-th of its `series` (a redelivery starts a new series). A job
 * whose series or step the delivery has moved past (a redelivery overtook it, or pg-boss retried a job
 * whose attempt was already recorded) sends nothing.
 */
export interface DeliveryJob {
  deliveryId: string
  series: number
  step: number
}

export interface DeliveryServices {
  outbox: Outbox
  mailer: Mailer
  settings: WebhookSettings
}

interface DeliveryRow {
  id: string
  endpoint_id: string
  event_id: string
  event_type: string
  status: DeliveryStatus
  attempt_count: number
  last_attempt_at: SqlTimestamp | null
  last_response_status: number | null
  last_duration_ms: number | null
  last_error: string | null
  next_attempt_at: SqlTimestamp | null
  completed_at: SqlTimestamp | null
  created_at: SqlTimestamp
  updated_at: SqlTimestamp
}

const DELIVERY_COLUMNS = sql`d.id, d.endpoint_id, d.event_id, e.type as event_type, d.status, d.attempt_count, d.last_attempt_at, d.last_response_status,
  d.last_duration_ms, d.last_error, d.next_attempt_at, d.completed_at, d.created_at, d.updated_at`

/** Timestamps from raw SQL arrive as the driver gives them (MikroORM's pg setup: strings). */
type SqlTimestamp = Date | string

function iso (value: SqlTimestamp): string
function iso (value: SqlTimestamp | null): string | null
function iso (value: SqlTimestamp | null): string | null {
  return value === null ? null : new Date(value).toISOString()
}

function toDelivery (row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    webhookId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type as WebhookDelivery['eventType'],
    status: row.status,
    attemptCount: row.attempt_count,
    lastAttemptAt: iso(row.last_attempt_at),
    lastResponseStatus: row.last_response_status,
    lastDurationMs: row.last_duration_ms,
    lastError: row.last_error,
    nextAttemptAt: iso(row.next_attempt_at),
    completedAt: iso(row.completed_at),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at)
  }
}

async function deliveryRow (em: EntityManager, webhookId: string, deliveryId: string): Promise<DeliveryRow | undefined> {
  const { rows: [row] } = await sql<DeliveryRow>`select ${DELIVERY_COLUMNS} from webhook_deliveries d join webhook_events e on e.id = d.event_id
    where d.id = ${deliveryId} and d.endpoint_id = ${webhookId}`.execute(em.getKysely())
  return row
}

/** The body every attempt of an event sends, byte for byte: Standard Webhooks' `{ type, timestamp, data }`. */
function payloadOf (event: QueuedWebhookEvent): string {
  return JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data })
}

/**
 * Fans an event out to the active endpoints subscribed to its type, in one transaction: the event stored
 * once, one delivery per endpoint, one job per delivery. Run again (pg-boss retries a fan-out whose
 * completion it did not record), it finds every row already there and queues nothing twice.
 */
export async function fanOutEvent (em: EntityManager, outbox: Outbox, event: QueuedWebhookEvent): Promise<number> {
  return await em.fork().transactional(async (tx) => {
    const db = tx.getKysely()
    const { rows: endpoints } = await sql<{ id: string }>`select id from webhook_endpoints where active and ${event.type} = any(event_types) order by id`.execute(db)
    // An event nobody subscribes to is not kept.
    if (endpoints.length === 0) return 0
    await sql`insert into webhook_events (id, created_at, type, occurred_at, payload) values (${event.id}, now(), ${event.type}, ${event.timestamp}, ${payloadOf(event)})
      on conflict (id) do nothing`.execute(db)
    const { rows: inserted } = await sql<{ id: string }>`
      insert into webhook_deliveries (id, created_at, updated_at, endpoint_id, event_id, status, next_attempt_at)
      select pending.id, now(), now(), pending.endpoint_id, ${event.id}, 'PENDING', now()
        from unnest(${endpoints.map(() => uuidv7())}::uuid[], ${endpoints.map(({ id }) => id)}::uuid[]) as pending (id, endpoint_id)
      on conflict (endpoint_id, event_id) do nothing
      returning id`.execute(db)
    for (const { id } of inserted) await outbox.send(tx, DELIVERY_TOPIC, { deliveryId: id, series: 0, step: 0 } satisfies DeliveryJob)
    return inserted.length
  })
}

interface AttemptRow {
  status: DeliveryStatus
  series: number
  series_attempts: number
  event_id: string
  payload: string
  endpoint_id: string
  url: string
  active: boolean
  secret: string
  previous_secret: string | null
  previous_secret_expires_at: SqlTimestamp | null
}

/** Standard Webhooks signatures: one per secret in use, space-separated; a receiver accepts any that verifies. */
function signatureHeader (row: AttemptRow, signedAt: Date): string {
  const secrets = [row.secret]
  if (row.previous_secret !== null && row.previous_secret_expires_at !== null && new Date(row.previous_secret_expires_at) > signedAt) secrets.push(row.previous_secret)
  return secrets.map((secret) => new Webhook(secret).sign(row.event_id, signedAt, row.payload)).join(' ')
}

export type AttemptOutcome = 'skipped' | 'cancelled' | 'succeeded' | 'retrying' | 'failed'

/**
 * One attempt of a delivery: sends the event (unless the endpoint is no longer active), records how it
 * went, and on a failure queues the next attempt after the schedule's wait, or marks the delivery FAILED
 * once the schedule is spent, disabling an endpoint whose deliveries keep failing.
 */
export async function attemptDelivery (em: EntityManager, services: DeliveryServices, job: DeliveryJob): Promise<{ outcome: AttemptOutcome, exchange?: Exchange }> {
  const { settings } = services
  const { rows: [row] } = await sql<AttemptRow>`
    select d.status, d.series, d.series_attempts, e.id as event_id, e.payload, w.id as endpoint_id, w.url, w.active, w.secret, w.previous_secret, w.previous_secret_expires_at
      from webhook_deliveries d join webhook_events e on e.id = d.event_id join webhook_endpoints w on w.id = d.endpoint_id
     where d.id = ${job.deliveryId}`.execute(em.getKysely())
  // Deleted with its endpoint, or already past this attempt.
  if (row === undefined || row.status !== 'PENDING' || row.series !== job.series || row.series_attempts !== job.step) return { outcome: 'skipped' }
  const current = sql`id = ${job.deliveryId} and status = 'PENDING' and series = ${job.series} and series_attempts = ${job.step}`
  if (!row.active) {
    await sql`update webhook_deliveries set status = 'CANCELLED', next_attempt_at = null, completed_at = now(), updated_at = now(),
      last_error = 'not sent: the endpoint was not active when the attempt was due' where ${current}`.execute(em.getKysely())
    return { outcome: 'cancelled' }
  }

  const signedAt = new Date()
  const exchange = await postWebhook(row.url, {
    'content-type': 'application/json',
    'user-agent': 'commerce-api-webhooks/1',
    'webhook-id': row.event_id,
    'webhook-timestamp': String(Math.floor(signedAt.getTime() / 1000)),
    'webhook-signature': signatureHeader(row, signedAt)
  }, row.payload, { timeoutMs: settings.timeoutMs, allowPrivateAddresses: settings.policy.allowPrivateAddresses })
  const succeeded = exchange.status !== null && exchange.status >= 200 && exchange.status < 300
  const error = succeeded ? null : exchange.error ?? `answered ${exchange.status ?? 'nothing'}`
  const wait = settings.retryScheduleSeconds[job.step]
  const nextAttemptAt = !succeeded && wait !== undefined ? new Date(Date.now() + wait * 1000) : null
  const status: DeliveryStatus = succeeded ? 'SUCCEEDED' : nextAttemptAt !== null ? 'PENDING' : 'FAILED'

  const outcome = await em.fork().transactional(async (tx): Promise<AttemptOutcome> => {
    const db = tx.getKysely()
    const { rows: updated } = await sql<{ id: string }>`
      update webhook_deliveries set status = ${status}, attempt_count = attempt_count + 1, series_attempts = ${job.step + 1},
        last_attempt_at = ${signedAt}, last_response_status = ${exchange.status}, last_duration_ms = ${exchange.durationMs}, last_error = ${error},
        next_attempt_at = ${nextAttemptAt}, completed_at = ${status === 'PENDING' ? null : new Date()}, updated_at = now()
      where ${current} returning id`.execute(db)
    if (updated.length === 0) {
      // A redelivery started a new series meanwhile: this attempt happened and is logged, the new series decides the rest.
      await sql`update webhook_deliveries set attempt_count = attempt_count + 1 where id = ${job.deliveryId}`.execute(db)
    }
    await sql`insert into webhook_delivery_attempts (id, created_at, delivery_id, response_status, error, duration_ms, response_body)
      select ${uuidv7()}, ${signedAt}, id, ${exchange.status}, ${error}, ${exchange.durationMs}, ${exchange.body} from webhook_deliveries where id = ${job.deliveryId}`.execute(db)
    if (updated.length === 0) return 'skipped'
    if (succeeded) {
      await sql`update webhook_endpoints set consecutive_failures = 0 where id = ${row.endpoint_id} and consecutive_failures <> 0`.execute(db)
      return 'succeeded'
    }
    if (nextAttemptAt !== null) {
      await services.outbox.send(tx, DELIVERY_TOPIC, { deliveryId: job.deliveryId, series: job.series, step: job.step + 1 } satisfies DeliveryJob, { startAfter: nextAttemptAt })
      return 'retrying'
    }
    await recordFailedDelivery(tx, services, row.endpoint_id, error ?? 'failed')
    return 'failed'
  })
  return { outcome, exchange }
}

/** Counts a failed delivery against its endpoint; the one that reaches the limit disables it and tells every admin, once. */
async function recordFailedDelivery (tx: EntityManager, services: DeliveryServices, endpointId: string, lastError: string): Promise<void> {
  const limit = services.settings.disableAfterFailures
  const db = tx.getKysely()
  // Locked: concurrent failures of one endpoint count one after the other, and only one of them disables it.
  const { rows: [endpoint] } = await sql<{ url: string, active: boolean, consecutive_failures: number }>`
    select url, active, consecutive_failures from webhook_endpoints where id = ${endpointId} for no key update`.execute(db)
  if (endpoint === undefined) return
  const failures = endpoint.consecutive_failures + 1
  if (!endpoint.active || failures < limit) {
    await sql`update webhook_endpoints set consecutive_failures = ${failures} where id = ${endpointId}`.execute(db)
    return
  }
  const reason = `its last ${limit} ${limit === 1 ? 'delivery' : 'deliveries'} failed after every attempt (the last: ${lastError}).`
  await sql`update webhook_endpoints set consecutive_failures = ${failures}, active = false, disabled_reason = ${reason.slice(0, 500)}, disabled_at = now(),
    version = version + 1, updated_at = now() where id = ${endpointId}`.execute(db)
  const admins = await tx.find(User, { role: 'ADMIN', disabledAt: null }, { orderBy: { id: 'asc' } })
  for (const admin of admins) {
    await services.mailer.send(tx, endpointDisabledEmail(admin.email, admin.name, { id: endpointId, url: endpoint.url, reason }))
  }
}

async function lockActiveEndpoint (tx: EntityManager, webhookId: string): Promise<WebhookEndpointEntity> {
  const endpoint = await tx.findOne(WebhookEndpointEntity, { id: webhookId }, { lockMode: LockMode.PESSIMISTIC_READ })
  if (endpoint === null) throw webhookNotFound()
  if (!endpoint.active) throw webhookInactive()
  return endpoint
}

/** Queues a `webhook.test` event for this endpoint only, delivered like any other. */
export async function sendTestEvent (em: EntityManager, outbox: Outbox, webhookId: string): Promise<WebhookDelivery> {
  const deliveryId = await em.fork().transactional(async (tx) => {
    const endpoint = await lockActiveEndpoint(tx, webhookId)
    const queued: QueuedWebhookEvent = {
      id: uuidv7(),
      type: TEST_EVENT_TYPE,
      timestamp: new Date().toISOString(),
      data: { webhookId: endpoint.id, message: 'A test event sent from the back office: a 2xx answer means the endpoint works.' }
    }
    const event = tx.create(WebhookEvent, { id: queued.id, type: queued.type, occurredAt: new Date(queued.timestamp), payload: payloadOf(queued) } as WebhookEvent)
    const delivery = tx.create(WebhookDeliveryEntity, { endpoint, event, status: 'PENDING', nextAttemptAt: new Date() } as WebhookDeliveryEntity)
    await tx.flush()
    await outbox.send(tx, DELIVERY_TOPIC, { deliveryId: delivery.id, series: 0, step: 0 } satisfies DeliveryJob)
    return delivery.id
  })
  return toDelivery((await deliveryRow(em, webhookId, deliveryId))!)
}

/**
 * Starts a new series of attempts for the same event (same `webhook-id`, same body); a retry still scheduled
 * from the series before finds itself overtaken and sends nothing.
 */
export async function redeliver (em: EntityManager, outbox: Outbox, webhookId: string, deliveryId: string): Promise<WebhookDelivery> {
  await em.fork().transactional(async (tx) => {
    const delivery = await tx.findOne(WebhookDeliveryEntity, { id: deliveryId, endpoint: webhookId }, { lockMode: LockMode.PESSIMISTIC_WRITE })
    if (delivery === null) {
      if (await tx.count(WebhookEndpointEntity, { id: webhookId }) === 0) throw webhookNotFound()
      throw deliveryNotFound()
    }
    await lockActiveEndpoint(tx, webhookId)
    const series = delivery.series + 1
    await sql`update webhook_deliveries set status = 'PENDING', series = ${series}, series_attempts = 0, next_attempt_at = now(), completed_at = null, updated_at = now()
      where id = ${deliveryId}`.execute(tx.getKysely())
    await outbox.send(tx, DELIVERY_TOPIC, { deliveryId, series, step: 0 } satisfies DeliveryJob)
  })
  return toDelivery((await deliveryRow(em, webhookId, deliveryId))!)
}

async function assertEndpointExists (em: EntityManager, webhookId: string): Promise<void> {
  if (await em.count(WebhookEndpointEntity, { id: webhookId }) === 0) throw webhookNotFound()
}

const beforeId = (position: Record<string, unknown>): string | undefined =>
  typeof position.before === 'string' && isUuid(position.before) ? position.before : undefined

/** An endpoint's deliveries, newest first (UUIDv7 ids sort by creation), optionally of one status. */
export async function listDeliveries (em: EntityManager, webhookId: string, query: DeliveryQuery): Promise<Page<WebhookDelivery>> {
  await assertEndpointExists(em, webhookId)
  const limit = query.limit ?? 20
  const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor, beforeId)
  const { rows } = await sql<DeliveryRow>`select ${DELIVERY_COLUMNS} from webhook_deliveries d join webhook_events e on e.id = d.event_id
    where d.endpoint_id = ${webhookId}
      ${query.status === undefined ? sql`` : sql`and d.status = ${query.status}`}
      ${before === undefined ? sql`` : sql`and d.id < ${before}`}
    order by d.id desc limit ${limit + 1}`.execute(em.getKysely())
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return { items: items.map(toDelivery), nextCursor: rows.length > limit && last !== undefined ? encodeCursor({ before: last.id }) : null }
}

/** The most attempts one delivery's detail lists (newest first); a delivery redelivered over and over has more. */
const MAX_LISTED_ATTEMPTS = 100

export async function getDelivery (em: EntityManager, webhookId: string, deliveryId: string): Promise<WebhookDeliveryDetail> {
  const row = await deliveryRow(em, webhookId, deliveryId)
  if (row === undefined) {
    await assertEndpointExists(em, webhookId)
    throw deliveryNotFound()
  }
  const db = em.getKysely()
  const { rows: [event] } = await sql<{ payload: string }>`select payload from webhook_events where id = ${row.event_id}`.execute(db)
  const { rows: attempts } = await sql<{ id: string, created_at: SqlTimestamp, response_status: number | null, error: string | null, duration_ms: number, response_body: string | null }>`
    select id, created_at, response_status, error, duration_ms, response_body from webhook_delivery_attempts
     where delivery_id = ${deliveryId} order by id desc limit ${MAX_LISTED_ATTEMPTS}`.execute(db)
  return {
    delivery: toDelivery(row),
    payload: JSON.parse(event?.payload ?? '{}') as Record<string, unknown>,
    attempts: attempts.map((attempt): WebhookDeliveryAttempt => ({
      id: attempt.id,
      attemptedAt: iso(attempt.created_at),
      responseStatus: attempt.response_status,
      error: attempt.error,
      durationMs: attempt.duration_ms,
      responseBody: attempt.response_body
    }))
  }
}

/** Deletes events older than the retention whose deliveries are all settled; their deliveries and attempts go with them. */
export async function sweepWebhookEvents (em: EntityManager, retentionDays: number): Promise<number> {
  const { numAffectedRows } = await sql`delete from webhook_events where id in (
    select e.id from webhook_events e
     where e.created_at < now() - make_interval(days => ${retentionDays})
       and not exists (select 1 from webhook_deliveries d where d.event_id = e.id and d.status = 'PENDING')
     limit 5000)`.execute(em.getKysely())
  return Number(numAffectedRows ?? 0n)
}
