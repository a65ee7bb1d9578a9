import type { EntityManager } from '@mikro-orm/postgresql'
import { assertIfMatch, type Versioned } from '../../plugins/resource-headers.js'
import { User } from '../auth/user.entity.js'
import type { AdminReview, ModerateReviewRequest } from './review.schemas.js'
import type { ReviewSettings } from './reviews.context.js'
import { selectReview } from './review.repository.js'
import { adminReviewViews } from './review-views.js'
import { refreshProductRating } from './review-rating.js'
import { REASON_REQUIRED } from './review-status.js'
import { lockReview } from './review.service.js'
import { reasonRequired, reviewNotFound } from './reviews.errors.js'

/** Staff's side of reviews: reading any of them, and deciding whether the public sees them. */

export async function getReviewForStaff (em: EntityManager, settings: Pick<ReviewSettings, 'urlOf'>, id: string): Promise<Versioned<AdminReview>> {
  const row = await selectReview(em, id)
  if (row === undefined) throw reviewNotFound()
  const [review] = await adminReviewViews(em, settings.urlOf, [row])
  return { resource: review!, version: row.version }
}

/**
 * Publishes, hides or rejects a review, recording who decided, when and why; the product's rating follows in
 * the same transaction. With `If-Match`, only when the review is still the version the moderator saw.
 */
export async function moderateReview (em: EntityManager, settings: Pick<ReviewSettings, 'urlOf'>, staffId: string, id: string, input: ModerateReviewRequest, ifMatch?: string): Promise<Versioned<AdminReview>> {
  if (REASON_REQUIRED.has(input.status) && input.reason === undefined) throw reasonRequired(input.status)
  await em.transactional(async (tx) => {
    const review = await lockReview(tx, id)
    assertIfMatch(ifMatch, review.version)
    review.status = input.status
    review.moderationReason = input.reason?.trim() ?? null
    review.moderatedBy = tx.getReference(User, staffId)
    review.moderatedAt = new Date()
    await tx.flush()
    await refreshProductRating(tx, review.product.id)
  })
  return await getReviewForStaff(em.fork(), settings, id)
}
