import type { EntityManager } from '@mikro-orm/postgresql'
import { sql } from 'kysely'
import type { Outbox } from '../../plugins/outbox.js'
import type { Mailer } from '../../plugins/mail.js'
import type { LiveEvents } from '../../plugins/live-events.js'
import { queueWebhookEvent, type WebhookEventType } from '../webhooks/webhook.service.js'
import type { Money } from '../../openapi/shared.schemas.js'
import type { OrderStatus, PaymentStatus } from './order.entity.js'
import type { AdminOrderSummary, Order, OrderCustomer } from './order.schemas.js'
import {
  orderCancelledEmail, orderConfirmedEmail, orderDeliveredEmail, orderPlacedEmail, orderShippedEmail, refundIssuedEmail, returnAcceptedEmail, returnRejectedEmail,
  type OrderEmailSettings
} from './order.emails.js'

/** What an order change tells the outside world through, all inside the change's own transaction. */
export interface OrderNotifier {
  outbox: Outbox
  mailer: Mailer
  liveEvents: Pick<LiveEvents, 'publish'>
  emails: OrderEmailSettings
  returnWindowDays: number
}

export type OrderChange =
  | { kind: 'placed' }
  | { kind: 'status', from: OrderStatus, paymentBefore: PaymentStatus, note: string | null, byCustomer: boolean, refunded?: Money }

/** Live events carry the order's summary; a customer's stream sees it without the `customer` member. */
export interface OrderLiveEventData {
  order: AdminOrderSummary
  previousStatus: OrderStatus | null
  previousPaymentStatus: PaymentStatus | null
}

export async function customerOf (em: EntityManager, id: string): Promise<OrderCustomer> {
  const { rows: [customer] } = await sql<OrderCustomer>`select id, email, name from users where id = ${id}`.execute(em.getKysely())
  if (customer === undefined) throw new Error(`order customer ${id} not found`)
  return customer
}

function summaryOf (order: Order, customer: OrderCustomer): AdminOrderSummary {
  const { id, number, status, paymentStatus, paymentMethod, total, placedAt } = order
  return { id, number, status, paymentStatus, paymentMethod, total, itemCount: order.items.reduce((sum, item) => sum + item.quantity, 0), placedAt, customer }
}

/** The integration events an order change stands for (the webhook vocabulary is coarser than the status machine). */
function webhookEventsOf (order: Order, change: OrderChange): WebhookEventType[] {
  if (change.kind === 'placed') return ['order.placed']
  const events: WebhookEventType[] = []
  const moved = change.from !== order.status
  if (moved && order.status === 'SHIPPED') events.push('order.shipped')
  if (moved && order.status === 'DELIVERED' && change.from === 'SHIPPED') events.push('order.delivered')
  if (moved && order.status === 'CANCELLED') events.push('order.cancelled')
  if (order.paymentStatus !== change.paymentBefore && order.paymentStatus === 'PAID') events.push('order.paid')
  if (change.refunded !== undefined) events.push('order.refunded')
  return events
}

function emailOf (notifier: OrderNotifier, customer: OrderCustomer, order: Order, change: OrderChange) {
  const { emails } = notifier
  if (change.kind === 'placed') return orderPlacedEmail(emails, customer, order)
  if (change.from === order.status) return change.refunded === undefined ? undefined : refundIssuedEmail(emails, customer, order, change.refunded)
  switch (order.status) {
    case 'CONFIRMED': return orderConfirmedEmail(emails, customer, order, change.note)
    case 'SHIPPED': return orderShippedEmail(emails, customer, order, change.note)
    case 'DELIVERED':
      if (change.from === 'RETURN_REQUESTED') return returnRejectedEmail(emails, customer, order, change.note)
      return orderDeliveredEmail(emails, customer, order, notifier.returnWindowDays)
    case 'CANCELLED': return orderCancelledEmail(emails, customer, order, { byCustomer: change.byCustomer, reason: change.note })
    case 'RETURNED': return returnAcceptedEmail(emails, customer, order, change.note)
    default: return undefined
  }
}

/**
 * Announces an order change, in the transaction that made it: the live events for streams, the
 * integration events for webhooks, and the customer's email. A rolled-back change announces nothing.
 */
export async function announceOrderChange (tx: EntityManager, notifier: OrderNotifier, order: Order, customer: OrderCustomer, change: OrderChange): Promise<void> {
  const summary = summaryOf(order, customer)
  const live = (type: string, data: OrderLiveEventData) => notifier.liveEvents.publish(tx, { type, scope: customer.id, data })
  if (change.kind === 'placed') {
    await live('order.placed', { order: summary, previousStatus: null, previousPaymentStatus: null })
  } else {
    if (change.from !== order.status) await live('order.status_changed', { order: summary, previousStatus: change.from, previousPaymentStatus: null })
    if (change.paymentBefore !== order.paymentStatus) await live('order.payment_changed', { order: summary, previousStatus: null, previousPaymentStatus: change.paymentBefore })
  }
  for (const type of webhookEventsOf(order, change)) await queueWebhookEvent(tx, notifier.outbox, { type, data: { order, customer } })
  const email = emailOf(notifier, customer, order, change)
  if (email !== undefined) await notifier.mailer.send(tx, email)
}
