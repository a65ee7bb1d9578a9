import type { EntityManager } from '@mikro-orm/postgresql'
import { sql } from 'kysely'
import { isUuid } from '../../openapi/shared.schemas.js'
import type { ProductStatus } from './product.entity.js'

/**
 * The product's rating (`rating_average`, `rating_count`), which the catalog keeps on the product for its pages,
 * browsing and search, and which reviews compute. Whoever changes what a rating counts takes the product's row
 * lock first (`lockProductForRating`), recomputes under it and writes with `setProductRating` before committing:
 * concurrent changes to one product's reviews then apply one after the other, each on the others' result.
 */

export interface ReviewedProduct {
  id: string
  slug: string
  name: string
  status: ProductStatus
}

export interface ProductRating {
  /** Rounded to two decimals; 0 when nothing counts. */
  average: number
  count: number
}

/** A product by id, or by its current or a former slug, whatever its status; null when there is none. */
export async function findProductByIdOrSlug (em: EntityManager, idOrSlug: string): Promise<ReviewedProduct | null> {
  const db = em.getKysely()
  const { rows } = isUuid(idOrSlug)
    ? await sql<ReviewedProduct>`select id, slug, name, status from products where id = ${idOrSlug}`.execute(db)
    : await sql<ReviewedProduct>`select p.id, p.slug, p.name, p.status from product_slugs s join products p on p.id = s.product_id where s.slug = ${idOrSlug}`.execute(db)
  return rows[0] ?? null
}

/**
 * Locks the product's row until the transaction ends, for a change of what its rating counts, and reads it;
 * null when the product is gone. `FOR NO KEY UPDATE`, like the catalog's own edits: orders and reviews that
 * merely reference the product do not wait for it.
 */
export async function lockProductForRating (tx: EntityManager, productId: string): Promise<ReviewedProduct | null> {
  const { rows } = await sql<ReviewedProduct>`select id, slug, name, status from products where id = ${productId} for no key update`.execute(tx.getKysely())
  return rows[0] ?? null
}

/**
 * Writes the product's rating, under the lock `lockProductForRating` took. The product's `version` (its ETag,
 * which staff edits are conditional on) and `updatedAt` stay: the rating is not something staff edit.
 */
export async function setProductRating (tx: EntityManager, productId: string, rating: ProductRating): Promise<void> {
  await sql`update products set rating_average = ${rating.average}, rating_count = ${rating.count} where id = ${productId}`.execute(tx.getKysely())
}
