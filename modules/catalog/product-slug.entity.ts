import { defineEntity, p } from '@mikro-orm/core'
import { entityProperties } from '../../plugins/db/entity-properties.js'
import { ProductSchema } from './product.entity.js'

/** Every slug a product has had, its current one included: old links keep resolving to the product. */
export const ProductSlugSchema = defineEntity({
  name: 'ProductSlug',
  tableName: 'product_slugs',
  properties: {
    slug: p.string().length(120).primary(),
    product: () => p.manyToOne(ProductSchema).index().deleteRule('cascade'),
    createdAt: entityProperties.createdAt
  }
})

export class ProductSlug extends ProductSlugSchema.class {}

ProductSlugSchema.setClass(ProductSlug)
