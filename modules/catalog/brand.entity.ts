import { defineEntity, p } from '@mikro-orm/core'
import { entityProperties } from '../../plugins/db/entity-properties.js'

export const BrandSchema = defineEntity({
  name: 'Brand',
  tableName: 'brands',
  indexes: [{ name: 'brands_name_id', properties: ['name', 'id'] }],
  properties: {
    ...entityProperties,
    name: p.string().length(200),
    slug: p.string().length(120).unique(),
    description: p.text().nullable(),
    logoUrl: p.string().length(2000).nullable()
  }
})

export class Brand extends BrandSchema.class {}

BrandSchema.setClass(Brand)
