import type { EntityManager } from '@mikro-orm/postgresql'
import { sql } from 'kysely'
import type { Account } from '../../plugins/auth.js'
import { actorOf, SYSTEM_ACTOR, type Actor } from '../auth/user.entity.js'
import type { Order } from '../orders/order.entity.js'
import type { Order as OrderView } from '../orders/orders.contract.js'
import { announceOrderUpdate, beforeChange, getOwnOrder, lockOrder, moveOrderAsShop, shopMayMove } from '../orders/order.service.js'
import { Payment, type Refund } from '../orders/payment.entity.js'
import type { PaymentEventOutcome } from './payment-event.entity.js'
import { cardPaymentsUnavailable, orderNotPayable, paymentInProgress, paymentProviderUnavailable, paymentRefused } from './payments.errors.js'
import type { PaymentSettings } from './payments.settings.js'
import { flagToStaff, ledgerOf, paymentStatusOf, reserveFullRefunds, reserveRefund, submitRefund } from './refund.service.js'
import { GatewayRefusedError, GatewayUnavailableError, type GatewayIntent } from './stripe-gateway.js'

/** Card payments need Stripe: checkout refuses `CARD` before any work without it. */
export function assertCardPaymentsAvailable (settings: PaymentSettings): void {
  if (settings.gateway === null) throw cardPaymentsUnavailable()
}

/** A new card payment of an order, in its transaction; Stripe is asked for its PaymentIntent once that commits. */
export function recordCardPayment (tx: EntityManager, settings: PaymentSettings, order: Order, actor: Actor): Payment {
  assertCardPaymentsAvailable(settings)
  return tx.create(Payment, {
    order, provider: 'STRIPE', amount: order.total, currency: order.currency, status: 'PENDING', amountReceived: 0, actorRole: actor.role, actor: actor.id
  })
}

/**
 * Creates the payment's PaymentIntent for the order's total, with the payment's id as Stripe's idempotency
 * key (so that asking again, after a crash or a timeout, never makes a second intent), and records it.
 * Stripe unreachable or refusing: the payment fails, and the order stays payable with a new attempt.
 * Returns whether the intent was created.
 */
export async function submitPaymentIntent (settings: PaymentSettings, paymentId: string): Promise<'CREATED' | 'UNAVAILABLE' | 'REFUSED' | 'SETTLED'> {
  const em = settings.fork()
  const payment = await em.findOne(Payment, { id: paymentId }, { populate: ['order'] })
  if (settings.gateway === null || payment === null || payment.status !== 'PENDING' || payment.externalId != null) return 'SETTLED'
  // Recorded under the order's lock, like every change of its payments (Stripe's events about the intent wait for it).
  const record = async (change: (db: ReturnType<EntityManager['getKysely']>) => Promise<bigint | undefined>): Promise<bigint | undefined> =>
    await settings.fork().transactional(async (tx) => {
      await lockOrder(tx, payment.order.id)
      return await change(tx.getKysely())
    })
  try {
    const intent = await settings.gateway.createPaymentIntent({
      amount: payment.amount,
      currency: payment.currency,
      metadata: { order_id: payment.order.id, order_number: payment.order.number, payment_id: payment.id },
      idempotencyKey: `payment-intent:${payment.id}`
    })
    const numAffectedRows = await record(async (db) => (await sql`update payments set external_id = ${intent.id}, client_secret = ${intent.clientSecret}, updated_at = now(), version = version + 1
      where id = ${payment.id} and status = 'PENDING' and (external_id is null or external_id = ${intent.id})`.execute(db)).numAffectedRows)
    // Settled meanwhile (the order was cancelled): the intent nobody will pay is cancelled at once. (Stripe's
    // own event about the new intent may have recorded its id first: that is the same intent, and it stays.)
    if (numAffectedRows === 0n) await settings.gateway.cancelPaymentIntent(intent.id, cancelKey(payment.id)).catch(() => undefined)
    return numAffectedRows !== 0n ? 'CREATED' : 'SETTLED'
  } catch (error) {
    if (!(error instanceof GatewayUnavailableError) && !(error instanceof GatewayRefusedError)) throw error
    settings.log.warn({ err: error, payment: payment.id }, 'Stripe did not create a PaymentIntent')
    const code = error instanceof GatewayRefusedError ? error.code : 'provider_unavailable'
    await record(async (db) => (await sql`update payments set status = 'FAILED', failure_code = ${code}, failure_message = ${error.message.slice(0, 500)}, updated_at = now(), version = version + 1
      where id = ${payment.id} and status = 'PENDING' and external_id is null`.execute(db)).numAffectedRows)
    return code === 'provider_unavailable' ? 'UNAVAILABLE' : 'REFUSED'
  }
}

