import { Type, type Static } from '@sinclair/typebox'
import { IdSchema, Nullable, StringEnum, TimestampSchema } from '../../openapi/shared.schemas.js'
import { TRACKING_STATUSES } from './carrier.js'
import { TRACKING_SOURCES } from './shipment.entity.js'

/** Mirrors of openapi/components/shipments.yaml. */

export const CARRIER_IDS = ['manual', 'shiprocket'] as const
export type CarrierId = typeof CARRIER_IDS[number]
export const CarrierIdSchema = StringEnum(CARRIER_IDS)
export const TrackingStatusSchema = StringEnum(TRACKING_STATUSES)

const NullableText = Nullable(Type.String())
const TrackingNumberSchema = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9 ._/-]*$' })
const TrackingUrlSchema = Type.String({ maxLength: 2048, pattern: '^https?://' })
const ServiceSchema = Type.String({ minLength: 1, maxLength: 200 })

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

export const CreateShipmentRequestSchema = Type.Object({
  carrier: CarrierIdSchema,
  items: Type.Array(ShippedItemSchema, { minItems: 1, maxItems: 100 }),
  service: Type.Optional(ServiceSchema),
  serviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
  trackingNumber: Type.Optional(TrackingNumberSchema),
  trackingUrl: Type.Optional(TrackingUrlSchema),
  note: Type.Optional(Type.String({ maxLength: 500 }))
}, { additionalProperties: false })
export type CreateShipmentRequest = Static<typeof CreateShipmentRequestSchema>

export const UpdateShipmentRequestSchema = Type.Object({
  service: Type.Optional(ServiceSchema),
  trackingNumber: Type.Optional(TrackingNumberSchema),
  trackingUrl: Type.Optional(TrackingUrlSchema),
  status: Type.Optional(TrackingStatusSchema),
  description: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  location: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  occurredAt: Type.Optional(TimestampSchema)
}, { additionalProperties: false, minProperties: 1 })
export type UpdateShipmentRequest = Static<typeof UpdateShipmentRequestSchema>

export const CarrierParamsSchema = Type.Object({ carrier: Type.String({ pattern: '^[a-z0-9-]{1,40}$' }) })
export const CarrierCallbackAckSchema = Type.Object({ received: Type.Literal(true), applied: Type.Boolean() }, { additionalProperties: false })
