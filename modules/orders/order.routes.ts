import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IdempotencyHeadersSchema, IdParamsSchema, IfMatchHeadersSchema, PageQuerySchema, problemResponses } from '../../openapi/shared.schemas.js'
import { entityTag } from '../../plugins/resource-headers.js'
import { STAFF_ROLES } from '../auth/user.entity.js'
import {
  AdminOrderPageSchema, AdminOrderQuerySchema, AdminOrderSchema, CancelOrderRequestSchema, CreateReturnRequestSchema,
  OrderPageSchema, OrderSchema, UpdateOrderRequestSchema
} from './order.schemas.js'
import { orderSettingsOf } from './orders.context.js'
import { cancelOwnOrder, changeOrderStatus, getOrderForStaff, getOwnOrder, requestReturn, type OrderSettings } from './order.service.js'
import { listOrders, listOwnOrders } from './order-list.service.js'

const CUSTOMERS = { access: { roles: ['CUSTOMER'] } } as const
const STAFF = { access: { roles: STAFF_ROLES } } as const

export const orderRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const settings: OrderSettings = orderSettingsOf(app)

  app.get('/orders', {
    config: CUSTOMERS,
    schema: {
      operationId: 'listOrders',
      querystring: PageQuerySchema,
      response: { 200: OrderPageSchema, ...problemResponses(400, 401, 403, 500) }
    }
  }, async (request) => await listOwnOrders(request.em, request.account!, request.query))

  app.get('/orders/:id', {
    config: CUSTOMERS,
    schema: {
      operationId: 'getOrder',
      params: IdParamsSchema,
      response: { 200: OrderSchema, ...problemResponses(400, 401, 403, 404, 500) }
    }
  }, async (request) => await getOwnOrder(request.em, settings, request.account!, request.params.id))

  app.post('/orders/:id/cancel', {
    config: { ...CUSTOMERS, idempotency: {} },
    schema: {
      operationId: 'cancelOrder',
      params: IdParamsSchema,
      headers: IdempotencyHeadersSchema,
      body: CancelOrderRequestSchema,
      response: { 200: OrderSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 500) }
    }
  }, async (request) => await cancelOwnOrder(request.em, settings, request.account!, request.params.id, request.body.reason))

  app.post('/orders/:id/return-requests', {
    config: { ...CUSTOMERS, idempotency: {} },
    schema: {
      operationId: 'requestReturn',
      params: IdParamsSchema,
      headers: IdempotencyHeadersSchema,
      body: CreateReturnRequestSchema,
      response: { 201: OrderSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 500) }
    }
  }, async (request, reply) => {
    return reply.code(201).send(await requestReturn(request.em, settings, request.account!, request.params.id, request.body))
  })

  app.get('/admin/orders', {
    config: STAFF,
    schema: {
      operationId: 'adminListOrders',
      querystring: AdminOrderQuerySchema,
      response: { 200: AdminOrderPageSchema, ...problemResponses(400, 401, 403, 500) }
    }
  }, async (request) => await listOrders(request.em, request.query))

  app.get('/admin/orders/:id', {
    config: STAFF,
    schema: {
      operationId: 'adminGetOrder',
      params: IdParamsSchema,
      response: { 200: AdminOrderSchema, ...problemResponses(400, 401, 403, 404, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = await getOrderForStaff(request.em, settings, request.params.id)
    return reply.header('etag', entityTag(version)).send(resource)
  })

  app.patch('/admin/orders/:id', {
    config: STAFF,
    schema: {
      operationId: 'updateOrderStatus',
      params: IdParamsSchema,
      headers: IfMatchHeadersSchema,
      body: UpdateOrderRequestSchema,
      response: { 200: AdminOrderSchema, ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = await changeOrderStatus(request.em, settings, request.account!, request.params.id, request.body, request.headers['if-match'])
    return reply.header('etag', entityTag(version)).send(resource)
  })
}
