import { defineEntity, p } from '@mikro-orm/core'
import { entityProperties } from '../../plugins/db/entity-properties.js'
import { UserSchema } from '../auth/user.entity.js'

export const DISCOUNT_KINDS = ['PERCENTAGE', 'FIXED_AMOUNT', 'FREE_SHIPPING'] as const
export type DiscountKind = typeof DISCOUNT_KINDS[number]

/**
 * A discount code staff run. `code` is kept as typed; `normalizedCode` (upper case) is what is unique and
 * looked up, so codes are case-insensitive. `usedCount` counts redemptions not given back: checkout takes
 * a use with one conditional UPDATE that refuses to pass `usageLimit`.
 */
export const DiscountSchema = defineEntity({
  name: 'Discount',
  tableName: 'discounts',
  properties: {
    ...entityProperties,
    code: p.string().length(64),
    normalizedCode: p.string().length(64).unique(),
    description: p.string().length(500).nullable(),
    kind: p.enum(DISCOUNT_KINDS),
    /** PERCENTAGE: whole percent, 1 to 100. */
    percentage: p.smallint().nullable(),
    /** FIXED_AMOUNT: minor units of the shop's currency. */
    amount: p.bigint('number').nullable(),
    minimumSubtotal: p.bigint('number').nullable(),
    startsAt: p.datetime().nullable(),
    endsAt: p.datetime().nullable(),
    categoryIds: p.array().columnType('uuid[]').defaultRaw("'{}'"),
    productIds: p.array().columnType('uuid[]').defaultRaw("'{}'"),
    usageLimit: p.integer().nullable(),
    perCustomerLimit: p.integer().nullable(),
    usedCount: p.integer().default(0).check('used_count >= 0'),
    active: p.boolean().default(true),
    version: p.integer().version()
  }
})

export class Discount extends DiscountSchema.class {}

DiscountSchema.setClass(Discount)

/**
 * A use of a discount by an order (written in checkout's transaction); a discount once used is never deleted. `releasedAt` is set when the order is
 * cancelled: the use counts no more, in the total or in the customer's limit.
 */
export const DiscountRedemptionSchema = defineEntity({
  name: 'DiscountRedemption',
  tableName: 'discount_redemptions',
  indexes: [{ name: 'discount_redemptions_customer', expression: 'create index "discount_redemptions_customer" on "discount_redemptions" ("discount_id", "customer_id") where "released_at" is null' }],
  properties: {
    id: entityProperties.id,
    createdAt: entityProperties.createdAt,
    discount: () => p.manyToOne(DiscountSchema).deleteRule('restrict').index(),
    customer: () => p.manyToOne(UserSchema).deleteRule('cascade'),
    /** The order it was redeemed with (orders are never deleted). */
    orderId: p.uuid().unique(),
    amount: p.bigint('number'),
    releasedAt: p.datetime().nullable()
  }
})

export class DiscountRedemption extends DiscountRedemptionSchema.class {}

DiscountRedemptionSchema.setClass(DiscountRedemption)
