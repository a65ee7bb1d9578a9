/** The order's representation, which checkout answers with. */
export { OrderSchema, PaymentMethodSchema, type Order } from './order.schemas.js'