/**
 * Each cancellation its own idempotency key: Stripe keeps a refused request's answer for its key (an intent
 * still processing), and cancelling is idempotent at Stripe anyway.
 */
const cancelKey = (paymentId: string): string => `cancel:${paymentId}:${Date.now()}`

/** Payments whose intent could still be paid at Stripe: pending, or declined (Stripe lets the customer try again on the same intent). */
const OPEN_INTENTS = ['PENDING', 'FAILED'] as const

/** Customers: a new card payment of a pending card order whose last payment failed or was cancelled. */
export async function startPaymentAttempt (em: EntityManager, settings: PaymentSettings, account: Account, orderId: string): Promise<OrderView> {
  const payment = await em.transactional(async (tx) => {
    const order = await lockOrder(tx, orderId, account.id)
    if (order.paymentMethod !== 'CARD') throw orderNotPayable('This order is paid cash on delivery.')
    if (order.status !== 'PENDING' || order.paymentStatus !== 'UNPAID') throw orderNotPayable(`This order is ${order.status} and ${order.paymentStatus}: it takes no new payment.`)
    if (await tx.count(Payment, { order: order.id, status: 'PENDING' }) > 0) throw paymentInProgress()
    return recordCardPayment(tx, settings, order, actorOf(account))
  })
  const submitted = await submitPaymentIntent(settings, payment.id)
  if (submitted === 'UNAVAILABLE') throw paymentProviderUnavailable()
  if (submitted === 'REFUSED') throw paymentRefused()
  await cancelOtherIntents(settings, orderId, payment.id)
  return await getOwnOrder(settings.fork(), settings.orders, account, orderId)
}

export interface IntentOutcome {
  outcome: PaymentEventOutcome
  detail: string | null
  /** Refunds reserved by this change, to send to Stripe once it commits. */
  refunds: Refund[]
}

const ignored = (detail: string): IntentOutcome => ({ outcome: 'IGNORED', detail, refunds: [] })

/**
 * Applies what Stripe says of a payment's intent to the payment and its locked order, whatever the order
 * of the reports: a success is final (a failure reported after it changes nothing); it marks the order
 * paid and confirmed, or, for an order already paid or cancelled, is refunded; an amount or currency that
 * is not the payment's is never taken as payment, and is flagged to staff instead.
 */
