import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { IdempotencyHeadersSchema, IdParamsSchema, IfMatchHeadersSchema, PageQuerySchema, problemResponses } from '../../openapi/shared.schemas.js'
import { actorOf, STAFF_ROLES } from '../auth/user.entity.js'
import { LowStockPageSchema, StockAdjustmentPageSchema, StockAdjustmentRequestSchema, StockAdjustmentSchema } from './inventory.schemas.js'
import { adjustStock, listLowStock, listStockAdjustments, type LowStockAlerts } from './inventory.service.js'

const STAFF = { access: { roles: STAFF_ROLES } } as const

export const inventoryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const threshold = app.config.LOW_STOCK_THRESHOLD
  const alerts: LowStockAlerts = { threshold, outbox: app.outbox }

  app.post('/variants/:id/stock-adjustments', {
    config: { ...STAFF, idempotency: { required: true } },
    schema: {
      operationId: 'adjustStock',
      params: IdParamsSchema,
      headers: Type.Composite([IfMatchHeadersSchema, IdempotencyHeadersSchema]),
      body: StockAdjustmentRequestSchema,
      response: { 201: StockAdjustmentSchema, ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415, 422, 428, 500) }
    }
  }, async (request, reply) => {
    const adjustment = await adjustStock(request.em, alerts, request.params.id, request.body, actorOf(request.account!), request.headers['if-match'])
    return reply.code(201).send(adjustment)
  })

  app.get('/variants/:id/stock-adjustments', {
    config: STAFF,
    schema: {
      operationId: 'listStockAdjustments',
      params: IdParamsSchema,
      querystring: PageQuerySchema,
      response: { 200: StockAdjustmentPageSchema, ...problemResponses(400, 401, 403, 404, 500) }
    }
  }, async (request) => await listStockAdjustments(request.em, request.params.id, request.query))

  app.get('/inventory/low-stock', {
    config: STAFF,
    schema: {
      operationId: 'listLowStock',
      querystring: PageQuerySchema,
      response: { 200: LowStockPageSchema, ...problemResponses(400, 401, 403, 500) }
    }
  }, async (request) => await listLowStock(request.em, threshold, request.query))
}
