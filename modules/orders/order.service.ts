import type { EntityManager } from '@mikro-orm/postgresql'
import { sql } from 'kysely'
import type { Account } from '../../plugins/auth.js'
import { invalidField } from '../../plugins/problem.js'
import { textOrNull } from '../../plugins/validation.js'
import { amountIn, money } from '../../plugins/money.js'
import { assertIfMatch, type Versioned } from '../../plugins/resource-headers.js'
import { lockRowsForChange } from '../../plugins/db/row-locks.js'
import type { Money } from '../../openapi/shared.schemas.js'
import { actorOf, SYSTEM_ACTOR, type Actor, type ActorRole } from '../auth/user.entity.js'
import { releaseRedemption } from '../discounts/redemption.service.js'
import { returnStock } from '../inventory/inventory.service.js'
import { Payment as PaymentEntity, Refund as RefundEntity } from './payment.entity.js'
import { Shipment as ShipmentEntity, ShipmentEvent as ShipmentEventEntity } from './shipment.entity.js'
import { toPayment, toRefund, toShipment } from './order-parts.js'
import {
  Order as OrderEntity, OrderItem as OrderItemEntity, OrderStatusChange as OrderStatusChangeEntity, ReturnRequest as ReturnRequestEntity,
  type OrderStatus, type PaymentStatus
} from './order.entity.js'
import { mayTransition, transitionsFrom } from './order-transitions.js'
import { announceOrderChange, customerOf, type OrderNotifier } from './order-notifications.service.js'
import { ORDER_CANCELLED_TOPIC, RETURN_ACCEPTED_TOPIC, type ReturnAccepted } from './order-topics.js'
import { orderHasShipments, orderNotFound, returnQuantityExceeded, returnWindowClosed, transitionNotAllowed } from './orders.errors.js'
import type { AdminOrder, CreateReturnRequest, Order, UpdateOrderRequest } from './order.schemas.js'

export interface OrderSettings {
  currency: string
  /** RETURN_WINDOW_DAYS */
  returnWindowDays: number
  notifier: OrderNotifier
}

export function recordStatusChange (tx: EntityManager, order: OrderEntity, from: OrderStatus | null, to: OrderStatus, actor: Actor, note: string | null = null): OrderStatusChangeEntity {
  return tx.create(OrderStatusChangeEntity, { order, fromStatus: from, toStatus: to, actorRole: actor.role, actor: actor.id, note })
}

export interface OrderParts {
  order: OrderEntity
  items: OrderItemEntity[]
  changes: OrderStatusChangeEntity[]
  returns: ReturnRequestEntity[]
  payments: PaymentEntity[]
  refunds: RefundEntity[]
  shipments: ShipmentEntity[]
  shipmentEvents: ShipmentEventEntity[]
}

/** Who an order's view is for: only its customer sees a pending payment's client secret. */
export type OrderViewer = 'CUSTOMER' | 'STAFF'

export function toOrder (settings: OrderSettings, { order, items, changes, returns, payments, refunds, shipments, shipmentEvents }: OrderParts, viewer: OrderViewer = 'STAFF'): Order {
  const amount = (value: number) => money(order.currency, value)
  return {
    id: order.id,
    number: order.number,
    status: order.status,
    paymentStatus: order.paymentStatus,
    paymentMethod: order.paymentMethod,
    items: [...items].sort((a, b) => a.position - b.position).map((item) => ({
      id: item.id,
      productId: item.product.id,
      variantId: item.variant.id,
      productName: item.productName,
      variantTitle: item.variantTitle,
      sku: item.sku,
      unitPrice: amount(item.unitPrice),
      quantity: item.quantity,
      lineTotal: amount(item.lineTotal),
      discount: amount(item.discount),
      returnedQuantity: item.returnedQuantity
    })),
    subtotal: amount(order.subtotal),
    discountTotal: amount(order.discountTotal),
    shippingTotal: amount(order.shippingTotal),
    total: amount(order.total),
    discountCode: order.discountCode ?? null,
    shippingAddress: order.shippingAddress,
    shippingMethod: { id: order.shippingMethod?.id ?? null, name: order.shippingMethodName, price: amount(order.shippingTotal) },
    note: order.note ?? null,
    statusHistory: [...changes].sort((a, b) => a.id.localeCompare(b.id)).map((change) => ({
      from: change.fromStatus ?? null,
      to: change.toStatus,
      at: change.createdAt.toISOString(),
      by: { role: change.actorRole, id: change.actor?.id ?? null },
      note: change.note ?? null
    })),
    returnRequests: [...returns].sort((a, b) => a.id.localeCompare(b.id)).map((request) => ({
      id: request.id,
      status: request.status,
      reason: request.reason,
      items: request.items,
      createdAt: request.createdAt.toISOString(),
      decidedAt: request.decidedAt?.toISOString() ?? null,
      decisionNote: request.decisionNote ?? null
    })),
    payments: [...payments].sort((a, b) => b.id.localeCompare(a.id)).map((payment) => toPayment(payment, viewer, order.status === 'PENDING' && order.paymentStatus === 'UNPAID')),
    refunds: [...refunds].sort((a, b) => a.id.localeCompare(b.id)).map((refund) => toRefund(refund, viewer)),
    shipments: [...shipments].sort((a, b) => a.id.localeCompare(b.id)).map((shipment) => toShipment(shipment, shipmentEvents)),
    placedAt: order.placedAt.toISOString(),
    updatedAt: order.updatedAt.toISOString()
  }
}

