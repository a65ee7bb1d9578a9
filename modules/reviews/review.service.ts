import { LockMode, type EntityManager, type FilterQuery } from '@mikro-orm/postgresql'
import { sql } from 'kysely'
import { assertIfMatch, type Versioned } from '../../plugins/resource-headers.js'
import { deleteStoredFiles } from '../media/upload.service.js'
import { Upload } from '../media/upload.entity.js'
import { findProductByIdOrSlug } from '../catalog/product-rating.service.js'
import { hasReceivedProduct } from '../orders/order-purchases.service.js'
import { Review as ReviewEntity, ReviewImage as ReviewImageEntity } from './review.entity.js'
import type { CreateReviewRequest, Review, UpdateReviewRequest } from './review.schemas.js'
import type { ReviewSettings } from './reviews.context.js'
import { selectReview } from './review.repository.js'
import { reviewViews } from './review-views.js'
import { lockReviewedProduct, refreshProductRating } from './review-rating.js'
import { authorMayDelete, statusAfterEdit, statusOfNewReview } from './review-status.js'
import { reviewExists, reviewModerated, reviewNotFound } from './reviews.errors.js'

/** A customer's own reviews: writing, reading, editing and deleting them. */

/** The review as `viewerId` sees it (the author sees more), with its version for the ETag. */
export async function reviewAsSeenBy (em: EntityManager, settings: Pick<ReviewSettings, 'urlOf'>, id: string, viewerId: string | null): Promise<Versioned<Review>> {
  const row = await selectReview(em, id)
  const own = row !== undefined && viewerId !== null && row.customer_id === viewerId
  if (row === undefined || (!own && (row.status !== 'PUBLISHED' || row.product_status !== 'ACTIVE'))) throw reviewNotFound()
  const [review] = await reviewViews(em, settings.urlOf, [row], viewerId)
  return { resource: review!, version: row.version }
}

/**
 * Locks a review for a change after its product (the order every review change takes, see review-rating.ts),
 * and reads its current state; 404 when it does not exist or `where` excludes it (someone else's).
 */
export async function lockReview (tx: EntityManager, id: string, where: FilterQuery<ReviewEntity> = {}): Promise<ReviewEntity> {
  const found = await tx.findOne(ReviewEntity, { id, ...where as object })
  if (found === null) throw reviewNotFound()
  await lockReviewedProduct(tx, found.product.id)
  const review = await tx.findOne(ReviewEntity, { id, ...where as object }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true })
  if (review === null) throw reviewNotFound()
  return review
}

/**
 * A customer's review of an `ACTIVE` product, one per customer and product. Under the product's lock, so of
 * two reviews sent at once by one customer the second finds the first and is a `409 REVIEW_EXISTS`.
 */
export async function createReview (em: EntityManager, settings: ReviewSettings, customerId: string, idOrSlug: string, input: CreateReviewRequest): Promise<Versioned<Review>> {
  const product = await findProductByIdOrSlug(em, idOrSlug)
  if (product === null || product.status !== 'ACTIVE') throw reviewNotFound()
  const id = await em.transactional(async (tx) => {
    const locked = await lockReviewedProduct(tx, product.id)
    if (locked.status !== 'ACTIVE') throw reviewNotFound()
    const { rows: [existing] } = await sql<{ id: string }>`select id from reviews where product_id = ${product.id} and customer_id = ${customerId}`.execute(tx.getKysely())
    if (existing !== undefined) throw reviewExists(existing.id)
    const review = tx.create(ReviewEntity, {
      product: product.id,
      customer: customerId,
      rating: input.rating,
      title: input.title.trim(),
      body: input.body.trim(),
      status: statusOfNewReview(settings.approvalRequired),
      verifiedPurchase: await hasReceivedProduct(tx, customerId, product.id),
      moderationReason: null,
      moderatedBy: null,
      moderatedAt: null
    })
    await tx.flush()
    await refreshProductRating(tx, product.id)
    return review.id
  })
  return await reviewAsSeenBy(em.fork(), settings, id, customerId)
}

/**
 * The author's edit. `verifiedPurchase` is evaluated again, and the status moves as review-status.ts says;
 * with `If-Match`, only when the review is still the version the author saw.
 */
export async function updateReview (em: EntityManager, settings: ReviewSettings, customerId: string, id: string, input: UpdateReviewRequest, ifMatch?: string): Promise<Versioned<Review>> {
  await em.transactional(async (tx) => {
    const review = await lockReview(tx, id, { customer: customerId })
    assertIfMatch(ifMatch, review.version)
    if (input.rating !== undefined) review.rating = input.rating
    if (input.title !== undefined) review.title = input.title.trim()
    if (input.body !== undefined) review.body = input.body.trim()
    review.verifiedPurchase = await hasReceivedProduct(tx, customerId, review.product.id)
    const status = statusAfterEdit(review.status, settings.approvalRequired)
    // Back in the queue: the earlier decision no longer describes what staff will read.
    if (status === 'PENDING' && review.status !== 'PENDING') Object.assign(review, { moderationReason: null, moderatedBy: null, moderatedAt: null })
    review.status = status
    await tx.flush()
    await refreshProductRating(tx, review.product.id)
  })
  return await reviewAsSeenBy(em.fork(), settings, id, customerId)
}

/**
 * Deletes a review (the author's own, or any for staff), its images and every upload for it, and then their
 * files. An author may not delete a review staff took down (see review-status.ts).
 */
export async function deleteReview (em: EntityManager, settings: Pick<ReviewSettings, 'media'>, id: string, by: { authorId: string } | 'STAFF'): Promise<void> {
  const keys = await em.transactional(async (tx) => {
    const review = await lockReview(tx, id, by === 'STAFF' ? {} : { customer: by.authorId })
    if (by !== 'STAFF' && !authorMayDelete(review.status)) throw reviewModerated()
    const images = await tx.find(ReviewImageEntity, { review: id })
    const uploads = await tx.find(Upload, { purpose: 'REVIEW_IMAGE', ownerId: id })
    await tx.nativeDelete(Upload, { purpose: 'REVIEW_IMAGE', ownerId: id })
    await tx.nativeDelete(ReviewEntity, { id })
    await refreshProductRating(tx, review.product.id)
    return [...new Set([...images.map((image) => image.key), ...uploads.map((upload) => upload.key)])]
  })
  await deleteStoredFiles(settings.media, keys)
}
