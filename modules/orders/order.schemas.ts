import { Type, type Static } from '@sinclair/typebox'
import { IdSchema, MoneySchema, Nullable, PageQuerySchema, PageSchema, StringEnum, TimestampSchema } from '../../openapi/shared.schemas.js'
import { ActorSchema } from '../auth/auth.contract.js'
import { ACTOR_ROLES } from '../auth/user.entity.js'
import { PriceInputSchema } from '../catalog/catalog.contract.js'
import { postalAddressFields } from '../customers/customers.contract.js'
import { PaymentSchema, RefundSchema } from './order-parts.schemas.js'
import { ShipmentSchema } from './order-parts.schemas.js'
import { ORDER_STATUSES, PAYMENT_METHODS, PAYMENT_STATUSES, RETURN_STATUSES } from './order.entity.js'

/** Mirrors of openapi/components/orders.yaml: orders, their history and returns. */

const NullableText = Nullable(Type.String())
export const OrderStatusSchema = StringEnum(ORDER_STATUSES)
export const PaymentStatusSchema = StringEnum(PAYMENT_STATUSES)
export const PaymentMethodSchema = StringEnum(PAYMENT_METHODS)

export const OrderItemSchema = Type.Object({
  id: IdSchema,
  productId: IdSchema,
  variantId: IdSchema,
  productName: Type.String(),
  variantTitle: Type.String(),
  sku: Type.String(),
  unitPrice: MoneySchema,
  quantity: Type.Integer({ minimum: 1 }),
  lineTotal: MoneySchema,
  discount: MoneySchema,
  returnedQuantity: Type.Integer({ minimum: 0 })
}, { additionalProperties: false })

export const OrderAddressSchema = Type.Object(postalAddressFields, { additionalProperties: false })

export const OrderStatusChangeSchema = Type.Object({
  from: Nullable(OrderStatusSchema),
  to: OrderStatusSchema,
  at: TimestampSchema,
  by: ActorSchema,
  note: NullableText
}, { additionalProperties: false })

export const ReturnItemSchema = Type.Object({
  orderItemId: IdSchema,
  quantity: Type.Integer({ minimum: 1, maximum: 1000 })
}, { additionalProperties: false })

export const ReturnRequestSchema = Type.Object({
  id: IdSchema,
  status: StringEnum(RETURN_STATUSES),
  reason: Type.String(),
  items: Type.Array(ReturnItemSchema),
  createdAt: TimestampSchema,
  decidedAt: Nullable(TimestampSchema),
  decisionNote: NullableText
}, { additionalProperties: false })

export const OrderSchema = Type.Object({
  id: IdSchema,
  number: Type.String({ pattern: '^[0-9]+$' }),
  status: OrderStatusSchema,
  paymentStatus: PaymentStatusSchema,
  paymentMethod: PaymentMethodSchema,
  items: Type.Array(OrderItemSchema),
  subtotal: MoneySchema,
  discountTotal: MoneySchema,
  shippingTotal: MoneySchema,
  total: MoneySchema,
  discountCode: NullableText,
  shippingAddress: OrderAddressSchema,
  shippingMethod: Type.Object({ id: Nullable(IdSchema), name: Type.String(), price: MoneySchema }, { additionalProperties: false }),
  note: NullableText,
  statusHistory: Type.Array(OrderStatusChangeSchema),
  returnRequests: Type.Array(ReturnRequestSchema),
  payments: Type.Array(PaymentSchema),
  refunds: Type.Array(RefundSchema),
  shipments: Type.Array(ShipmentSchema),
  placedAt: TimestampSchema,
  updatedAt: TimestampSchema
}, { additionalProperties: false })
export type Order = Static<typeof OrderSchema>

export const OrderCustomerSchema = Type.Object({ id: IdSchema, email: Type.String(), name: Type.String() }, { additionalProperties: false })
export type OrderCustomer = Static<typeof OrderCustomerSchema>

export const OrderTransitionSchema = Type.Object({
  to: OrderStatusSchema,
  roles: Type.Array(StringEnum(ACTOR_ROLES))
}, { additionalProperties: false })
export type OrderTransition = Static<typeof OrderTransitionSchema>

export const AdminOrderSchema = Type.Object({
  order: OrderSchema,
  customer: OrderCustomerSchema,
  allowedTransitions: Type.Array(OrderTransitionSchema)
}, { additionalProperties: false })
export type AdminOrder = Static<typeof AdminOrderSchema>

const summaryFields = {
  id: IdSchema,
  number: Type.String(),
  status: OrderStatusSchema,
  paymentStatus: PaymentStatusSchema,
  paymentMethod: PaymentMethodSchema,
  total: MoneySchema,
  itemCount: Type.Integer({ minimum: 1 }),
  placedAt: TimestampSchema
}

export const OrderSummarySchema = Type.Object(summaryFields, { additionalProperties: false })
export type OrderSummary = Static<typeof OrderSummarySchema>
export const OrderPageSchema = PageSchema(OrderSummarySchema)
export type OrderPage = Static<typeof OrderPageSchema>

export const AdminOrderSummarySchema = Type.Object({ ...summaryFields, customer: OrderCustomerSchema }, { additionalProperties: false })
export type AdminOrderSummary = Static<typeof AdminOrderSummarySchema>
export const AdminOrderPageSchema = PageSchema(AdminOrderSummarySchema)
export type AdminOrderPage = Static<typeof AdminOrderPageSchema>

export const AdminOrderQuerySchema = Type.Object({
  status: Type.Optional(OrderStatusSchema),
  paymentStatus: Type.Optional(PaymentStatusSchema),
  customerId: Type.Optional(IdSchema),
  number: Type.Optional(Type.String({ pattern: '^[0-9]{1,12}$' })),
  placedFrom: Type.Optional(TimestampSchema),
  placedTo: Type.Optional(TimestampSchema),
  ...PageQuerySchema.properties
}, { additionalProperties: false })
export type AdminOrderQuery = Static<typeof AdminOrderQuerySchema>

export const CancelOrderRequestSchema = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false })

export const CreateReturnRequestSchema = Type.Object({
  items: Type.Array(ReturnItemSchema, { minItems: 1, maxItems: 100 }),
  reason: Type.String({ minLength: 1, maxLength: 1000, pattern: '\\S' })
}, { additionalProperties: false })
export type CreateReturnRequest = Static<typeof CreateReturnRequestSchema>

export const UpdateOrderRequestSchema = Type.Object({
  status: OrderStatusSchema,
  note: Type.Optional(Type.String({ maxLength: 500 })),
  refundShipping: Type.Optional(PriceInputSchema)
}, { additionalProperties: false })
export type UpdateOrderRequest = Static<typeof UpdateOrderRequestSchema>

/** The last event id a client saw: ours are decimal sequence numbers. */
const EventIdSchema = Type.String({ pattern: '^[0-9]{1,18}$' })
export const EventStreamHeadersSchema = Type.Object({ 'last-event-id': Type.Optional(EventIdSchema) })
export const EventStreamQuerySchema = Type.Object({
  ticket: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  lastEventId: Type.Optional(EventIdSchema)
}, { additionalProperties: false })
export const EventStreamSchema = Type.String()