async function partsOf (em: EntityManager, order: OrderEntity): Promise<OrderParts> {
  const [items, changes, returns, payments, refunds, shipments, shipmentEvents] = await Promise.all([
    em.find(OrderItemEntity, { order: order.id }),
    em.find(OrderStatusChangeEntity, { order: order.id }),
    em.find(ReturnRequestEntity, { order: order.id }),
    em.find(PaymentEntity, { order: order.id }),
    em.find(RefundEntity, { order: order.id }),
    em.find(ShipmentEntity, { order: order.id }),
    em.find(ShipmentEventEntity, { shipment: { order: order.id } })
  ])
  return { order, items, changes, returns, payments, refunds, shipments, shipmentEvents }
}

/** The order and everything it shows, as it is in `em` (inside a transaction: as this transaction left it). */
export async function orderView (em: EntityManager, settings: OrderSettings, order: OrderEntity, viewer: OrderViewer = 'STAFF'): Promise<Order> {
  return toOrder(settings, await partsOf(em, order), viewer)
}

/** The order itself, for the modules that show its parts; not found is the orders' own 404. */
export async function findOrder (em: EntityManager, id: string): Promise<OrderEntity> {
  const order = await em.findOne(OrderEntity, { id })
  if (order === null) throw orderNotFound()
  return order
}

/** A customer's own order; another customer's is simply not found. */
export async function getOwnOrder (em: EntityManager, settings: OrderSettings, account: Account, id: string): Promise<Order> {
  const order = await em.findOne(OrderEntity, { id, customer: account.id })
  if (order === null) throw orderNotFound()
  return await orderView(em, settings, order, 'CUSTOMER')
}

async function adminView (em: EntityManager, settings: OrderSettings, order: OrderEntity): Promise<Versioned<AdminOrder>> {
  const { rows: [customer] } = await sql<{ id: string, email: string, name: string }>`select id, email, name from users where id = ${order.customer.id}`.execute(em.getKysely())
  return {
    resource: {
      order: await orderView(em, settings, order),
      customer: customer ?? { id: order.customer.id, email: '', name: '' },
      allowedTransitions: transitionsFrom(order.status, order.paymentMethod)
    },
    version: order.version
  }
}

export async function getOrderForStaff (em: EntityManager, settings: OrderSettings, id: string): Promise<Versioned<AdminOrder>> {
  const order = await em.findOne(OrderEntity, { id })
  if (order === null) throw orderNotFound()
  return await adminView(em, settings, order)
}

/**
 * Reads the order under its row lock: every change of one order (its transitions, payments, refunds and
 * parcels) is serialised, so of two racing, one wins and the other sees what it did.
 */
export async function lockOrder (tx: EntityManager, id: string, customerId?: string): Promise<OrderEntity> {
  const [locked] = await lockRowsForChange(tx, 'orders', [id])
  const order = locked === undefined ? null : await tx.findOne(OrderEntity, { id, ...(customerId === undefined ? {} : { customer: customerId }) }, { refresh: true })
  if (order === null) throw orderNotFound()
  return order
}

function assertTransition (order: OrderEntity, to: OrderStatus, role: ActorRole): void {
  if (!mayTransition(order.status, to, order.paymentMethod, role)) throw transitionNotAllowed(order.status, to, transitionsFrom(order.status, order.paymentMethod))
}

