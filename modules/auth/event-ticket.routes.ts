import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { problemResponses } from '../../openapi/shared.schemas.js'
import { EventTicketResponseSchema } from './event-ticket.schemas.js'
import { issueEventTicket } from './event-ticket.service.js'
import { ROLES } from './user.entity.js'

/** Tickets that open event streams from browsers, whose EventSource cannot send an Authorization header. */
export const eventTicketRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/tickets', {
    // Like the other routes that hand out credentials, no Idempotency-Key: a ticket's answer is never stored for replay.
    config: { access: { roles: ROLES } },
    schema: {
      operationId: 'createEventTicket',
      response: { 201: EventTicketResponseSchema, ...problemResponses(400, 401, 403, 413, 415, 500) }
    }
  }, async (request, reply) => reply.code(201).send(await issueEventTicket(request.em, request.account!, request.accessExpiresAt!, app.config.EVENT_TICKET_TTL_SECONDS)))
}
