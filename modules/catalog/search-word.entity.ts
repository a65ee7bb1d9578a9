import { defineEntity, p } from '@mikro-orm/core'

/**
 * The catalog's vocabulary: every word of product, brand, tag and category names, lower-cased and without
 * accents. Search corrects a misspelt word to the closest of these (pg_trgm), so corrections always name
 * something the catalog has.
 */
export const SearchWordSchema = defineEntity({
  name: 'SearchWord',
  tableName: 'search_words',
  properties: {
    word: p.string().length(64).primary()
  }
})

export class SearchWord extends SearchWordSchema.class {}

SearchWordSchema.setClass(SearchWord)
