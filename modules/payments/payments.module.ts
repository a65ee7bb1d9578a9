import type { FastifyPluginAsync } from 'fastify'
import { ORDER_CANCELLED_TOPIC, RETURN_ACCEPTED_TOPIC, type OrderCancelled, type ReturnAccepted } from '../orders/orders.contract.js'
import { paymentRoutes } from './payment.routes.js'
import { stripeWebhookRoutes } from './stripe-webhook.routes.js'
import { expireUnpaidOrders, resubmitUnansweredIntents, settleCancelledOrder } from './card-payment.service.js'
import { refundAcceptedReturn, resubmitUnansweredRefunds } from './refund.service.js'
import { paymentSettingsOf } from './payments.context.js'

const EVERY_MINUTE = 60_000
/** Provider calls a crash (or an outage) left unmade are made again after this long, with the same idempotency keys. */
const RESUBMIT_AFTER_SECONDS = 60

/**
 * Payments: card payments through Stripe (checkout creates the PaymentIntent, Stripe's signed events settle
 * it), cash on delivery, and refunds; a timeout for card orders never paid; and the settling of cancelled
 * orders and accepted returns, which the orders module announces through the outbox.
 */
const paymentsModule: FastifyPluginAsync = async (app) => {
  const settings = paymentSettingsOf(app)
  await app.register(paymentRoutes, { settings })
  await app.register(stripeWebhookRoutes, { settings })

  app.outbox.handle<OrderCancelled>(ORDER_CANCELLED_TOPIC, async ({ orderId }) => { await settleCancelledOrder(settings, orderId) })
  app.outbox.handle<ReturnAccepted>(RETURN_ACCEPTED_TOPIC, async (accepted) => { await refundAcceptedReturn(settings, accepted) })

  app.scheduleJob({
    name: 'expire-unpaid-card-orders',
    everyMs: EVERY_MINUTE,
    run: async (em) => {
      const cancelled = await expireUnpaidOrders(em, settings)
      if (cancelled > 0) app.log.info({ cancelled }, 'cancelled card orders whose payment never came')
    }
  })
  app.scheduleJob({
    name: 'resubmit-provider-calls',
    everyMs: EVERY_MINUTE,
    run: async (em) => {
      await resubmitUnansweredRefunds(em, settings, RESUBMIT_AFTER_SECONDS)
      await resubmitUnansweredIntents(em, settings, RESUBMIT_AFTER_SECONDS)
    }
  })
}

export default paymentsModule
