import type { EntityManager } from '@mikro-orm/postgresql'
import type { OrderSettings } from '../orders/order.service.js'
import type { PaymentGateway } from './stripe-gateway.js'

export interface PaymentSettings {
  orders: OrderSettings
  /** Stripe, when STRIPE_SECRET_KEY is set; without it card payments are refused. */
  gateway: PaymentGateway | null
  /** PAYMENT_TIMEOUT_MINUTES */
  timeoutMinutes: number
  /** COD_MAX_AMOUNT, in the shop currency's minor units */
  codMaxAmount: number | null
  /** A new EntityManager, for work that must commit on its own (each order a background job settles). */
  fork: () => EntityManager
  log: { warn: (details: object, message: string) => void, error: (details: object, message: string) => void }
}
