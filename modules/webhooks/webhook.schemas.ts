import { Type, type Static } from '@sinclair/typebox'
import { IdSchema, Nullable, PageQuerySchema, PageSchema, StringEnum, TimestampSchema } from '../../openapi/shared.schemas.js'
import { DELIVERY_STATUSES } from './webhook-delivery.entity.js'
import { TEST_EVENT_TYPE, WEBHOOK_EVENT_TYPES } from './webhook.entity.js'

/** Mirrors of openapi/components/webhooks.yaml. */

export const WebhookEventTypeSchema = StringEnum(WEBHOOK_EVENT_TYPES)
export const WebhookSentEventTypeSchema = StringEnum([...WEBHOOK_EVENT_TYPES, TEST_EVENT_TYPE])
export const WebhookUrlSchema = Type.String({ minLength: 1, maxLength: 2048 })
export const WebhookEventTypesSchema = Type.Array(WebhookEventTypeSchema, { minItems: 1, maxItems: 7, uniqueItems: true })
export const WebhookSecretSchema = Type.String({ pattern: '^whsec_[A-Za-z0-9+/]+={0,2}$' })
const DescriptionSchema = Nullable(Type.String({ maxLength: 500 }))

const endpointFields = {
  id: IdSchema,
  url: Type.String(),
  description: Nullable(Type.String()),
  eventTypes: Type.Array(WebhookEventTypeSchema),
  active: Type.Boolean(),
  disabledReason: Nullable(Type.String()),
  disabledAt: Nullable(TimestampSchema),
  consecutiveFailures: Type.Integer({ minimum: 0 }),
  previousSecretExpiresAt: Nullable(TimestampSchema),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema
}

export const WebhookEndpointSchema = Type.Object(endpointFields, { additionalProperties: false })
export type WebhookEndpoint = Static<typeof WebhookEndpointSchema>

export const WebhookEndpointWithSecretSchema = Type.Object({ ...endpointFields, secret: WebhookSecretSchema }, { additionalProperties: false })
export type WebhookEndpointWithSecret = Static<typeof WebhookEndpointWithSecretSchema>

export const WebhookEndpointPageSchema = PageSchema(WebhookEndpointSchema)

export const CreateWebhookEndpointRequestSchema = Type.Object({
  url: WebhookUrlSchema,
  description: Type.Optional(DescriptionSchema),
  eventTypes: WebhookEventTypesSchema,
  active: Type.Optional(Type.Boolean())
}, { additionalProperties: false })
export type CreateWebhookEndpointRequest = Static<typeof CreateWebhookEndpointRequestSchema>

export const UpdateWebhookEndpointRequestSchema = Type.Object({
  url: Type.Optional(WebhookUrlSchema),
  description: Type.Optional(DescriptionSchema),
  eventTypes: Type.Optional(WebhookEventTypesSchema),
  active: Type.Optional(Type.Boolean())
}, { additionalProperties: false, minProperties: 1 })
export type UpdateWebhookEndpointRequest = Static<typeof UpdateWebhookEndpointRequestSchema>

export const WebhookDeliveryStatusSchema = StringEnum(DELIVERY_STATUSES)

export const WebhookDeliverySchema = Type.Object({
  id: IdSchema,
  webhookId: IdSchema,
  eventId: IdSchema,
  eventType: WebhookSentEventTypeSchema,
  status: WebhookDeliveryStatusSchema,
  attemptCount: Type.Integer({ minimum: 0 }),
  lastAttemptAt: Nullable(TimestampSchema),
  lastResponseStatus: Nullable(Type.Integer()),
  lastDurationMs: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  nextAttemptAt: Nullable(TimestampSchema),
  completedAt: Nullable(TimestampSchema),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema
}, { additionalProperties: false })
export type WebhookDelivery = Static<typeof WebhookDeliverySchema>

export const WebhookDeliveryAttemptSchema = Type.Object({
  id: IdSchema,
  attemptedAt: TimestampSchema,
  responseStatus: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  durationMs: Type.Integer({ minimum: 0 }),
  responseBody: Nullable(Type.String())
}, { additionalProperties: false })
export type WebhookDeliveryAttempt = Static<typeof WebhookDeliveryAttemptSchema>

export const WebhookDeliveryDetailSchema = Type.Object({
  delivery: WebhookDeliverySchema,
  payload: Type.Object({}, { additionalProperties: true }),
  attempts: Type.Array(WebhookDeliveryAttemptSchema)
}, { additionalProperties: false })
export type WebhookDeliveryDetail = Static<typeof WebhookDeliveryDetailSchema>

export const WebhookDeliveryPageSchema = PageSchema(WebhookDeliverySchema)

export const DeliveryQuerySchema = Type.Object({
  status: Type.Optional(WebhookDeliveryStatusSchema),
  ...PageQuerySchema.properties
}, { additionalProperties: false })
export type DeliveryQuery = Static<typeof DeliveryQuerySchema>

export const DeliveryParamsSchema = Type.Object({ id: IdSchema, deliveryId: IdSchema })
