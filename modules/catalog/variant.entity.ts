import { defineEntity, p } from '@mikro-orm/core'
import { entityProperties } from '../../plugins/db/entity-properties.js'
import { ProductSchema } from './product.entity.js'

/**
 * What is actually sold: a SKU with its option values, price and stock. `stock` can never go negative (a
 * check constraint), and every change to it is guarded by `version`.
 */
export const VariantSchema = defineEntity({
  name: 'Variant',
  tableName: 'variants',
  indexes: [
    { name: 'variants_sku_unique', expression: 'create unique index "variants_sku_unique" on "variants" (lower("sku"))' },
    { name: 'variants_in_stock', expression: 'create index "variants_in_stock" on "variants" ("product_id") where "stock" > 0' },
    { name: 'variants_by_stock', properties: ['stock', 'id'] }
  ],
  uniques: [{ name: 'variants_product_options_unique', properties: ['product', 'optionKey'] }],
  properties: {
    ...entityProperties,
    product: () => p.manyToOne(ProductSchema).index().deleteRule('cascade'),
    sku: p.string().length(64),
    title: p.string().length(200),
    optionValues: p.json<Record<string, string>>().defaultRaw("'{}'"),
    /** The option values in a canonical form, so that a combination is unique per product. */
    optionKey: p.string().length(600),
    price: p.integer(),
    compareAtPrice: p.integer().nullable(),
    stock: p.integer().default(0).check('stock >= 0'),
    weightGrams: p.integer().nullable(),
    position: p.integer().default(0),
    version: p.integer().version()
  }
})

export class Variant extends VariantSchema.class {}

VariantSchema.setClass(Variant)
