import { defineEntity, p } from '@mikro-orm/core'
import { entityProperties } from '../../plugins/db/entity-properties.js'

/** A node of the category tree: a root when it has no parent. */
export const CategorySchema = defineEntity({
  name: 'Category',
  tableName: 'categories',
  properties: {
    ...entityProperties,
    parent: () => p.manyToOne(CategorySchema).nullable().index().deleteRule('restrict'),
    name: p.string().length(200),
    slug: p.string().length(120).unique(),
    description: p.text().nullable(),
    position: p.integer().default(0)
  }
})

export class Category extends CategorySchema.class {}

CategorySchema.setClass(Category)
