import type { FastifyInstance } from 'fastify'
import { orderSettingsOf } from '../orders/orders.contract.js'
import type { PaymentSettings } from './payments.settings.js'
import { createStripeGateway } from './stripe-gateway.js'

/** The payment use cases' settings and collaborators, from the app's configuration: Stripe only when its key is set. */
export function paymentSettingsOf (app: FastifyInstance): PaymentSettings {
  const { STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, STRIPE_API_URL, STRIPE_TIMEOUT_MS, PAYMENT_TIMEOUT_MINUTES, COD_MAX_AMOUNT } = app.config
  return {
    orders: orderSettingsOf(app),
    gateway: STRIPE_SECRET_KEY === undefined || STRIPE_WEBHOOK_SECRET === undefined
      ? null
      : createStripeGateway({ secretKey: STRIPE_SECRET_KEY, webhookSecret: STRIPE_WEBHOOK_SECRET, timeoutMs: STRIPE_TIMEOUT_MS, ...(STRIPE_API_URL === undefined ? {} : { apiUrl: STRIPE_API_URL }) }),
    timeoutMinutes: PAYMENT_TIMEOUT_MINUTES,
    codMaxAmount: COD_MAX_AMOUNT ?? null,
    fork: () => app.orm.em.fork(),
    log: app.log
  }
}
