import type { EntityManager } from '@mikro-orm/postgresql'
import { sql, type RawBuilder } from 'kysely'
import type { ReviewStatus } from './review.entity.js'
import type { ImageContentType } from '../catalog/product-image.entity.js'
import type { ProductStatus } from '../catalog/product.entity.js'

/** The reads of reviews: one row shape for every view, with the names the views show, in plain SQL. */

export interface ReviewRow {
  id: string
  product_id: string
  product_slug: string
  product_name: string
  product_status: ProductStatus
  customer_id: string
  customer_name: string
  customer_email: string
  rating: number
  title: string
  body: string
  status: ReviewStatus
  verified_purchase: boolean
  moderation_reason: string | null
  moderated_by_id: string | null
  moderated_by_name: string | null
  moderated_at: Date | null
  created_at: Date
  updated_at: Date
  version: number
}

export interface ReviewImageRow {
  id: string
  review_id: string
  key: string
  content_type: ImageContentType
  bytes: number
  width: number
  height: number
  alt: string | null
  position: number
  created_at: Date
}

export type Condition = RawBuilder<boolean>

export const TRUE: Condition = sql<boolean>`true`

export function allOf (conditions: Condition[]): Condition {
  return conditions.length === 0 ? TRUE : sql.join(conditions, sql` and `) as Condition
}

/** Reviews matching `where`, in `order`, at most `limit` (`r` is the review, `u` its author). */
export async function selectReviews (em: EntityManager, where: Condition, order: RawBuilder<unknown> = sql`r.created_at desc, r.id desc`, limit = 1): Promise<ReviewRow[]> {
  const { rows } = await sql<ReviewRow>`
    select r.id, r.product_id, p.slug as product_slug, p.name as product_name, p.status as product_status,
           r.customer_id, u.name as customer_name, u.email as customer_email,
           r.rating, r.title, r.body, r.status, r.verified_purchase,
           r.moderation_reason, r.moderated_by_id, m.name as moderated_by_name, r.moderated_at,
           r.created_at, r.updated_at, r.version
      from reviews r
      join users u on u.id = r.customer_id
      join products p on p.id = r.product_id
      left join users m on m.id = r.moderated_by_id
     where ${where}
     order by ${order}
     limit ${limit}`.execute(em.getKysely())
  return rows
}

export async function selectReview (em: EntityManager, id: string): Promise<ReviewRow | undefined> {
  const [row] = await selectReviews(em, sql<boolean>`r.id = ${id}`)
  return row
}

/** The images of these reviews, each review's in the order they were added. */
export async function selectImages (em: EntityManager, reviewIds: string[]): Promise<ReviewImageRow[]> {
  if (reviewIds.length === 0) return []
  const { rows } = await sql<ReviewImageRow>`
    select id, review_id, key, content_type, bytes, width, height, alt, position, created_at
      from review_images where review_id = any(${reviewIds}::uuid[])
     order by position, created_at, id`.execute(em.getKysely())
  return rows
}

/** How many published reviews of the product gave each number of stars. */
export async function publishedHistogram (em: EntityManager, productId: string): Promise<Map<number, number>> {
  const { rows } = await sql<{ rating: number, count: string }>`
    select rating, count(*) as count from reviews where product_id = ${productId} and status = 'PUBLISHED' group by rating`.execute(em.getKysely())
  return new Map(rows.map((row) => [Number(row.rating), Number(row.count)]))
}
