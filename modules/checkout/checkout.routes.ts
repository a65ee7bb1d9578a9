import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IdempotencyHeadersSchema, problemResponses } from '../../openapi/shared.schemas.js'
import { cartSettingsFrom } from '../cart/cart.service.js'
import { OrderSchema, orderSettingsOf } from '../orders/orders.contract.js'
import { paymentSettingsOf } from '../payments/payment.service.js'
import { shippingSettingsOf } from '../shipping/shipping.service.js'
import { checkout, type CheckoutSettings } from './checkout.service.js'
import { CheckoutRequestSchema } from './checkout.schemas.js'

export const checkoutRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const settings: CheckoutSettings = {
    currency: app.config.SHOP_CURRENCY,
    cart: cartSettingsFrom(app.config, app.storage.urlOf),
    orders: orderSettingsOf(app),
    payments: paymentSettingsOf(app),
    shipping: shippingSettingsOf(app.config, app.log),
    lowStock: { threshold: app.config.LOW_STOCK_THRESHOLD, outbox: app.outbox }
  }

  app.post('/checkout', {
    config: { access: { roles: ['CUSTOMER'] }, idempotency: { required: true } },
    schema: {
      operationId: 'checkout',
      headers: IdempotencyHeadersSchema,
      body: CheckoutRequestSchema,
      response: { 201: OrderSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 428, 500) }
    }
  }, async (request, reply) => {
    const { order, attempts, conflicts } = await checkout(request.em, settings, request.account!, request.body)
    if (attempts > 1) request.log.warn({ attempts, order: order.id }, 'checkout took more than one transaction')
    return reply.code(201)
      .header('location', `${app.prefix}/orders/${order.id}`)
      .header('server-timing', `attempts;desc="${attempts}", conflicts;desc="${conflicts}"`)
      .send(order)
  })
}
