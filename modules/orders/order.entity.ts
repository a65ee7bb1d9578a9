import { defineEntity, p } from '@mikro-orm/core'
import { entityProperties } from '../../plugins/db/entity-properties.js'
import { actorProperties, UserSchema } from '../auth/user.entity.js'
import { ProductSchema } from '../catalog/product.entity.js'
import { VariantSchema } from '../catalog/variant.entity.js'
import { ShippingMethodSchema } from '../shipping/shipping-method.entity.js'

export const ORDER_STATUSES = ['PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'RETURN_REQUESTED', 'RETURNED'] as const
export type OrderStatus = typeof ORDER_STATUSES[number]
export const PAYMENT_STATUSES = ['UNPAID', 'PAID', 'PARTIALLY_REFUNDED', 'REFUNDED'] as const
export type PaymentStatus = typeof PAYMENT_STATUSES[number]
export const PAYMENT_METHODS = ['COD', 'CARD'] as const
export type PaymentMethod = typeof PAYMENT_METHODS[number]

/** The shipping address as it was when the order was placed. */
export interface OrderAddress {
  fullName: string
  company: string | null
  line1: string
  line2: string | null
  city: string
  region: string | null
  postalCode: string
  country: string
  phone: string | null
}

/**
 * An order: what was bought, at what prices, shipped where and how, as it was when it was placed. Every
 * change of `status` is guarded by `version` and recorded in the status history.
 */
export const OrderSchema = defineEntity({
  name: 'Order',
  tableName: 'orders',
  indexes: [
    { name: 'orders_customer_newest', properties: ['customer', 'id'] },
    { name: 'orders_status_newest', properties: ['status', 'id'] },
    { name: 'orders_placed_at', properties: ['placedAt'] },
    // The payment timeout's sweep: card orders still waiting for their money, oldest first.
    {
      name: 'orders_awaiting_card_payment',
      expression: 'create index "orders_awaiting_card_payment" on "orders" ("placed_at") where "status" = \'PENDING\' and "payment_status" = \'UNPAID\' and "payment_method" = \'CARD\''
    }
  ],
  properties: {
    ...entityProperties,
    /** From the `order_numbers` sequence: unique and increasing, for customers and support. */
    number: p.bigint('string').unique().defaultRaw("nextval('order_numbers')"),
    customer: () => p.manyToOne(UserSchema).deleteRule('restrict'),
    status: p.enum(ORDER_STATUSES),
    paymentStatus: p.enum(PAYMENT_STATUSES),
    paymentMethod: p.enum(PAYMENT_METHODS),
    currency: p.string().length(3),
    // Totals may pass the 32-bit range that unit prices stay in (100 lines of 1000 units).
    subtotal: p.bigint('number'),
    discountTotal: p.bigint('number').default(0),
    shippingTotal: p.bigint('number'),
    total: p.bigint('number').check('total >= 0'),
    discountCode: p.string().length(64).nullable(),
    shippingAddress: p.json<OrderAddress>(),
    shippingMethod: () => p.manyToOne(ShippingMethodSchema).nullable().deleteRule('set null'),
    shippingMethodName: p.string().length(200),
    note: p.string().length(500).nullable(),
    placedAt: p.datetime(),
    deliveredAt: p.datetime().nullable(),
    version: p.integer().version()
  }
})

export class Order extends OrderSchema.class {}

OrderSchema.setClass(Order)

/** A line of an order, with the names, SKU and price it had. Its product and variant cannot be deleted. */
export const OrderItemSchema = defineEntity({
  name: 'OrderItem',
  tableName: 'order_items',
  properties: {
    ...entityProperties,
    order: () => p.manyToOne(OrderSchema).deleteRule('cascade').index(),
    product: () => p.manyToOne(ProductSchema).deleteRule('restrict').index(),
    variant: () => p.manyToOne(VariantSchema).deleteRule('restrict').index(),
    productName: p.string().length(200),
    variantTitle: p.string().length(200),
    sku: p.string().length(64),
    unitPrice: p.integer(),
    quantity: p.integer().check('quantity > 0'),
    lineTotal: p.bigint('number'),
    discount: p.bigint('number').default(0),
    returnedQuantity: p.integer().default(0),
    position: p.integer()
  }
})

export class OrderItem extends OrderItemSchema.class {}

OrderItemSchema.setClass(OrderItem)

/** One change of an order's status: from, to, who, when, and why. */
export const OrderStatusChangeSchema = defineEntity({
  name: 'OrderStatusChange',
  tableName: 'order_status_changes',
  properties: {
    ...entityProperties,
    order: () => p.manyToOne(OrderSchema).deleteRule('cascade').index(),
    fromStatus: p.enum(ORDER_STATUSES).nullable(),
    toStatus: p.enum(ORDER_STATUSES),
    ...actorProperties,
    note: p.string().length(500).nullable()
  }
})

export class OrderStatusChange extends OrderStatusChangeSchema.class {}

OrderStatusChangeSchema.setClass(OrderStatusChange)

export const RETURN_STATUSES = ['REQUESTED', 'ACCEPTED', 'REJECTED'] as const
export type ReturnStatus = typeof RETURN_STATUSES[number]

export interface ReturnedItem {
  orderItemId: string
  quantity: number
}

/** A customer's request to return items of a delivered order, and the admin's decision. */
export const ReturnRequestSchema = defineEntity({
  name: 'ReturnRequest',
  tableName: 'return_requests',
  properties: {
    ...entityProperties,
    order: () => p.manyToOne(OrderSchema).deleteRule('cascade').index(),
    status: p.enum(RETURN_STATUSES).default('REQUESTED'),
    reason: p.string().length(1000),
    items: p.json<ReturnedItem[]>(),
    decidedAt: p.datetime().nullable(),
    decisionNote: p.string().length(500).nullable(),
    decidedBy: () => p.manyToOne(UserSchema).nullable().deleteRule('set null')
  }
})

export class ReturnRequest extends ReturnRequestSchema.class {}

ReturnRequestSchema.setClass(ReturnRequest)