export async function applyIntent (tx: EntityManager, settings: PaymentSettings, order: Order, payment: Payment, intent: GatewayIntent): Promise<IntentOutcome> {
  payment.externalId ??= intent.id
  if (payment.status === 'SUCCEEDED') return ignored(`the payment had already succeeded; Stripe now reports ${intent.status}`)
  if (intent.status === 'FAILED' || intent.status === 'CANCELLED') {
    if (payment.status !== 'PENDING') return ignored(`the payment was already ${payment.status}`)
    payment.status = intent.status
    payment.failureCode = intent.failure?.code ?? (intent.status === 'CANCELLED' ? 'canceled' : 'payment_failed')
    payment.failureMessage = intent.failure?.message.slice(0, 500) ?? null
    return { outcome: 'APPLIED', detail: null, refunds: [] }
  }
  if (intent.status === 'PENDING') return ignored('the payment is still pending')
  if (payment.attention != null) return ignored('the payment was refused and flagged to staff already')
  if (intent.amountReceived !== payment.amount || intent.currency !== payment.currency) {
    // Refused as this order's payment (the order stays payable, and expires like any unpaid one); staff settle it at Stripe.
    const reason = `Stripe reported ${intent.amountReceived} ${intent.currency} received for a payment of ${payment.amount} ${payment.currency}.`
    Object.assign(payment, { status: 'FAILED', failureCode: 'amount_mismatch', failureMessage: reason })
    await flagToStaff(tx, settings, order, payment, `${reason} It was not taken as the order's payment: refund it in Stripe's dashboard.`)
    return { outcome: 'FLAGGED', detail: reason, refunds: [] }
  }
  const before = beforeChange(order)
  Object.assign(payment, { status: 'SUCCEEDED', amountReceived: intent.amountReceived, failureCode: null, failureMessage: null })
  await tx.flush()
  const ledger = await ledgerOf(tx, order.id)
  const cancelled = order.status === 'CANCELLED'
  const owed = !cancelled && ledger.paid - payment.amountReceived < order.total
  // A cancelled order's payment uses the cancellation's own source key, so that the two paths refund it once.
  const refunds = owed
    ? []
    : [await reserveRefund(tx, order, { amount: payment.amountReceived, reason: 'OVERPAYMENT', actor: SYSTEM_ACTOR, sourceKey: `${cancelled ? 'cancellation' : 'overpayment'}:${payment.id}`, paymentId: payment.id }, ledger)]
  // A cancelled order is never shown paid: it stays unpaid until its refund settles it as refunded.
  if (!cancelled) order.paymentStatus = paymentStatusOf(order, ledger)
  if (owed && shopMayMove(order, 'CONFIRMED')) await moveOrderAsShop(tx, settings.orders, order, 'CONFIRMED', 'Paid by card')
  await announceOrderUpdate(tx, settings.orders, order, before, null)
  return { outcome: 'APPLIED', detail: owed ? null : 'the order was already paid or cancelled: the payment is refunded', refunds }
}

async function submitAll (settings: PaymentSettings, refunds: Refund[]): Promise<void> {
  for (const refund of refunds) if (refund.status === 'PENDING') await submitRefund(settings, refund.id)
}

/**
 * A cancelled card order's payments: pending intents are cancelled at Stripe (one that succeeded meanwhile
 * is taken, then refunded), and what was paid is refunded in full. Safe to run again: each refund is made once.
 */
export async function settleCancelledOrder (settings: PaymentSettings, orderId: string): Promise<void> {
  const { intents, refunds } = await settings.fork().transactional(async (tx) => {
    const order = await lockOrder(tx, orderId)
    const ledger = await ledgerOf(tx, order.id)
    const open = ledger.payments.filter((payment) => payment.provider === 'STRIPE' && OPEN_INTENTS.some((status) => status === payment.status))
    // Never sent to Stripe: nothing to cancel there (a submission still in flight cancels its own intent).
    for (const payment of open) if (payment.externalId == null && payment.status === 'PENDING') Object.assign(payment, { status: 'CANCELLED', failureCode: 'order_cancelled' })
    const reserved = await reserveFullRefunds(tx, order, ledger, 'CANCELLATION', (paymentId) => `cancellation:${paymentId}`)
    return { intents: open.filter((payment) => payment.externalId != null).map((payment) => payment.id), refunds: reserved }
  })
  await submitAll(settings, refunds)
  for (const paymentId of intents) await cancelIntent(settings, paymentId)
}

