import { defineEntity, p } from '@mikro-orm/core'
import { entityProperties } from '../../plugins/db/entity-properties.js'

export const SHIPPING_PRICINGS = ['FLAT', 'CARRIER_CALCULATED'] as const
export type ShippingPricing = typeof SHIPPING_PRICINGS[number]

/**
 * A way of delivering: a price, free for carts whose subtotal reaches `freeAbove`, for the countries it
 * serves, with an estimate of the delivery time in days. A `CARRIER_CALCULATED` method asks its carrier for the
 * price of each cart's parcel and falls back on `price` when the carrier does not answer in time.
 */
export const ShippingMethodSchema = defineEntity({
  name: 'ShippingMethod',
  tableName: 'shipping_methods',
  indexes: [{ name: 'shipping_methods_countries', expression: 'create index "shipping_methods_countries" on "shipping_methods" using gin ("countries") where "active"' }],
  properties: {
    ...entityProperties,
    name: p.string().length(200),
    price: p.integer(),
    pricing: p.enum(SHIPPING_PRICINGS).default('FLAT'),
    carrier: p.string().length(32).nullable(),
    freeAbove: p.integer().nullable(),
    countries: p.array().columnType('text[]'),
    minDays: p.integer(),
    maxDays: p.integer(),
    active: p.boolean().default(true),
    version: p.integer().version()
  }
})

export class ShippingMethod extends ShippingMethodSchema.class {}

ShippingMethodSchema.setClass(ShippingMethod)
