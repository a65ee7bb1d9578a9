import type { EntityManager } from '@mikro-orm/postgresql'
import type { AdminReview, Review, ReviewSummary } from './review.schemas.js'
import type { ReviewImage } from './review-image.schemas.js'
import { selectImages, type ReviewImageRow, type ReviewRow } from './review.repository.js'
import { reasonShownToAuthor } from './review-status.js'

/** How reviews are shown: to the public, to their author, and to staff. */

/** The author's public name: the first name and the initial of the last one (`Ada L.`); never the full name. */
export function publicName (name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean)
  const first = words[0] ?? ''
  const last = words.length > 1 ? words.at(-1) : undefined
  return last === undefined ? first : `${first} ${[...last][0]?.toUpperCase() ?? ''}.`
}

export function toReviewImage (urlOf: (key: string) => string, image: ReviewImageRow): ReviewImage {
  return {
    id: image.id,
    url: urlOf(image.key),
    alt: image.alt,
    width: image.width,
    height: image.height,
    contentType: image.content_type,
    bytes: image.bytes,
    position: image.position,
    createdAt: new Date(image.created_at).toISOString()
  }
}

function imagesByReview (urlOf: (key: string) => string, images: ReviewImageRow[]): Map<string, ReviewImage[]> {
  const byReview = new Map<string, ReviewImage[]>()
  for (const image of images) {
    const list = byReview.get(image.review_id) ?? []
    list.push(toReviewImage(urlOf, image))
    byReview.set(image.review_id, list)
  }
  return byReview
}

/** The public's view, or with `viewerId` its author's, who also sees why it was taken down or refused. */
function toReview (row: ReviewRow, images: ReviewImage[], viewerId: string | null): Review {
  const ownReason = viewerId === row.customer_id && reasonShownToAuthor(row.status)
  return {
    id: row.id,
    productId: row.product_id,
    author: { name: publicName(row.customer_name) },
    rating: Number(row.rating),
    title: row.title,
    body: row.body,
    verifiedPurchase: row.verified_purchase,
    status: row.status,
    moderationReason: ownReason ? row.moderation_reason : null,
    images,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString()
  }
}

function toAdminReview (row: ReviewRow, images: ReviewImage[]): AdminReview {
  return {
    ...toReview(row, images, null),
    moderationReason: row.moderation_reason,
    customer: { id: row.customer_id, email: row.customer_email, name: row.customer_name },
    product: { id: row.product_id, slug: row.product_slug, name: row.product_name },
    moderatedBy: row.moderated_by_id === null ? null : { id: row.moderated_by_id, name: row.moderated_by_name ?? '' },
    moderatedAt: row.moderated_at === null ? null : new Date(row.moderated_at).toISOString(),
    version: row.version
  }
}

export async function reviewViews (em: EntityManager, urlOf: (key: string) => string, rows: ReviewRow[], viewerId: string | null): Promise<Review[]> {
  const images = imagesByReview(urlOf, await selectImages(em, rows.map((row) => row.id)))
  return rows.map((row) => toReview(row, images.get(row.id) ?? [], viewerId))
}

export async function adminReviewViews (em: EntityManager, urlOf: (key: string) => string, rows: ReviewRow[]): Promise<AdminReview[]> {
  const images = imagesByReview(urlOf, await selectImages(em, rows.map((row) => row.id)))
  return rows.map((row) => toAdminReview(row, images.get(row.id) ?? []))
}

/** Average (two decimals, half up; 0 without reviews), count and histogram of a product's published reviews. */
export function summaryOf (histogram: Map<number, number>): ReviewSummary {
  const stars = [1, 2, 3, 4, 5] as const
  const count = stars.reduce((sum, star) => sum + (histogram.get(star) ?? 0), 0)
  const total = stars.reduce((sum, star) => sum + star * (histogram.get(star) ?? 0), 0)
  return {
    // Exact in binary floating point where it matters: a quotient ending in .5 is representable, so rounds up.
    average: count === 0 ? 0 : Math.round((total * 100) / count) / 100,
    count,
    histogram: { 1: histogram.get(1) ?? 0, 2: histogram.get(2) ?? 0, 3: histogram.get(3) ?? 0, 4: histogram.get(4) ?? 0, 5: histogram.get(5) ?? 0 }
  }
}