/** Cancels a payment's intent at Stripe and applies the intent as Stripe leaves it (cancelled, or succeeded after all). */
async function cancelIntent (settings: PaymentSettings, paymentId: string): Promise<GatewayIntent | undefined> {
  const payment = await settings.fork().findOneOrFail(Payment, { id: paymentId })
  if (settings.gateway === null || payment.externalId == null || !OPEN_INTENTS.some((status) => status === payment.status)) return undefined
  let intent: GatewayIntent
  try {
    intent = await settings.gateway.cancelPaymentIntent(payment.externalId, cancelKey(payment.id))
  } catch (error) {
    if (!(error instanceof GatewayRefusedError)) throw error
    // Stripe knows no such intent to cancel (it cancels a succeeded one by answering with it): nothing can be paid with it.
    intent = { id: payment.externalId, amount: payment.amount, amountReceived: 0, currency: payment.currency, status: 'CANCELLED', clientSecret: null, failure: { code: error.code, message: error.message }, metadata: {} }
  }
  const { refunds } = await settings.fork().transactional(async (tx) => {
    const order = await lockOrder(tx, payment.order.id)
    return await applyIntent(tx, settings, order, await tx.findOneOrFail(Payment, { id: paymentId }), intent)
  })
  await submitAll(settings, refunds)
  return intent
}

/**
 * The payment timeout: card orders still unpaid `timeoutMinutes` after they were placed are cancelled and
 * restocked, once Stripe has cancelled their intents. Stripe decides the race with a late payment: an
 * intent it reports succeeded instead makes the order paid, and it is not cancelled.
 */
export async function expireUnpaidOrders (em: EntityManager, settings: PaymentSettings): Promise<number> {
  const { rows } = await sql<{ id: string }>`
    select id from orders where status = 'PENDING' and payment_status = 'UNPAID' and payment_method = 'CARD'
       and placed_at < now() - make_interval(mins => ${settings.timeoutMinutes})
     order by placed_at limit 100`.execute(em.getKysely())
  let cancelled = 0
  for (const { id } of rows) {
    try {
      const open = await settings.fork().find(Payment, { order: id, status: { $in: [...OPEN_INTENTS] }, externalId: { $ne: null } })
      for (const payment of open) await cancelIntent(settings, payment.id)
      const done = await settings.fork().transactional(async (tx) => {
        const order = await lockOrder(tx, id)
        if (order.status !== 'PENDING' || order.paymentStatus !== 'UNPAID' || await tx.count(Payment, { order: id, status: 'PENDING', externalId: { $ne: null } }) > 0) return false
        const before = beforeChange(order)
        await moveOrderAsShop(tx, settings.orders, order, 'CANCELLED', `Not paid within ${settings.timeoutMinutes} minutes`)
        await announceOrderUpdate(tx, settings.orders, order, before, `Not paid within ${settings.timeoutMinutes} minutes`)
        return true
      })
      if (done) cancelled++
    } catch (error) {
      // Stripe unreachable, or the order changed meanwhile: the next run tries again.
      settings.log.warn({ err: error, order: id }, 'an unpaid card order could not be expired yet')
    }
  }
  return cancelled
}

/** Asks again, with their own idempotency keys, for the PaymentIntents of card payments left without one for `afterSeconds` (a crash after checkout). */
export async function resubmitUnansweredIntents (em: EntityManager, settings: PaymentSettings, afterSeconds: number): Promise<void> {
  const { rows } = await sql<{ id: string }>`select id from payments where provider = 'STRIPE' and status = 'PENDING' and external_id is null
    and created_at < now() - make_interval(secs => ${afterSeconds}) order by id limit 100`.execute(em.getKysely())
  for (const { id } of rows) await submitPaymentIntent(settings, id)
}

/**
 * Once an order is paid (or a new attempt replaces the others), its other intents that could still be paid
 * are cancelled at Stripe, so a storefront still showing one cannot charge the customer twice. Best effort:
 * a payment that succeeds anyway is refunded as an overpayment.
 */
export async function cancelOtherIntents (settings: PaymentSettings, orderId: string, keptPaymentId: string): Promise<void> {
  const others = await settings.fork().find(Payment, { order: orderId, id: { $ne: keptPaymentId }, status: { $in: [...OPEN_INTENTS] }, externalId: { $ne: null } })
  for (const payment of others) {
    try {
      await cancelIntent(settings, payment.id)
    } catch (error) {
      settings.log.warn({ err: error, payment: payment.id }, 'an intent that could still be paid was not cancelled at Stripe')
    }
  }
}
