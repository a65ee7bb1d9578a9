import { defineEntity, p } from '@mikro-orm/core'
import { entityProperties } from '../../plugins/db/entity-properties.js'

/** A free label. Compared by its lower-cased form; shown as first written. */
export const TagSchema = defineEntity({
  name: 'Tag',
  tableName: 'tags',
  properties: {
    id: entityProperties.id,
    createdAt: entityProperties.createdAt,
    name: p.string().length(50),
    normalized: p.string().length(50).unique()
  }
})

export class Tag extends TagSchema.class {}

TagSchema.setClass(Tag)
