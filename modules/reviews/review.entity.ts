import { defineEntity, p } from '@mikro-orm/core'
import { entityProperties } from '../../plugins/db/entity-properties.js'
import { UserSchema } from '../auth/user.entity.js'
import { ProductSchema } from '../catalog/product.entity.js'
import { IMAGE_CONTENT_TYPES } from '../catalog/product-image.entity.js'

/** `PUBLISHED` reviews are public and count in the product's rating; the others are seen by their author and staff only. */
export const REVIEW_STATUSES = ['PENDING', 'PUBLISHED', 'HIDDEN', 'REJECTED'] as const
export type ReviewStatus = typeof REVIEW_STATUSES[number]

/**
 * A customer's review of a product, one per customer and product. `verifiedPurchase` says the author had a
 * delivered order containing the product when the review was written (or last edited).
 */
export const ReviewSchema = defineEntity({
  name: 'Review',
  tableName: 'reviews',
  uniques: [{ name: 'reviews_product_customer_unique', properties: ['product', 'customer'] }],
  indexes: [
    { name: 'reviews_published_newest', expression: 'create index "reviews_published_newest" on "reviews" ("product_id", "created_at" desc, "id" desc) where "status" = \'PUBLISHED\'' },
    { name: 'reviews_published_rating', expression: 'create index "reviews_published_rating" on "reviews" ("product_id", "rating", "created_at" desc, "id" desc) where "status" = \'PUBLISHED\'' },
    { name: 'reviews_moderation', properties: ['status', 'createdAt'] },
    { name: 'reviews_customer', properties: ['customer', 'createdAt'] }
  ],
  properties: {
    ...entityProperties,
    product: () => p.manyToOne(ProductSchema).deleteRule('cascade'),
    customer: () => p.manyToOne(UserSchema).deleteRule('cascade'),
    rating: p.smallint().check('rating between 1 and 5'),
    title: p.string().length(150),
    body: p.text(),
    status: p.enum(REVIEW_STATUSES),
    verifiedPurchase: p.boolean().default(false),
    moderationReason: p.string().length(500).nullable(),
    moderatedBy: () => p.manyToOne(UserSchema).nullable().deleteRule('set null'),
    moderatedAt: p.datetime().nullable(),
    version: p.integer().version()
  }
})

export class Review extends ReviewSchema.class {}

ReviewSchema.setClass(Review)

/** A photo of a review; its file lives in object storage under `key`. */
export const ReviewImageSchema = defineEntity({
  name: 'ReviewImage',
  tableName: 'review_images',
  properties: {
    id: entityProperties.id,
    createdAt: entityProperties.createdAt,
    review: () => p.manyToOne(ReviewSchema).index().deleteRule('cascade'),
    key: p.string().length(100).unique(),
    contentType: p.enum(IMAGE_CONTENT_TYPES),
    bytes: p.integer(),
    width: p.integer(),
    height: p.integer(),
    alt: p.string().length(300).nullable(),
    position: p.integer().default(0)
  }
})

export class ReviewImage extends ReviewImageSchema.class {}

ReviewImageSchema.setClass(ReviewImage)
