import type { EntityManager } from '@mikro-orm/postgresql'
import { sql, type RawBuilder } from 'kysely'

/**
 * What the catalog keeps on each product for listing and search, derived from other rows: the price range
 * (from its variants), the weighted search document (name A; brand, tags and category B; description C)
 * and the vocabulary search corrects misspellings against. Plain SQL, one statement per refresh.
 */

/** Which products to refresh: some by id, every product of a brand or category, or all of them. */
export type ProductSelection = { productIds: string[] } | { brandId: string } | { categoryId: string } | { all: true }

function selected (selection: ProductSelection): RawBuilder<boolean> {
  if ('all' in selection) return sql<boolean>`true`
  if ('productIds' in selection) return sql<boolean>`p.id = any(${selection.productIds}::uuid[])`
  if ('brandId' in selection) return sql<boolean>`p.brand_id = ${selection.brandId}`
  return sql<boolean>`p.category_id = ${selection.categoryId}`
}

/** The words a product is found by beyond its description: brand, category and tag names, as one text. */
const namesOf = sql`coalesce(b.name, '') || ' ' || coalesce(c.name, '') || ' ' || coalesce((select string_agg(t.name, ' ') from tags t where t.id = any(p.tag_ids)), '')`

export async function refreshPriceRanges (em: EntityManager, selection: ProductSelection): Promise<void> {
  await sql`
    update products p set price_min = v.min, price_max = v.max
      from (select product_id, min(price) as min, max(price) as max from variants
             where product_id in (select p.id from products p where ${selected(selection)}) group by product_id) v
     where p.id = v.product_id`.execute(em.getKysely())
}

/** The search document of the selected products, and any new words of theirs in the vocabulary. */
export async function refreshSearchDocuments (em: EntityManager, selection: ProductSelection): Promise<void> {
  const db = em.getKysely()
  await sql`
    update products p set search_document =
           setweight(to_tsvector('commerce_search', p.name), 'A') ||
           setweight(to_tsvector('commerce_search', ${namesOf}), 'B') ||
           setweight(to_tsvector('commerce_search', coalesce(p.description, '')), 'C')
      from products q
      left join brands b on b.id = q.brand_id
      left join categories c on c.id = q.category_id
     where q.id = p.id and ${selected(selection)}`.execute(db)
  await sql`
    insert into search_words (word)
    select distinct word
      from products p
      left join brands b on b.id = p.brand_id
      left join categories c on c.id = p.category_id,
           regexp_split_to_table(lower(unaccent(p.name || ' ' || ${namesOf})), '[^[:alnum:]]+') as word
     where ${selected(selection)} and length(word) between 3 and 64
    on conflict do nothing`.execute(db)
}

/**
 * Moves a product's version (its ETag) when its variants or gallery change: the product's representation
 * includes them, so an edit based on what was seen before is stale.
 */
export async function touchProduct (em: EntityManager, productId: string): Promise<void> {
  await sql`update products set version = version + 1, updated_at = now() where id = ${productId}`.execute(em.getKysely())
}
