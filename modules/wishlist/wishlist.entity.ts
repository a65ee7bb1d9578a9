import { defineEntity, p } from '@mikro-orm/core'
import { entityProperties } from '../../plugins/db/entity-properties.js'
import { UserSchema } from '../auth/user.entity.js'
import { ProductSchema } from '../catalog/product.entity.js'

/** A product a customer saved, once: saving it again changes nothing. Listed newest first. */
export const WishlistItemSchema = defineEntity({
  name: 'WishlistItem',
  tableName: 'wishlist_items',
  uniques: [{ name: 'wishlist_items_customer_product_unique', properties: ['customer', 'product'] }],
  indexes: [{ name: 'wishlist_items_newest', expression: 'create index "wishlist_items_newest" on "wishlist_items" ("customer_id", "created_at" desc, "id" desc)' }],
  properties: {
    id: entityProperties.id,
    createdAt: entityProperties.createdAt,
    customer: () => p.manyToOne(UserSchema).deleteRule('cascade'),
    product: () => p.manyToOne(ProductSchema).deleteRule('cascade').index()
  }
})

export class WishlistItem extends WishlistItemSchema.class {}

WishlistItemSchema.setClass(WishlistItem)
