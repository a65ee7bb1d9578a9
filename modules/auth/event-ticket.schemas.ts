import { Type, type Static } from '@sinclair/typebox'
import { TimestampSchema } from '../../openapi/shared.schemas.js'

export const EventTicketResponseSchema = Type.Object({
  ticket: Type.String(),
  expiresAt: TimestampSchema
}, { additionalProperties: false })
export type EventTicketResponse = Static<typeof EventTicketResponseSchema>
