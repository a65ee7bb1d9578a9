import type { EntityManager } from '@mikro-orm/postgresql'
import type { Account } from '../../plugins/auth.js'
import { amountIn, money } from '../../plugins/money.js'
import { textOrNull } from '../../plugins/validation.js'
import { actorOf } from '../auth/user.entity.js'
import { announceOrderUpdate, beforeChange, findOrder, lockOrder } from '../orders/order.service.js'
import { Payment } from '../orders/payment.entity.js'
import { PaymentEvent } from './payment-event.entity.js'
import { toPayment, toRefund, type PaymentView } from '../orders/orders.contract.js'
import { cardAmountTooSmall, codAmountMismatch, codLimitExceeded, codNotCollectable } from './payments.errors.js'
import type { PaymentSettings } from './payments.settings.js'
import { ledgerOf, paymentStatusOf } from './refund.service.js'
import type { CodPaymentRequest, OrderPayments } from './payment.schemas.js'

import { assertCardPaymentsAvailable } from './card-payment.service.js'

export { recordCardPayment, submitPaymentIntent } from './card-payment.service.js'
export { paymentSettingsOf } from './payments.context.js'
export type { PaymentSettings } from './payments.settings.js'

/** Checkout's check that the shop takes this way of paying: cards with Stripe configured. */
export function assertPaymentMethodAvailable (settings: PaymentSettings, method: 'COD' | 'CARD'): void {
  if (method === 'CARD') assertCardPaymentsAvailable(settings)
}

/**
 * The smallest charge Stripe accepts, per currency, in minor units (Stripe's "minimum charge amount" list);
 * 50 for the currencies it does not name.
 */
const CARD_MINIMUMS: Record<string, number> = {
  AED: 200, BGN: 100, CZK: 1500, DKK: 250, GBP: 30, HKD: 400, HUF: 17_500, MXN: 1000, MYR: 200, NOK: 300, PLN: 200, RON: 200, SEK: 300, THB: 1000
}

/** Checkout's check of a card order's total: Stripe cannot charge less than its minimum (a discount can bring a total to 0). */
export function assertCardAmountAllowed (total: number, currency: string): void {
  const minimum = CARD_MINIMUMS[currency] ?? 50
  if (total < minimum) throw cardAmountTooSmall(minimum, currency)
}

/** Checkout's check of a cash-on-delivery order's total against COD_MAX_AMOUNT. */
export function assertCodAllowed (settings: PaymentSettings, total: number): void {
  if (settings.codMaxAmount !== null && total > settings.codMaxAmount) throw codLimitExceeded(settings.codMaxAmount)
}

/** Staff: every payment of an order with the provider events about it, its refunds, and what is left to refund. */
export async function getOrderPayments (em: EntityManager, orderId: string): Promise<OrderPayments> {
  const order = await findOrder(em, orderId)
  const ledger = await ledgerOf(em, order.id)
  const events = await em.find(PaymentEvent, { payment: { order: order.id } }, { orderBy: { occurredAt: 'asc', id: 'asc' } })
  const amount = (value: number) => money(order.currency, value)
  return {
    orderId: order.id,
    paid: amount(ledger.paid),
    refunded: amount(ledger.refunded),
    refundable: amount([...ledger.remaining.values()].reduce((sum, left) => sum + Math.max(left, 0), 0)),
    payments: [...ledger.payments].sort((a, b) => a.id.localeCompare(b.id)).map((payment) => ({
      payment: toPayment(payment, 'STAFF'),
      events: events.filter((event) => event.payment?.id === payment.id).map((event) => ({
        eventId: event.eventId,
        type: event.type,
        outcome: event.outcome,
        detail: event.detail ?? null,
        occurredAt: event.occurredAt.toISOString(),
        receivedAt: event.createdAt.toISOString(),
        refundId: event.refund?.id ?? null
      }))
    })),
    refunds: [...ledger.refunds].sort((a, b) => a.id.localeCompare(b.id)).map((refund) => toRefund(refund))
  }
}

/** Staff: the cash a courier collected for a shipped cash-on-delivery order, once, for its total. */
export async function recordCodPayment (em: EntityManager, settings: PaymentSettings, account: Account, orderId: string, input: CodPaymentRequest): Promise<PaymentView> {
  return await em.transactional(async (tx) => {
    const order = await lockOrder(tx, orderId)
    if (order.paymentMethod !== 'COD') throw codNotCollectable('This order is paid by card, not cash on delivery.')
    if (order.status !== 'SHIPPED' && order.status !== 'DELIVERED') throw codNotCollectable(`The order is ${order.status}: cash is collected once it has shipped.`)
    const ledger = await ledgerOf(tx, order.id)
    if (ledger.payments.some((payment) => payment.status === 'SUCCEEDED')) throw codNotCollectable('The cash for this order was already recorded.')
    if (amountIn(order.currency, input.amount, '/body/amount') !== order.total) throw codAmountMismatch(order.total)
    const before = beforeChange(order)
    const actor = actorOf(account)
    const payment = tx.create(Payment, {
      order, provider: 'CASH', amount: order.total, currency: order.currency, status: 'SUCCEEDED', amountReceived: order.total, actorRole: actor.role, actor: actor.id
    })
    ledger.payments.push(payment)
    ledger.paid += payment.amountReceived
    order.paymentStatus = paymentStatusOf(order, ledger)
    await announceOrderUpdate(tx, settings.orders, order, before, textOrNull(input.note))
    return toPayment(payment, 'STAFF')
  })
}
