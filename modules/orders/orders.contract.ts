/** The order's representation, which checkout and the payments and shipments modules answer with, the settings its use cases take, and what it tells them. */
export { OrderSchema, PaymentMethodSchema, type Order } from './order.schemas.js'
export { orderSettingsOf } from './orders.context.js'
export { ORDER_CANCELLED_TOPIC, RETURN_ACCEPTED_TOPIC, type OrderCancelled, type ReturnAccepted } from './order-topics.js'
export { orderItemName } from './order-items.js'
export { toPayment, toRefund, toShipment } from './order-parts.js'
export { PaymentSchema, RefundSchema, ShipmentSchema, ShippedItemSchema, TrackingStatusSchema, type PaymentView, type RefundView, type ShipmentView } from './order-parts.schemas.js'
