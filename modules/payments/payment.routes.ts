import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IdempotencyHeadersSchema, IdParamsSchema, problemResponses } from '../../openapi/shared.schemas.js'
import { STAFF_ROLES } from '../auth/user.entity.js'
import { OrderSchema } from '../orders/orders.contract.js'
import { PaymentSchema, RefundSchema } from '../orders/orders.contract.js'
import { CodPaymentRequestSchema, CreateRefundRequestSchema, OrderPaymentsSchema } from './payment.schemas.js'
import { startPaymentAttempt } from './card-payment.service.js'
import { getOrderPayments, recordCodPayment } from './payment.service.js'
import { createStaffRefund } from './refund.service.js'
import type { PaymentSettings } from './payments.settings.js'

export const paymentRoutes: FastifyPluginAsyncTypebox<{ settings: PaymentSettings }> = async (app, { settings }) => {
  app.post('/orders/:id/payment', {
    config: { access: { roles: ['CUSTOMER'] }, idempotency: { required: true } },
    schema: {
      operationId: 'startOrderPayment',
      params: IdParamsSchema,
      headers: IdempotencyHeadersSchema,
      response: { 201: OrderSchema, ...problemResponses(400, 401, 403, 404, 409, 422, 428, 500, 503) }
    }
  }, async (request, reply) => reply.code(201).send(await startPaymentAttempt(request.em, settings, request.account!, request.params.id)))

  app.get('/admin/orders/:id/payments', {
    config: { access: { roles: STAFF_ROLES } },
    schema: {
      operationId: 'adminGetOrderPayments',
      params: IdParamsSchema,
      response: { 200: OrderPaymentsSchema, ...problemResponses(400, 401, 403, 404, 500) }
    }
  }, async (request) => await getOrderPayments(request.em, request.params.id))

  app.post('/admin/orders/:id/refunds', {
    config: { access: { roles: ['ADMIN'] }, idempotency: { required: true } },
    schema: {
      operationId: 'createRefund',
      params: IdParamsSchema,
      headers: IdempotencyHeadersSchema,
      body: CreateRefundRequestSchema,
      response: { 201: RefundSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 428, 500) }
    }
  }, async (request, reply) => reply.code(201).send(await createStaffRefund(request.em, settings, request.account!, request.params.id, request.body)))

  app.post('/admin/orders/:id/cod-payment', {
    config: { access: { roles: STAFF_ROLES }, idempotency: { required: true } },
    schema: {
      operationId: 'recordCodPayment',
      params: IdParamsSchema,
      headers: IdempotencyHeadersSchema,
      body: CodPaymentRequestSchema,
      response: { 201: PaymentSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 428, 500) }
    }
  }, async (request, reply) => reply.code(201).send(await recordCodPayment(request.em, settings, request.account!, request.params.id, request.body)))
}
