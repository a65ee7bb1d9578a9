import type { MailMessage } from '../../plugins/mail.js'
import { composeEmail, type EmailBlock } from '../../plugins/mail-layout.js'
import { formatMoney } from '../../plugins/money.js'
import type { Money } from '../../openapi/shared.schemas.js'
import type { Order } from './order.schemas.js'
import { orderItemName } from './order-items.js'

/** Every email about an order, in one place: what the customer hears at each step. */

export interface OrderEmailSettings {
  /** SHOP_NAME */
  shopName: string
  /** STOREFRONT_URL: the customer's order page is `<STOREFRONT_URL>/orders/<order id>`. */
  storefrontUrl: string
}

export interface Recipient {
  email: string
  name: string
}

function items (order: Order): EmailBlock {
  return {
    table: order.items.map((item) => [
      `${item.quantity} × ${orderItemName(item)}`,
      formatMoney(item.lineTotal)
    ])
  }
}

function totals (order: Order): EmailBlock {
  return {
    table: [
      ['Subtotal', formatMoney(order.subtotal)],
      ...(order.discountTotal.amount > 0 ? [[`Discount${order.discountCode === null ? '' : ` (${order.discountCode})`}`, `−${formatMoney(order.discountTotal)}`]] : []),
      [`Shipping (${order.shippingMethod.name})`, formatMoney(order.shippingTotal)],
      ['Total', formatMoney(order.total)]
    ]
  }
}

function address (order: Order): EmailBlock {
  const { fullName, company, line1, line2, city, region, postalCode, country } = order.shippingAddress
  return { lines: [fullName, company, line1, line2, [postalCode, city].join(' '), region, country].filter((line): line is string => line !== null && line !== '') }
}

function orderEmail (settings: OrderEmailSettings, to: Recipient, order: Order, subject: string, blocks: EmailBlock[]): MailMessage {
  return composeEmail({
    to: to.email,
    subject: `${subject} (order ${order.number})`,
    shopName: settings.shopName,
    blocks: [
      { paragraph: `Hello ${to.name},` },
      ...blocks,
      { link: { label: 'Your order', url: `${settings.storefrontUrl}/orders/${order.id}` } }
    ]
  })
}

const shopNote = (note: string | null): EmailBlock[] => note === null ? [] : [{ paragraph: `Note from the shop: ${note}` }]

export function orderPlacedEmail (settings: OrderEmailSettings, to: Recipient, order: Order): MailMessage {
  return orderEmail(settings, to, order, 'Thank you for your order', [
    { paragraph: `We have received your order ${order.number}. ${order.paymentMethod === 'COD' ? `You pay ${formatMoney(order.total)} in cash on delivery.` : 'We will let you know as soon as your payment is confirmed.'}` },
    items(order),
    totals(order),
    { paragraph: 'It will be shipped to:' },
    address(order)
  ])
}

export function orderConfirmedEmail (settings: OrderEmailSettings, to: Recipient, order: Order, note: string | null): MailMessage {
  return orderEmail(settings, to, order, 'Your order is confirmed', [
    { paragraph: `Your order ${order.number} is confirmed, and we are preparing it for shipping.` },
    ...shopNote(note)
  ])
}

/** Every parcel of the order, each with its carrier (the service staff named, or the carrier) and tracking. */
export function orderShippedEmail (settings: OrderEmailSettings, to: Recipient, order: Order, note: string | null): MailMessage {
  return orderEmail(settings, to, order, 'Your order is on its way', [
    { paragraph: `Your order ${order.number} has shipped to ${order.shippingAddress.city}.` },
    ...order.shipments.flatMap((shipment): EmailBlock[] => {
      const carrier = shipment.service ?? shipment.carrier
      return [
        { paragraph: `Carrier: ${carrier}${shipment.trackingNumber === null ? '' : `, tracking number ${shipment.trackingNumber}`}` },
        ...(shipment.trackingUrl === null ? [] : [{ link: { label: `Track it with ${carrier}`, url: shipment.trackingUrl } }])
      ]
    }),
    ...shopNote(note)
  ])
}

export function orderDeliveredEmail (settings: OrderEmailSettings, to: Recipient, order: Order, returnWindowDays: number): MailMessage {
  return orderEmail(settings, to, order, 'Your order was delivered', [
    { paragraph: `Your order ${order.number} was delivered. We hope you enjoy it.` },
    ...(returnWindowDays > 0 ? [{ paragraph: `If something is not right, you can ask to return items within ${returnWindowDays} days.` }] : [])
  ])
}

export function orderCancelledEmail (settings: OrderEmailSettings, to: Recipient, order: Order, cancelled: { byCustomer: boolean, reason: string | null }): MailMessage {
  const refund = order.paymentStatus === 'UNPAID' ? [] : [{ paragraph: 'What you paid will be refunded; we will email you when the refund is issued.' }]
  return orderEmail(settings, to, order, 'Your order was cancelled', [
    { paragraph: cancelled.byCustomer ? `Your order ${order.number} is cancelled, as you asked.` : `We are sorry: we had to cancel your order ${order.number}.` },
    ...(cancelled.reason === null ? [] : [{ paragraph: `Reason: ${cancelled.reason}` }]),
    ...refund
  ])
}

export function returnAcceptedEmail (settings: OrderEmailSettings, to: Recipient, order: Order, note: string | null): MailMessage {
  return orderEmail(settings, to, order, 'Your return is accepted', [
    { paragraph: `We accepted your return for order ${order.number}.` },
    { table: order.items.filter((item) => item.returnedQuantity > 0).map((item) => [`${item.returnedQuantity} × ${item.productName}`, 'returned']) },
    ...shopNote(note)
  ])
}

export function returnRejectedEmail (settings: OrderEmailSettings, to: Recipient, order: Order, note: string | null): MailMessage {
  return orderEmail(settings, to, order, 'Your return request was declined', [
    { paragraph: `We could not accept your return request for order ${order.number}.` },
    ...shopNote(note)
  ])
}

export function refundIssuedEmail (settings: OrderEmailSettings, to: Recipient, order: Order, refunded: Money): MailMessage {
  return orderEmail(settings, to, order, 'Your refund is on its way', [
    { paragraph: `We refunded ${formatMoney(refunded)} for order ${order.number}. Depending on your bank, it can take a few days to appear.` }
  ])
}
