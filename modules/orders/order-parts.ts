import { money } from '../../plugins/money.js'
import type { CarrierId } from '../shipping/shipping.contract.js'
import type { Payment, Refund } from './payment.entity.js'
import type { Shipment, ShipmentEvent } from './shipment.entity.js'
import type { PaymentView, RefundView, ShipmentView } from './order-parts.schemas.js'

/**
 * A payment as its viewer sees it: the client secret only for the customer, only while the payment and its
 * order can still be paid; what staff must look at only for staff.
 */
export function toPayment (payment: Payment, viewer: 'CUSTOMER' | 'STAFF', orderPayable = true): PaymentView {
  const amount = (value: number) => money(payment.currency, value)
  return {
    id: payment.id,
    provider: payment.provider,
    externalId: payment.externalId ?? null,
    amount: amount(payment.amount),
    amountReceived: amount(payment.amountReceived),
    status: payment.status,
    clientSecret: viewer === 'CUSTOMER' && orderPayable && payment.status === 'PENDING' ? payment.clientSecret ?? null : null,
    failure: payment.failureCode == null ? null : { code: payment.failureCode, message: payment.failureMessage ?? '' },
    attention: viewer === 'STAFF' ? payment.attention ?? null : null,
    createdAt: payment.createdAt.toISOString(),
    updatedAt: payment.updatedAt.toISOString()
  }
}

/** A refund as its viewer sees it: staff's note only for staff. */
export function toRefund (refund: Refund, viewer: 'CUSTOMER' | 'STAFF' = 'STAFF'): RefundView {
  return {
    id: refund.id,
    paymentId: refund.payment.id,
    amount: money(refund.currency, refund.amount),
    status: refund.status,
    reason: refund.reason,
    note: viewer === 'STAFF' ? refund.note ?? null : null,
    failureReason: refund.failureReason ?? null,
    by: { role: refund.actorRole, id: refund.actor?.id ?? null },
    createdAt: refund.createdAt.toISOString(),
    updatedAt: refund.updatedAt.toISOString()
  }
}

export function toShipment (shipment: Shipment, events: ShipmentEvent[]): ShipmentView {
  return {
    id: shipment.id,
    orderId: shipment.order.id,
    carrier: shipment.carrier as CarrierId,
    service: shipment.service ?? null,
    trackingNumber: shipment.trackingNumber ?? null,
    trackingUrl: shipment.trackingUrl ?? null,
    status: shipment.status,
    items: shipment.items.map(({ orderItemId, quantity }) => ({ orderItemId, quantity })),
    events: events
      .filter((event) => event.shipment.id === shipment.id)
      .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.id.localeCompare(b.id))
      .map((event) => ({ status: event.status, description: event.description, location: event.location ?? null, occurredAt: event.occurredAt.toISOString(), source: event.source })),
    deliveredAt: shipment.deliveredAt?.toISOString() ?? null,
    createdAt: shipment.createdAt.toISOString(),
    updatedAt: shipment.updatedAt.toISOString()
  }
}
