import { defineEntity, p } from '@mikro-orm/core'
import { entityProperties } from '../../plugins/db/entity-properties.js'
import { ProductSchema } from './product.entity.js'

export const IMAGE_CONTENT_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/avif'] as const
export type ImageContentType = typeof IMAGE_CONTENT_TYPES[number]

/** An image of a product's gallery; its file lives in object storage under `key`. */
export const ProductImageSchema = defineEntity({
  name: 'ProductImage',
  tableName: 'product_images',
  indexes: [
    { name: 'product_images_one_primary', expression: 'create unique index "product_images_one_primary" on "product_images" ("product_id") where "is_primary"' }
  ],
  properties: {
    id: entityProperties.id,
    createdAt: entityProperties.createdAt,
    product: () => p.manyToOne(ProductSchema).index().deleteRule('cascade'),
    key: p.string().length(100).unique(),
    contentType: p.enum(IMAGE_CONTENT_TYPES),
    bytes: p.integer(),
    width: p.integer(),
    height: p.integer(),
    alt: p.string().length(300).nullable(),
    position: p.integer().default(0),
    isPrimary: p.boolean().default(false)
  }
})

export class ProductImage extends ProductImageSchema.class {}

ProductImageSchema.setClass(ProductImage)
