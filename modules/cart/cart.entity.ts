import { defineEntity, p } from '@mikro-orm/core'
import { entityProperties } from '../../plugins/db/entity-properties.js'
import { UserSchema } from '../auth/user.entity.js'
import { VariantSchema } from '../catalog/variant.entity.js'
import { DiscountSchema } from '../discounts/discount.entity.js'

/**
 * A cart: a signed-in customer's one cart, or a guest's, named by the SHA-256 of its token (the token
 * itself is only ever shown to the guest). `updatedAt` moves with every change: carts idle for
 * `CART_TTL_DAYS` are swept.
 */
export const CartSchema = defineEntity({
  name: 'Cart',
  tableName: 'carts',
  indexes: [{ name: 'carts_idle', properties: ['updatedAt'] }],
  properties: {
    ...entityProperties,
    customer: () => p.manyToOne(UserSchema).nullable().unique().deleteRule('cascade'),
    tokenHash: p.string().length(64).nullable().unique(),
    /** The discount code the customer applied, shown with what it takes off (or why it does not apply). */
    discount: () => p.manyToOne(DiscountSchema).nullable().index().deleteRule('set null')
  }
})

export class Cart extends CartSchema.class {}

CartSchema.setClass(Cart)

/** A variant in a cart, once: adding it again adds to the line. `addedUnitPrice` flags later price changes. */
export const CartLineSchema = defineEntity({
  name: 'CartLine',
  tableName: 'cart_lines',
  uniques: [{ name: 'cart_lines_cart_variant_unique', properties: ['cart', 'variant'] }],
  properties: {
    ...entityProperties,
    cart: () => p.manyToOne(CartSchema).deleteRule('cascade'),
    variant: () => p.manyToOne(VariantSchema).deleteRule('cascade').index(),
    quantity: p.integer().check('quantity > 0'),
    addedUnitPrice: p.integer()
  }
})

export class CartLine extends CartLineSchema.class {}

CartLineSchema.setClass(CartLine)
