import type { EntityManager } from '@mikro-orm/postgresql'
import { sql, type RawBuilder } from 'kysely'
import { decodeCursor, encodeCursor } from '../../plugins/pagination.js'
import { isUuid } from '../../openapi/shared.schemas.js'
import { findProductByIdOrSlug } from '../catalog/product-rating.service.js'
import type { AdminReviewPage, AdminReviewQuery, ReviewPage, ReviewQuery, ReviewSort } from './review.schemas.js'
import type { ReviewSettings } from './reviews.context.js'
import { allOf, publishedHistogram, selectReviews, type Condition, type ReviewRow } from './review.repository.js'
import { adminReviewViews, reviewViews, summaryOf } from './review-views.js'
import { reviewNotFound } from './reviews.errors.js'

/** Lists of reviews: a product's published ones for the storefront, and every review for staff. */

/** Where a page ended: the last row's sort values (`r` only for the rating sorts). */
interface Position { sort: ReviewSort | 'admin', rating?: number, createdAt: string, id: string }

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

function positionOf (sort: Position['sort']) {
  return (position: Record<string, unknown>): Position | undefined => {
    const { s, r, t, id } = position
    if (s !== sort || typeof t !== 'string' || !ISO.test(t) || Number.isNaN(Date.parse(t)) || typeof id !== 'string' || !isUuid(id)) return undefined
    const rated = sort === 'highest' || sort === 'lowest'
    if (rated !== (r !== undefined)) return undefined
    if (rated && !(typeof r === 'number' && Number.isInteger(r) && r >= 1 && r <= 5)) return undefined
    return { sort, createdAt: t, id, ...(rated ? { rating: r as number } : {}) }
  }
}

function cursorAfter (sort: Position['sort'], row: ReviewRow): string {
  const rated = sort === 'highest' || sort === 'lowest'
  return encodeCursor({ s: sort, ...(rated ? { r: Number(row.rating) } : {}), t: new Date(row.created_at).toISOString(), id: row.id })
}

/** The order of a sort, and the rows after a position in it. Ties go newest first, then by id. */
function ordering (sort: Position['sort'], after: Position | undefined): { order: RawBuilder<unknown>, resume: Condition[] } {
  const newer = after === undefined ? undefined : sql<boolean>`(r.created_at, r.id) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`
  switch (sort) {
    case 'highest':
      return {
        order: sql`r.rating desc, r.created_at desc, r.id desc`,
        resume: after === undefined ? [] : [sql<boolean>`(r.rating < ${after.rating} or (r.rating = ${after.rating} and ${newer}))`]
      }
    case 'lowest':
      return {
        order: sql`r.rating asc, r.created_at desc, r.id desc`,
        resume: after === undefined ? [] : [sql<boolean>`(r.rating > ${after.rating} or (r.rating = ${after.rating} and ${newer}))`]
      }
    default:
      return { order: sql`r.created_at desc, r.id desc`, resume: newer === undefined ? [] : [newer] }
  }
}

async function pageOf (em: EntityManager, sort: Position['sort'], conditions: Condition[], query: { limit?: number, cursor?: string }): Promise<{ rows: ReviewRow[], nextCursor: string | null }> {
  const limit = query.limit ?? 20
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, positionOf(sort))
  const { order, resume } = ordering(sort, after)
  const rows = await selectReviews(em, allOf([...conditions, ...resume]), order, limit + 1)
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  return { rows: page, nextCursor: rows.length > limit && last !== undefined ? cursorAfter(sort, last) : null }
}

/** The storefront's list: published reviews of an `ACTIVE` product, and the summary of all of them. */
export async function listProductReviews (em: EntityManager, settings: Pick<ReviewSettings, 'urlOf'>, idOrSlug: string, query: ReviewQuery): Promise<ReviewPage> {
  const product = await findProductByIdOrSlug(em, idOrSlug)
  if (product === null || product.status !== 'ACTIVE') throw reviewNotFound()
  const conditions = [sql<boolean>`r.product_id = ${product.id}`, sql<boolean>`r.status = 'PUBLISHED'`]
  if (query.rating !== undefined) conditions.push(sql<boolean>`r.rating = ${query.rating}`)
  if (query.verified !== undefined) conditions.push(sql<boolean>`r.verified_purchase = ${query.verified}`)
  const { rows, nextCursor } = await pageOf(em, query.sort ?? 'newest', conditions, query)
  const summary = summaryOf(await publishedHistogram(em, product.id))
  return { items: await reviewViews(em, settings.urlOf, rows, null), nextCursor, summary }
}

/** Staff's list: every review, newest first, filtered by status, product, customer and rating. */
export async function listReviewsForStaff (em: EntityManager, settings: Pick<ReviewSettings, 'urlOf'>, query: AdminReviewQuery): Promise<AdminReviewPage> {
  const conditions: Condition[] = []
  if (query.status !== undefined) conditions.push(sql<boolean>`r.status = ${query.status}`)
  if (query.productId !== undefined) conditions.push(sql<boolean>`r.product_id = ${query.productId}`)
  if (query.customerId !== undefined) conditions.push(sql<boolean>`r.customer_id = ${query.customerId}`)
  if (query.rating !== undefined) conditions.push(sql<boolean>`r.rating = ${query.rating}`)
  const { rows, nextCursor } = await pageOf(em, 'admin', conditions, query)
  return { items: await adminReviewViews(em, settings.urlOf, rows), nextCursor }
}