/** What the value of `quantity` more returned units of `item` is, such that returning all of it refunds exactly its net total. */
function returnedValue (item: OrderItemEntity, quantity: number): number {
  const net = item.lineTotal - item.discount
  const share = (units: number) => Math.floor(net * units / item.quantity)
  return share(item.returnedQuantity + quantity) - share(item.returnedQuantity)
}

/** The items' units still out with the customer: what a cancellation puts back on the shelf. */
function unitsToRestock (items: OrderItemEntity[], quantities: Map<string, number>) {
  return items.map((item) => ({ variantId: item.variant.id, productId: item.product.id, quantity: quantities.get(item.id) ?? 0 }))
}

/**
 * Moves a locked order to `to` and does what that move means: a cancellation gives back its discount code's
 * use, restocks every unit and asks
 * for a card order's payment to be settled (its intent cancelled, or what was paid refunded); an accepted
 * return restocks the returned units and asks for their value (and `refundShipping`) to be refunded; a
 * decision closes the open return request. The caller has checked the move is allowed.
 */
async function applyTransition (tx: EntityManager, settings: OrderSettings, order: OrderEntity, to: OrderStatus, actor: Actor, note: string | null, refundShipping = 0): Promise<void> {
  const from = order.status
  const reason = `Order ${order.number}`
  if (to === 'CANCELLED') {
    if (await tx.count(ShipmentEntity, { order: order.id }) > 0) throw orderHasShipments()
    const items = await tx.find(OrderItemEntity, { order: order.id })
    await returnStock(tx, unitsToRestock(items, new Map(items.map((item) => [item.id, item.quantity - item.returnedQuantity]))), 'CANCELLATION', { id: order.id, actor, reason: `${reason} cancelled` })
    // After the stock, as checkout takes them: the variants' rows, then the discount code's.
    await releaseRedemption(tx, order.id)
    if (order.paymentMethod === 'CARD') await settings.notifier.outbox.send(tx, ORDER_CANCELLED_TOPIC, { orderId: order.id })
  }
  if (to === 'DELIVERED' && from === 'SHIPPED') order.deliveredAt = new Date()
  if (from === 'RETURN_REQUESTED') {
    const open = await tx.findOne(ReturnRequestEntity, { order: order.id, status: 'REQUESTED' })
    if (open !== null) {
      Object.assign(open, { status: to === 'RETURNED' ? 'ACCEPTED' : 'REJECTED', decidedAt: new Date(), decisionNote: note, decidedBy: actor.id })
      if (to === 'RETURNED') {
        const items = await tx.find(OrderItemEntity, { order: order.id })
        const returned = new Map(open.items.map((item) => [item.orderItemId, item.quantity]))
        const itemsValue = items.reduce((sum, item) => sum + returnedValue(item, returned.get(item.id) ?? 0), 0)
        for (const item of items) item.returnedQuantity += returned.get(item.id) ?? 0
        await returnStock(tx, unitsToRestock(items, returned), 'RETURN', { id: order.id, actor, reason: `${reason} returned` })
        const accepted: ReturnAccepted = { orderId: order.id, returnRequestId: open.id, amount: itemsValue + refundShipping }
        if (accepted.amount > 0) await settings.notifier.outbox.send(tx, RETURN_ACCEPTED_TOPIC, accepted)
      }
    }
  }
  order.status = to
  recordStatusChange(tx, order, from, to, actor, note)
}

/** An order's status and payment status before a change, which its announcement compares with. */
export interface OrderBefore {
  from: OrderStatus
  paymentBefore: PaymentStatus
}

export function beforeChange (order: OrderEntity): OrderBefore {
  return { from: order.status, paymentBefore: order.paymentStatus }
}

/**
 * Writes a change of a locked order and announces it in the same transaction (live events, webhooks, the
 * customer's email, each for what changed since `before`): its view, as the change left it, for `viewer`.
 */
export async function announceOrderUpdate (tx: EntityManager, settings: OrderSettings, order: OrderEntity, before: OrderBefore, note: string | null, byCustomer = false, refunded?: Money): Promise<Order> {
  await tx.flush()
  const parts = await partsOf(tx, order)
  await announceOrderChange(tx, settings.notifier, toOrder(settings, parts), await customerOf(tx, order.customer.id), { kind: 'status', ...before, note, byCustomer, ...(refunded === undefined ? {} : { refunded }) })
  return toOrder(settings, parts, byCustomer ? 'CUSTOMER' : 'STAFF')
}

/**
 * The shop's own move of a locked order (a payment confirming it, a timeout cancelling it, its parcels
 * shipping it), recorded as made by `actor`: the staff member whose parcel shipped it, or the shop itself.
 */
