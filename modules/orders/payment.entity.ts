import { defineEntity, p } from '@mikro-orm/core'
import { entityProperties } from '../../plugins/db/entity-properties.js'
import { actorProperties } from '../auth/user.entity.js'
import { OrderSchema } from './order.entity.js'

export const PAYMENT_PROVIDERS = ['STRIPE', 'CASH'] as const
export type PaymentProvider = typeof PAYMENT_PROVIDERS[number]
export const PAYMENT_RECORD_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const
export type PaymentRecordStatus = typeof PAYMENT_RECORD_STATUSES[number]

/**
 * One attempt to pay for an order: a Stripe PaymentIntent, or cash collected at the door. Only `PENDING`
 * moves; `SUCCEEDED` is final whatever arrives after it. `attention` says why staff must look (a provider
 * reported an amount or currency that is not the order's).
 */
export const PaymentSchema = defineEntity({
  name: 'Payment',
  tableName: 'payments',
  properties: {
    ...entityProperties,
    order: () => p.manyToOne(OrderSchema).deleteRule('cascade').index(),
    provider: p.enum(PAYMENT_PROVIDERS),
    externalId: p.string().length(255).nullable().unique(),
    amount: p.bigint('number'),
    currency: p.string().length(3),
    status: p.enum(PAYMENT_RECORD_STATUSES),
    amountReceived: p.bigint('number').default(0),
    clientSecret: p.string().length(500).nullable(),
    failureCode: p.string().length(100).nullable(),
    failureMessage: p.string().length(500).nullable(),
    attention: p.string().length(500).nullable(),
    ...actorProperties,
    version: p.integer().version()
  }
})

export class Payment extends PaymentSchema.class {}

PaymentSchema.setClass(Payment)

export const REFUND_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED'] as const
export type RefundStatus = typeof REFUND_STATUSES[number]
export const REFUND_REASONS = ['CANCELLATION', 'RETURN', 'OVERPAYMENT', 'STAFF'] as const
export type RefundReason = typeof REFUND_REASONS[number]

/**
 * Money given back from one payment. A `PENDING` refund already counts against what may still be refunded,
 * so that concurrent refunds can never together pass what was paid; a `FAILED` one gives its amount back.
 * `sourceKey` names the event that caused an automatic refund (a cancellation, a return), so that it is made once.
 */
export const RefundSchema = defineEntity({
  name: 'Refund',
  tableName: 'refunds',
  properties: {
    ...entityProperties,
    order: () => p.manyToOne(OrderSchema).deleteRule('cascade').index(),
    payment: () => p.manyToOne(PaymentSchema).deleteRule('cascade').index(),
    amount: p.bigint('number').check('amount > 0'),
    currency: p.string().length(3),
    status: p.enum(REFUND_STATUSES),
    reason: p.enum(REFUND_REASONS),
    note: p.string().length(500).nullable(),
    externalId: p.string().length(255).nullable().unique(),
    sourceKey: p.string().length(100).nullable().unique(),
    failureReason: p.string().length(500).nullable(),
    ...actorProperties
  }
})

export class Refund extends RefundSchema.class {}

RefundSchema.setClass(Refund)
