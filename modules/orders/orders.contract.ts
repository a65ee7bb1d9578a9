/** The order's representation, which checkout answers with, and the settings its use cases take. */
export { OrderSchema, PaymentMethodSchema, type Order } from './order.schemas.js'
export { orderSettingsOf } from './orders.context.js'
