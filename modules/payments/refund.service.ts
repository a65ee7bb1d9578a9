import type { EntityManager } from '@mikro-orm/postgresql'
import { sql } from 'kysely'
import { invalidField } from '../../plugins/problem.js'
import { amountIn, money } from '../../plugins/money.js'
import { textOrNull } from '../../plugins/validation.js'
import type { Account } from '../../plugins/auth.js'
import { actorOf, SYSTEM_ACTOR, User, type Actor } from '../auth/user.entity.js'
import type { Order, PaymentStatus } from '../orders/order.entity.js'
import type { ReturnAccepted } from '../orders/orders.contract.js'
import { announceOrderUpdate, beforeChange, lockOrder } from '../orders/order.service.js'
import { Payment, Refund, type RefundReason } from '../orders/payment.entity.js'
import { toRefund, type RefundView } from '../orders/orders.contract.js'
import { paymentFlaggedEmail } from './payment.emails.js'
import { refundExceedsPayment } from './payments.errors.js'
import type { PaymentSettings } from './payments.settings.js'
import { GatewayRefusedError, GatewayUnavailableError, type GatewayRefund } from './stripe-gateway.js'
import type { CreateRefundRequest } from './payment.schemas.js'

/** An order's money as its records say: what succeeded, what refunds hold, and what each payment has left to refund. */
export interface Ledger {
  payments: Payment[]
  refunds: Refund[]
  paid: number
  refunded: number
  /** Per succeeded payment: what is still refundable (pending refunds already count against it). */
  remaining: Map<string, number>
}

export async function ledgerOf (tx: EntityManager, orderId: string): Promise<Ledger> {
  const [payments, refunds] = await Promise.all([tx.find(Payment, { order: orderId }), tx.find(Refund, { order: orderId })])
  const remaining = new Map<string, number>()
  for (const payment of payments) if (payment.status === 'SUCCEEDED') remaining.set(payment.id, payment.amountReceived)
  for (const refund of refunds) {
    if (refund.status !== 'FAILED') remaining.set(refund.payment.id, (remaining.get(refund.payment.id) ?? 0) - refund.amount)
  }
  const paid = payments.filter((payment) => payment.status === 'SUCCEEDED').reduce((sum, payment) => sum + payment.amountReceived, 0)
  const refunded = refunds.filter((refund) => refund.status === 'SUCCEEDED').reduce((sum, refund) => sum + refund.amount, 0)
  return { payments, refunds, paid, refunded, remaining }
}

/** The order's payment status from its records: paid in full until refunds take it below its total. */
export function paymentStatusOf (order: Order, ledger: Ledger): PaymentStatus {
  if (ledger.paid === 0) return 'UNPAID'
  const kept = ledger.paid - ledger.refunded
  if (kept <= 0) return 'REFUNDED'
  if (kept >= order.total) return 'PAID'
  return ledger.refunded > 0 ? 'PARTIALLY_REFUNDED' : 'PAID'
}

export interface RefundPlan {
  amount: number
  reason: RefundReason
  actor: Actor
  note?: string | null
  /** The event an automatic refund stands for: it is made once, however often the event is handled. */
  sourceKey?: string
  /** Refund this payment; unset: the succeeded payment with the most left to refund. */
  paymentId?: string
}

/**
 * Reserves a refund of a locked order: checked against what its payment has left, counting every refund
 * not failed, so that refunds made at once (they queue on the order's lock) can never together pass what
 * was paid. A cash refund is a record of cash handed back, so it succeeds at once; a card refund waits
 * for Stripe. Returns the existing refund when `sourceKey` was already used.
 */
export async function reserveRefund (tx: EntityManager, order: Order, plan: RefundPlan, ledger: Ledger): Promise<Refund> {
  if (plan.sourceKey !== undefined) {
    const existing = ledger.refunds.find((refund) => refund.sourceKey === plan.sourceKey)
    if (existing !== undefined) return existing
  }
  const candidates = [...ledger.remaining].filter(([id]) => plan.paymentId === undefined || id === plan.paymentId).sort((a, b) => b[1] - a[1])
  const [paymentId, left] = candidates[0] ?? ['', 0]
  if (plan.amount <= 0 || plan.amount > left) throw refundExceedsPayment(Math.max(left, 0), order.currency)
  const payment = ledger.payments.find((candidate) => candidate.id === paymentId) as Payment
  const refund = tx.create(Refund, {
    order,
    payment,
    amount: plan.amount,
    currency: order.currency,
    status: payment.provider === 'CASH' ? 'SUCCEEDED' : 'PENDING',
    reason: plan.reason,
    note: plan.note ?? null,
    sourceKey: plan.sourceKey ?? null,
    actorRole: plan.actor.role,
    actor: plan.actor.id
  })
  ledger.refunds.push(refund)
  ledger.remaining.set(paymentId, left - plan.amount)
  if (refund.status === 'SUCCEEDED') ledger.refunded += refund.amount
  return refund
}

