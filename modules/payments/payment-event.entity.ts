import { defineEntity, p } from '@mikro-orm/core'
import { PAYMENT_PROVIDERS, PaymentSchema, RefundSchema } from '../orders/payment.entity.js'

export const PAYMENT_EVENT_OUTCOMES = ['APPLIED', 'IGNORED', 'FLAGGED', 'UNMATCHED'] as const
export type PaymentEventOutcome = typeof PAYMENT_EVENT_OUTCOMES[number]

/**
 * A provider's event as it was received: unique per provider, inserted in the transaction of its effect,
 * so that a redelivered or concurrently delivered event has its effect once.
 */
export const PaymentEventSchema = defineEntity({
  name: 'PaymentEvent',
  tableName: 'payment_events',
  uniques: [{ name: 'payment_events_provider_event_unique', properties: ['provider', 'eventId'] }],
  properties: {
    id: p.uuid().primary(),
    createdAt: p.datetime(),
    provider: p.enum(PAYMENT_PROVIDERS),
    eventId: p.string().length(255),
    type: p.string().length(100),
    occurredAt: p.datetime(),
    payment: () => p.manyToOne(PaymentSchema).nullable().deleteRule('cascade').index(),
    refund: () => p.manyToOne(RefundSchema).nullable().deleteRule('cascade').index(),
    outcome: p.enum(PAYMENT_EVENT_OUTCOMES),
    detail: p.string().length(500).nullable()
  }
})

export class PaymentEvent extends PaymentEventSchema.class {}

PaymentEventSchema.setClass(PaymentEvent)
