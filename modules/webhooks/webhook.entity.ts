import { defineEntity, p } from '@mikro-orm/core'
import { entityProperties } from '../../plugins/db/entity-properties.js'

/** The integration events endpoints subscribe to; their payloads are documented in the spec's `webhooks`. */
export const WEBHOOK_EVENT_TYPES = ['order.placed', 'order.paid', 'order.shipped', 'order.delivered', 'order.cancelled', 'order.refunded', 'inventory.low_stock'] as const
export type WebhookEventType = typeof WEBHOOK_EVENT_TYPES[number]
/** Sent by `POST /admin/webhooks/{id}/test` to one endpoint, whatever it subscribes to. */
export const TEST_EVENT_TYPE = 'webhook.test'

/**
 * An integrator's receiver: the URL the shop POSTs signed events to, and the event types it wants. The
 * signing secret is kept to sign with; after a rotation the previous one signs too until it expires, so
 * receivers can switch without losing a delivery.
 */
export const WebhookEndpointSchema = defineEntity({
  name: 'WebhookEndpoint',
  tableName: 'webhook_endpoints',
  properties: {
    ...entityProperties,
    url: p.string().length(2048),
    description: p.string().length(500).nullable(),
    eventTypes: p.array().columnType('text[]'),
    active: p.boolean().default(true),
    secret: p.string().length(100).hidden(),
    previousSecret: p.string().length(100).nullable().hidden(),
    previousSecretExpiresAt: p.datetime().nullable(),
    /** Deliveries that failed in a row (after all their attempts); a success resets it. */
    consecutiveFailures: p.integer().default(0),
    /** Why the shop disabled the endpoint itself; null when an admin did, or while it is active. */
    disabledReason: p.string().length(500).nullable(),
    disabledAt: p.datetime().nullable(),
    version: p.integer().version()
  }
})

export class WebhookEndpoint extends WebhookEndpointSchema.class {}

WebhookEndpointSchema.setClass(WebhookEndpoint)
