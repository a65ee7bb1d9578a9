import type { EntityManager } from '@mikro-orm/postgresql'
import { claimUpload, deleteStoredFiles, inspectImageUpload, startImageUpload, type StartedUpload } from '../media/upload.service.js'
import { Upload } from '../media/upload.entity.js'
import type { ImageContentType } from '../catalog/product-image.entity.js'
import { Review as ReviewEntity, ReviewImage as ReviewImageEntity } from './review.entity.js'
import type { ConfirmReviewImageRequest, ImageUploadRequest, ReviewImage } from './review-image.schemas.js'
import type { ReviewSettings } from './reviews.context.js'
import { lockReview } from './review.service.js'
import { refreshProductRating } from './review-rating.js'
import { statusAfterEdit } from './review-status.js'
import { reviewImagesFull, reviewNotFound } from './reviews.errors.js'

/**
 * Photos of a review, by the same mechanism as product galleries (modules/media): a presigned upload, then a
 * confirmation that checks the file. At most `REVIEW_MAX_IMAGES` per review, checked when the upload is asked
 * for (counting the uploads still open) and again under the review's row lock when it is confirmed, so
 * concurrent confirmations cannot pass it.
 */

async function ownReview (em: EntityManager, customerId: string, id: string): Promise<ReviewEntity> {
  const review = await em.findOne(ReviewEntity, { id, customer: customerId })
  if (review === null) throw reviewNotFound()
  return review
}

function toImage (settings: Pick<ReviewSettings, 'urlOf'>, image: ReviewImageEntity): ReviewImage {
  return {
    id: image.id,
    url: settings.urlOf(image.key),
    alt: image.alt ?? null,
    width: image.width,
    height: image.height,
    contentType: image.contentType,
    bytes: image.bytes,
    position: image.position,
    createdAt: image.createdAt.toISOString()
  }
}

export async function startReviewImageUpload (em: EntityManager, settings: ReviewSettings, customerId: string, reviewId: string, input: ImageUploadRequest): Promise<StartedUpload> {
  return await em.transactional(async (tx) => {
    await lockReview(tx, reviewId, { customer: customerId })
    // Uploads still open count too: a review cannot hand out more upload URLs than it may have images.
    const open = await tx.count(Upload, { purpose: 'REVIEW_IMAGE', ownerId: reviewId, confirmedAt: null, expiresAt: { $gt: new Date() } })
    if (await tx.count(ReviewImageEntity, { review: reviewId }) + open >= settings.maxImages) throw reviewImagesFull(settings.maxImages)
    return await startImageUpload(tx, settings.media, { purpose: 'REVIEW_IMAGE', ownerId: reviewId, contentType: input.contentType, bytes: input.bytes, createdBy: customerId })
  })
}

/**
 * Adds a checked upload to the review. New content is an edit: with approval required, a published review
 * waits for staff again (and leaves the product's rating until then).
 */
export async function addReviewImage (em: EntityManager, settings: ReviewSettings, customerId: string, reviewId: string, input: ConfirmReviewImageRequest): Promise<ReviewImage> {
  await ownReview(em, customerId, reviewId)
  const stored = await inspectImageUpload(em, settings.media, { uploadId: input.uploadId, purpose: 'REVIEW_IMAGE', ownerId: reviewId })
  const image = await em.transactional(async (tx) => {
    const review = await lockReview(tx, reviewId, { customer: customerId })
    const images = await tx.find(ReviewImageEntity, { review: reviewId })
    if (images.length >= settings.maxImages) throw reviewImagesFull(settings.maxImages)
    await claimUpload(tx, input.uploadId)
    const created = tx.create(ReviewImageEntity, {
      review,
      key: stored.key,
      contentType: stored.contentType as ImageContentType,
      bytes: stored.bytes,
      width: stored.width,
      height: stored.height,
      alt: input.alt ?? null,
      position: Math.max(-1, ...images.map((existing) => existing.position)) + 1
    })
    review.status = statusAfterEdit(review.status, settings.approvalRequired)
    // The review's representation lists its images: its version (ETag) moves with them.
    review.updatedAt = new Date()
    await tx.flush()
    await refreshProductRating(tx, review.product.id)
    return created
  })
  return toImage(settings, image)
}

/** Deletes an image of the author's review, its upload record, and then its file. */
export async function deleteReviewImage (em: EntityManager, settings: ReviewSettings, customerId: string, reviewId: string, imageId: string): Promise<void> {
  const key = await em.transactional(async (tx) => {
    const review = await lockReview(tx, reviewId, { customer: customerId })
    const image = await tx.findOne(ReviewImageEntity, { id: imageId, review: reviewId })
    if (image === null) throw reviewNotFound()
    tx.remove(image)
    await tx.nativeDelete(Upload, { purpose: 'REVIEW_IMAGE', ownerId: reviewId, key: image.key })
    review.updatedAt = new Date()
    await tx.flush()
    return image.key
  })
  await deleteStoredFiles(settings.media, [key])
}