/** Reserves refunds of everything still refundable from the order's card payments (a cancellation, a payment nobody owed). */
export async function reserveFullRefunds (tx: EntityManager, order: Order, ledger: Ledger, reason: RefundReason, sourceKeyOf: (paymentId: string) => string): Promise<Refund[]> {
  const reserved: Refund[] = []
  for (const [paymentId, left] of [...ledger.remaining]) {
    const payment = ledger.payments.find((candidate) => candidate.id === paymentId)
    if (payment?.provider !== 'STRIPE' || left <= 0) continue
    reserved.push(await reserveRefund(tx, order, { amount: left, reason, actor: SYSTEM_ACTOR, sourceKey: sourceKeyOf(paymentId), paymentId }, ledger))
  }
  return reserved
}

/** Marks a payment for staff to look at and emails every admin why. */
export async function flagToStaff (tx: EntityManager, settings: PaymentSettings, order: Order, payment: Payment, reason: string): Promise<void> {
  payment.attention = reason.slice(0, 500)
  settings.log.warn({ order: order.id, payment: payment.id }, `payment flagged: ${reason}`)
  const admins = await tx.find(User, { role: 'ADMIN', disabledAt: null }, { orderBy: { id: 'asc' } })
  for (const admin of admins) {
    await settings.orders.notifier.mailer.send(tx, paymentFlaggedEmail(admin.email, admin.name, { orderNumber: order.number, orderId: order.id, paymentId: payment.id, reason: payment.attention }))
  }
}

/**
 * Settles a locked order's refund as its provider reports it: a success refreshes the order's payment
 * status and announces the refund (webhook, live event, email); a failure gives its amount back to what may
 * be refunded. A refund already settled stays as it is, whatever arrives later. Returns whether it changed.
 */
export type ReportedRefund = Pick<GatewayRefund, 'status' | 'failureReason'> & { id: string | null }

export async function settleRefund (tx: EntityManager, settings: PaymentSettings, order: Order, refund: Refund, reported: ReportedRefund): Promise<boolean> {
  refund.externalId ??= reported.id
  // Forward only, but for one move back: Stripe may report a refund that had succeeded as failed after all (an expired card).
  if (reported.status === 'PENDING' || refund.status === 'FAILED' || refund.status === reported.status) return false
  const before = beforeChange(order)
  const undone = refund.status === 'SUCCEEDED'
  refund.status = reported.status
  refund.failureReason = reported.status === 'FAILED' ? (reported.failureReason ?? 'refused by Stripe') : null
  if (refund.status === 'SUCCEEDED' || undone) {
    order.paymentStatus = paymentStatusOf(order, await ledgerOf(tx, order.id))
    await announceOrderUpdate(tx, settings.orders, order, before, null, false, refund.status === 'SUCCEEDED' ? money(refund.currency, refund.amount) : undefined)
  }
  // Money the customer is owed and did not get back: a person must see to it.
  if (refund.status === 'FAILED' && (undone || refund.reason !== 'STAFF')) {
    const payment = await tx.findOneOrFail(Payment, { id: refund.payment.id })
    await flagToStaff(tx, settings, order, payment, `Refund ${refund.id} of ${refund.amount} ${refund.currency} (${refund.reason}) failed: ${refund.failureReason ?? 'refused by Stripe'}. Refund the customer another way, or try again with POST /api/v1/admin/orders/${order.id}/refunds.`)
  }
  return true
}

/**
 * Sends a reserved card refund to Stripe, its id as the idempotency key, so that sending it again (after a
 * crash, a timeout, from the sweep) never refunds twice, and records Stripe's answer. Stripe unreachable:
 * the refund stays pending for the sweep. Stripe refusing: the refund fails and its amount is refundable again.
 */
