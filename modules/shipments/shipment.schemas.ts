import { Type, type Static } from '@sinclair/typebox'
import { TimestampSchema } from '../../openapi/shared.schemas.js'
import { ShippedItemSchema, TrackingStatusSchema } from '../orders/orders.contract.js'
import { CarrierIdSchema } from '../shipping/shipping.contract.js'

/** Mirrors of openapi/components/shipments.yaml: what staff and carriers send about parcels. */

const TrackingNumberSchema = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9 ._/-]*$' })
const TrackingUrlSchema = Type.String({ maxLength: 2048, pattern: '^https?://' })
const ServiceSchema = Type.String({ minLength: 1, maxLength: 200 })

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
