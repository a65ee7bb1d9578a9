import { Type, type Static } from '@sinclair/typebox'
import { IdSchema, MoneySchema, Nullable, StringEnum, TimestampSchema } from '../../openapi/shared.schemas.js'
import { PriceInputSchema } from '../catalog/catalog.contract.js'
import { PaymentSchema, RefundSchema } from '../orders/orders.contract.js'
import { PAYMENT_EVENT_OUTCOMES } from './payment-event.entity.js'

/** Mirrors of openapi/components/payments.yaml. */

const NullableText = Nullable(Type.String())

export const PaymentEventSchema = Type.Object({
  eventId: Type.String(),
  type: Type.String(),
  outcome: StringEnum(PAYMENT_EVENT_OUTCOMES),
  detail: NullableText,
  occurredAt: TimestampSchema,
  receivedAt: TimestampSchema,
  refundId: Nullable(IdSchema)
}, { additionalProperties: false })

export const OrderPaymentsSchema = Type.Object({
  orderId: IdSchema,
  paid: MoneySchema,
  refunded: MoneySchema,
  refundable: MoneySchema,
  payments: Type.Array(Type.Object({ payment: PaymentSchema, events: Type.Array(PaymentEventSchema) }, { additionalProperties: false })),
  refunds: Type.Array(RefundSchema)
}, { additionalProperties: false })
export type OrderPayments = Static<typeof OrderPaymentsSchema>

/** A sum of money moved by staff, and why: a refund, the cash collected on delivery. */
const amountAndNote = { amount: PriceInputSchema, note: Type.Optional(Type.String({ maxLength: 500 })) }

export const CreateRefundRequestSchema = Type.Object(amountAndNote, { additionalProperties: false })
export type CreateRefundRequest = Static<typeof CreateRefundRequestSchema>

export const CodPaymentRequestSchema = Type.Object(amountAndNote, { additionalProperties: false })
export type CodPaymentRequest = Static<typeof CodPaymentRequestSchema>

export const ProviderEventAckSchema = Type.Object({ received: Type.Literal(true), duplicate: Type.Boolean() }, { additionalProperties: false })

export const StripeEventHeadersSchema = Type.Object({ 'stripe-signature': Type.String({ maxLength: 2000 }) })

/** Stripe's event as Stripe sent it: its signature, checked on the raw bytes, is what makes it trustworthy. */
export const ProviderBodySchema = Type.Object({}, { additionalProperties: true })
