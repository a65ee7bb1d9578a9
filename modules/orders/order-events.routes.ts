import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { problemResponses } from '../../openapi/shared.schemas.js'
import type { LiveEvent } from '../../plugins/live-events.js'
import { STAFF_ROLES } from '../auth/user.entity.js'
import type { OrderLiveEventData } from './order-notifications.service.js'
import { EventStreamHeadersSchema, EventStreamQuerySchema, EventStreamSchema } from './order.schemas.js'

interface StreamRequest {
  Querystring: { ticket?: string, lastEventId?: string }
  Headers: { 'last-event-id'?: string }
}

const staffView = (event: LiveEvent): object => event.data

/** A customer's stream shows their own orders, without the customer block staff see. */
function customerView (event: LiveEvent): object {
  const { order: { customer, ...order }, ...rest } = event.data as OrderLiveEventData
  return { ...rest, order }
}

const eventStreamSchema = (operationId: string) => ({
  operationId,
  headers: EventStreamHeadersSchema,
  querystring: EventStreamQuerySchema,
  response: { 200: EventStreamSchema, ...problemResponses(400, 401, 403, 429, 500) }
})

/** Live order updates as server-sent events: customers follow their own orders, staff every order. */
export const orderEventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const open = (request: FastifyRequest<StreamRequest>, reply: FastifyReply, scope: string | undefined, present: (event: LiveEvent) => object) =>
    app.liveEvents.stream(reply, {
      scope,
      present,
      lastEventId: request.headers['last-event-id'] ?? request.query.lastEventId,
      owner: request.account!.id,
      endsAt: request.accessExpiresAt ?? undefined
    })

  app.get<StreamRequest>('/orders/events', {
    config: { access: { roles: ['CUSTOMER'], ticket: true } },
    schema: eventStreamSchema('streamOrderEvents')
  }, async (request, reply) => open(request, reply, request.account!.id, customerView))

  app.get<StreamRequest>('/admin/orders/events', {
    config: { access: { roles: STAFF_ROLES, ticket: true } },
    schema: eventStreamSchema('streamAdminOrderEvents')
  }, async (request, reply) => open(request, reply, undefined, staffView))
}
