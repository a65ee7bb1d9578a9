import { Type, type Static } from '@sinclair/typebox'
import { IdSchema, MoneySchema, Nullable, StringEnum, TimestampSchema } from '../../openapi/shared.schemas.js'
import { ActorSchema } from '../auth/auth.contract.js'
import { CarrierIdSchema, TRACKING_STATUSES } from '../shipping/shipping.contract.js'
import { PAYMENT_PROVIDERS, PAYMENT_RECORD_STATUSES, REFUND_REASONS, REFUND_STATUSES } from './payment.entity.js'
import { TRACKING_SOURCES } from './shipment.entity.js'

/** Mirrors of openapi/components/payments.yaml and shipments.yaml: the payments, refunds and parcels an order shows. */

const NullableText = Nullable(Type.String())
export const TrackingStatusSchema = StringEnum(TRACKING_STATUSES)

export const PaymentSchema = Type.Object({
  id: IdSchema,
  provider: StringEnum(PAYMENT_PROVIDERS),
  externalId: NullableText,
  amount: MoneySchema,
  amountReceived: MoneySchema,
  status: StringEnum(PAYMENT_RECORD_STATUSES),
  clientSecret: NullableText,
  failure: Nullable(Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: false })),
  attention: NullableText,
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema
}, { additionalProperties: false })
export type PaymentView = Static<typeof PaymentSchema>

export const RefundSchema = Type.Object({
  id: IdSchema,
  paymentId: IdSchema,
  amount: MoneySchema,
  status: StringEnum(REFUND_STATUSES),
  reason: StringEnum(REFUND_REASONS),
  note: NullableText,
  failureReason: NullableText,
  by: ActorSchema,
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema
}, { additionalProperties: false })
export type RefundView = Static<typeof RefundSchema>

export const ShippedItemSchema = Type.Object({
  orderItemId: IdSchema,
  quantity: Type.Integer({ minimum: 1, maximum: 1000 })
}, { additionalProperties: false })

export const ShipmentSchema = Type.Object({
  id: IdSchema,
  orderId: IdSchema,
  carrier: CarrierIdSchema,
  service: NullableText,
  trackingNumber: NullableText,
  trackingUrl: NullableText,
  status: TrackingStatusSchema,
  items: Type.Array(ShippedItemSchema),
  events: Type.Array(Type.Object({
    status: TrackingStatusSchema,
    description: Type.String(),
    location: NullableText,
    occurredAt: TimestampSchema,
    source: StringEnum(TRACKING_SOURCES)
  }, { additionalProperties: false })),
  deliveredAt: Nullable(TimestampSchema),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema
}, { additionalProperties: false })
export type ShipmentView = Static<typeof ShipmentSchema>
