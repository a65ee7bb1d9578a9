import { defineEntity, p } from '@mikro-orm/core'
import { uuidv7 } from 'uuidv7'
import { entityProperties } from '../../plugins/db/entity-properties.js'
import { WebhookEndpointSchema } from './webhook.entity.js'

/** One integration event, its body stored once as the exact bytes every delivery of it sends. */
export const WebhookEventSchema = defineEntity({
  name: 'WebhookEvent',
  tableName: 'webhook_events',
  properties: {
    /** The event's id: the `webhook-id` header of every delivery of it, for receivers to deduplicate. */
    id: p.uuid().primary().onCreate(() => uuidv7()),
    createdAt: p.datetime().onCreate(() => new Date()).index(),
    type: p.string().length(64),
    occurredAt: p.datetime(),
    /** `{"type":…,"timestamp":…,"data":…}`, as signed and sent. */
    payload: p.text()
  }
})

export class WebhookEvent extends WebhookEventSchema.class {}

WebhookEventSchema.setClass(WebhookEvent)

export const DELIVERY_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const
export type DeliveryStatus = typeof DELIVERY_STATUSES[number]

/**
 * One event for one endpoint. Its attempts come in series: the first from the fan-out, one more for each
 * redelivery; `seriesAttempts` is how far the current series has got through the retry schedule.
 */
export const WebhookDeliverySchema = defineEntity({
  name: 'WebhookDelivery',
  tableName: 'webhook_deliveries',
  uniques: [{ name: 'webhook_deliveries_endpoint_event_unique', properties: ['endpoint', 'event'] }],
  indexes: [{ name: 'webhook_deliveries_endpoint_newest', properties: ['endpoint', 'id'] }],
  properties: {
    ...entityProperties,
    endpoint: () => p.manyToOne(WebhookEndpointSchema).deleteRule('cascade'),
    event: () => p.manyToOne(WebhookEventSchema).deleteRule('cascade').index(),
    status: p.enum(DELIVERY_STATUSES).default('PENDING'),
    attemptCount: p.integer().default(0),
    series: p.integer().default(0),
    seriesAttempts: p.integer().default(0),
    lastAttemptAt: p.datetime().nullable(),
    lastResponseStatus: p.integer().nullable(),
    lastDurationMs: p.integer().nullable(),
    lastError: p.string().length(500).nullable(),
    nextAttemptAt: p.datetime().nullable(),
    completedAt: p.datetime().nullable()
  }
})

export class WebhookDelivery extends WebhookDeliverySchema.class {}

WebhookDeliverySchema.setClass(WebhookDelivery)

/** One HTTP exchange with a receiver: when, how it ended, how long it took, the start of what it answered. */
export const WebhookDeliveryAttemptSchema = defineEntity({
  name: 'WebhookDeliveryAttempt',
  tableName: 'webhook_delivery_attempts',
  properties: {
    id: p.uuid().primary().onCreate(() => uuidv7()),
    createdAt: p.datetime().onCreate(() => new Date()),
    delivery: () => p.manyToOne(WebhookDeliverySchema).deleteRule('cascade').index(),
    responseStatus: p.integer().nullable(),
    error: p.string().length(500).nullable(),
    durationMs: p.integer(),
    responseBody: p.text().nullable()
  }
})

export class WebhookDeliveryAttempt extends WebhookDeliveryAttemptSchema.class {}

WebhookDeliveryAttemptSchema.setClass(WebhookDeliveryAttempt)
