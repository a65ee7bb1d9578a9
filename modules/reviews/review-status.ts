import type { ReviewStatus } from './review.entity.js'

/**
 * How a review's status moves. Authors create and edit; staff moderate, and may set any review to any of
 * `MODERATION_STATUSES` (again, to change the reason). Only `PUBLISHED` reviews count in the product's rating.
 *
 * | from      | event                         | to        | who    |
 * |-----------|-------------------------------|-----------|--------|
 * | —         | create, approval not required | PUBLISHED | author |
 * | —         | create, approval required     | PENDING   | author |
 * | PUBLISHED | edit, approval not required   | PUBLISHED | author |
 * | PUBLISHED | edit, approval required       | PENDING   | author |
 * | PENDING   | edit                          | PENDING   | author |
 * | HIDDEN    | edit                          | HIDDEN    | author |
 * | REJECTED  | edit                          | REJECTED  | author |
 * | any       | moderate                      | PUBLISHED, HIDDEN or REJECTED | staff |
 * | PUBLISHED, PENDING | delete               | —         | author |
 * | any       | delete                        | —         | staff  |
 *
 * An author cannot delete a review staff hid or rejected: writing it again would undo the decision.
 */
export const MODERATION_STATUSES = ['PUBLISHED', 'HIDDEN', 'REJECTED'] as const satisfies readonly ReviewStatus[]
export type ModerationStatus = typeof MODERATION_STATUSES[number]

/** Moderation decisions that must say why. */
export const REASON_REQUIRED: ReadonlySet<ModerationStatus> = new Set(['HIDDEN', 'REJECTED'])

export function statusOfNewReview (approvalRequired: boolean): ReviewStatus {
  return approvalRequired ? 'PENDING' : 'PUBLISHED'
}

const AFTER_EDIT: Record<ReviewStatus, { approvalRequired: ReviewStatus, approvalNotRequired: ReviewStatus }> = {
  PUBLISHED: { approvalRequired: 'PENDING', approvalNotRequired: 'PUBLISHED' },
  PENDING: { approvalRequired: 'PENDING', approvalNotRequired: 'PENDING' },
  HIDDEN: { approvalRequired: 'HIDDEN', approvalNotRequired: 'HIDDEN' },
  REJECTED: { approvalRequired: 'REJECTED', approvalNotRequired: 'REJECTED' }
}

export function statusAfterEdit (current: ReviewStatus, approvalRequired: boolean): ReviewStatus {
  const next = AFTER_EDIT[current]
  return approvalRequired ? next.approvalRequired : next.approvalNotRequired
}

/** Whether the author may read the moderation's reason: while the review is taken down or refused. */
export function reasonShownToAuthor (status: ReviewStatus): boolean {
  return status === 'HIDDEN' || status === 'REJECTED'
}

/** Whether the author may delete a review in this status. */
export function authorMayDelete (status: ReviewStatus): boolean {
  return status === 'PUBLISHED' || status === 'PENDING'
}