export async function submitRefund (settings: PaymentSettings, refundId: string): Promise<void> {
  const gateway = settings.gateway
  const em = settings.fork()
  const refund = await em.findOne(Refund, { id: refundId }, { populate: ['payment'] })
  if (gateway === null || refund === null || refund.status !== 'PENDING' || refund.externalId != null || refund.payment.externalId == null) return
  let reported: ReportedRefund
  try {
    reported = await gateway.createRefund({
      paymentIntentId: refund.payment.externalId,
      amount: refund.amount,
      metadata: { refund_id: refund.id, order_id: refund.order.id },
      idempotencyKey: `refund:${refund.id}`,
      ...(refund.reason === 'OVERPAYMENT' ? { reason: 'duplicate' as const } : { reason: 'requested_by_customer' as const })
    })
  } catch (error) {
    if (error instanceof GatewayUnavailableError) {
      settings.log.warn({ err: error, refund: refund.id }, 'Stripe did not answer a refund; it is sent again by the sweep')
      return
    }
    if (!(error instanceof GatewayRefusedError)) throw error
    reported = { id: null, status: 'FAILED', failureReason: `${error.code}: ${error.message}`.slice(0, 500) }
  }
  await em.fork().transactional(async (tx) => {
    const order = await lockOrder(tx, refund.order.id)
    await settleRefund(tx, settings, order, await tx.findOneOrFail(Refund, { id: refund.id }), reported)
  })
}

/** Admins: refund part or all of what an order's customer paid, never more than is left. */
export async function createStaffRefund (em: EntityManager, settings: PaymentSettings, account: Account, orderId: string, input: CreateRefundRequest): Promise<RefundView> {
  const refund = await em.transactional(async (tx) => {
    const order = await lockOrder(tx, orderId)
    const amount = amountIn(order.currency, input.amount, '/body/amount')
    if (amount === 0) throw invalidField('/body/amount/amount', 'must be above 0')
    const ledger = await ledgerOf(tx, order.id)
    const before = beforeChange(order)
    const reserved = await reserveRefund(tx, order, { amount, reason: 'STAFF', actor: actorOf(account), note: textOrNull(input.note) }, ledger)
    if (reserved.status === 'SUCCEEDED') {
      order.paymentStatus = paymentStatusOf(order, ledger)
      await announceOrderUpdate(tx, settings.orders, order, before, reserved.note ?? null, false, money(reserved.currency, reserved.amount))
    }
    await tx.flush()
    return reserved
  })
  if (refund.status === 'PENDING') await submitRefund(settings, refund.id)
  return toRefund(await settings.fork().findOneOrFail(Refund, { id: refund.id }))
}

/**
 * An accepted return's refund: its value from the order's card payments, at most what is left of them
 * (staff record cash refunds themselves). Made once per return, however often the message is delivered.
 */
export async function refundAcceptedReturn (settings: PaymentSettings, accepted: ReturnAccepted): Promise<void> {
  const reserved = await settings.fork().transactional(async (tx) => {
    const order = await lockOrder(tx, accepted.orderId)
    const ledger = await ledgerOf(tx, order.id)
    const made = ledger.refunds.filter((refund) => refund.sourceKey?.startsWith(`return:${accepted.returnRequestId}:`) === true)
    // Delivered again: this return was refunded already (each key is made once, but which payments it took may have changed since).
    if (made.length > 0) return made
    const refunds: Refund[] = []
    let due = accepted.amount
    for (const [paymentId, left] of [...ledger.remaining].sort((a, b) => b[1] - a[1])) {
      const payment = ledger.payments.find((candidate) => candidate.id === paymentId)
      if (due <= 0 || left <= 0 || payment?.provider !== 'STRIPE') continue
      const amount = Math.min(due, left)
      refunds.push(await reserveRefund(tx, order, { amount, reason: 'RETURN', actor: SYSTEM_ACTOR, sourceKey: `return:${accepted.returnRequestId}:${paymentId}`, paymentId }, ledger))
      due -= amount
    }
    return refunds
  })
  for (const refund of reserved) if (refund.status === 'PENDING') await submitRefund(settings, refund.id)
}

/** Sends again, with their own idempotency keys, the card refunds Stripe has not answered for `afterSeconds` (an outage, a crash). */
export async function resubmitUnansweredRefunds (em: EntityManager, settings: PaymentSettings, afterSeconds: number): Promise<void> {
  const { rows } = await sql<{ id: string }>`select id from refunds where status = 'PENDING' and external_id is null
    and created_at < now() - make_interval(secs => ${afterSeconds}) order by id limit 100`.execute(em.getKysely())
  for (const { id } of rows) await submitRefund(settings, id)
}
