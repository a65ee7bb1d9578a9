import { defineEntity, p } from '@mikro-orm/core'
import { entityProperties } from '../../plugins/db/entity-properties.js'
import { BrandSchema } from './brand.entity.js'
import { CategorySchema } from './category.entity.js'

export const PRODUCT_STATUSES = ['DRAFT', 'ACTIVE', 'ARCHIVED'] as const
export type ProductStatus = typeof PRODUCT_STATUSES[number]

export interface ProductOption {
  name: string
  values: string[]
}

export interface ProductAttribute {
  name: string
  value: string
}

/**
 * A product and, kept on it for listing and search without joins: its price range (from its variants),
 * tag ids, rating (from published reviews), units sold, and the weighted full-text search document.
 * Partial indexes over `ACTIVE` products, one per sort, are in the catalog migration.
 */
export const ProductSchema = defineEntity({
  name: 'Product',
  tableName: 'products',
  properties: {
    ...entityProperties,
    slug: p.string().length(120).unique(),
    name: p.string().length(200),
    description: p.text().nullable(),
    status: p.enum(PRODUCT_STATUSES).default('DRAFT'),
    category: () => p.manyToOne(CategorySchema).nullable().index().deleteRule('restrict'),
    brand: () => p.manyToOne(BrandSchema).nullable().index().deleteRule('restrict'),
    options: p.json<ProductOption[]>().defaultRaw("'[]'"),
    attributes: p.json<ProductAttribute[]>().defaultRaw("'[]'"),
    tagIds: p.array().columnType('uuid[]').defaultRaw("'{}'"),
    priceMin: p.integer().default(0),
    priceMax: p.integer().default(0),
    ratingAverage: p.decimal('number').precision(3).scale(2).default(0),
    ratingCount: p.integer().default(0),
    unitsSold: p.integer().default(0),
    searchDocument: p.string().columnType('tsvector').nullable().lazy(),
    version: p.integer().version()
  }
})

export class Product extends ProductSchema.class {}

ProductSchema.setClass(Product)