export async function moveOrderAsShop (tx: EntityManager, settings: OrderSettings, order: OrderEntity, to: OrderStatus, note: string | null, actor: Actor = SYSTEM_ACTOR): Promise<void> {
  assertTransition(order, to, 'SYSTEM')
  await applyTransition(tx, settings, order, to, actor, note)
}

/** Whether the shop may move the order to `to` now. */
export function shopMayMove (order: OrderEntity, to: OrderStatus): boolean {
  return mayTransition(order.status, to, order.paymentMethod, 'SYSTEM')
}

/** The shipping share of an accepted return's refund: only with `RETURNED`, at most what shipping cost. */
function refundShippingOf (order: OrderEntity, input: UpdateOrderRequest): number {
  if (input.refundShipping === undefined) return 0
  if (input.status !== 'RETURNED') throw invalidField('/body/refundShipping', 'is only for accepting a return (status RETURNED)')
  const amount = amountIn(order.currency, input.refundShipping, '/body/refundShipping')
  if (amount > order.shippingTotal) throw invalidField('/body/refundShipping/amount', `must not be above the ${order.shippingTotal} paid for shipping`)
  return amount
}

/** Staff: one transition along the status machine; with `If-Match`, only from the version the caller saw. */
export async function changeOrderStatus (em: EntityManager, settings: OrderSettings, account: Account, id: string, input: UpdateOrderRequest, ifMatch?: string): Promise<Versioned<AdminOrder>> {
  return await em.transactional(async (tx) => {
    const order = await lockOrder(tx, id)
    assertIfMatch(ifMatch, order.version)
    assertTransition(order, input.status, account.role)
    const before = beforeChange(order)
    const note = textOrNull(input.note)
    await applyTransition(tx, settings, order, input.status, actorOf(account), note, refundShippingOf(order, input))
    await tx.flush()
    const view = await adminView(tx, settings, order)
    await announceOrderChange(tx, settings.notifier, view.resource.order, view.resource.customer, { kind: 'status', ...before, note, byCustomer: false })
    return view
  })
}

/** Customers: cancel an order that has not shipped; its stock returns. */
export async function cancelOwnOrder (em: EntityManager, settings: OrderSettings, account: Account, id: string, reason?: string): Promise<Order> {
  return await em.transactional(async (tx) => {
    const order = await lockOrder(tx, id, account.id)
    assertTransition(order, 'CANCELLED', 'CUSTOMER')
    const before = beforeChange(order)
    const note = textOrNull(reason)
    await applyTransition(tx, settings, order, 'CANCELLED', actorOf(account), note)
    return await announceOrderUpdate(tx, settings, order, before, note, true)
  })
}

/** Customers: within the return window of delivery, ask to return items (at most what was bought and not yet returned). */
export async function requestReturn (em: EntityManager, settings: OrderSettings, account: Account, id: string, input: CreateReturnRequest): Promise<Order> {
  const seen = new Set<string>()
  input.items.forEach((item, index) => {
    if (seen.has(item.orderItemId)) throw invalidField(`/body/items/${index}/orderItemId`, 'names an item already in the list')
    seen.add(item.orderItemId)
  })
  return await em.transactional(async (tx) => {
    const order = await lockOrder(tx, id, account.id)
    assertTransition(order, 'RETURN_REQUESTED', 'CUSTOMER')
    const deadline = (order.deliveredAt ?? order.updatedAt).getTime() + settings.returnWindowDays * 86_400_000
    if (Date.now() > deadline) throw returnWindowClosed(settings.returnWindowDays)
    const items = new Map((await tx.find(OrderItemEntity, { order: order.id })).map((item) => [item.id, item]))
    input.items.forEach((wanted, index) => {
      const item = items.get(wanted.orderItemId)
      if (item === undefined) throw invalidField(`/body/items/${index}/orderItemId`, 'is not an item of this order')
      if (wanted.quantity > item.quantity - item.returnedQuantity) throw returnQuantityExceeded(item.id, item.quantity - item.returnedQuantity)
    })
    tx.create(ReturnRequestEntity, { order, reason: input.reason.trim(), items: input.items.map(({ orderItemId, quantity }) => ({ orderItemId, quantity })) })
    const before = beforeChange(order)
    await applyTransition(tx, settings, order, 'RETURN_REQUESTED', actorOf(account), null)
    return await announceOrderUpdate(tx, settings, order, before, null, true)
  })
}
