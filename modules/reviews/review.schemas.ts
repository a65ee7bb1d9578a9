import { Type, type Static } from '@sinclair/typebox'
import { IdSchema, Nullable, PageQuerySchema, StringEnum, TimestampSchema } from '../../openapi/shared.schemas.js'
import { REVIEW_STATUSES } from './review.entity.js'
import { MODERATION_STATUSES } from './review-status.js'
import { ReviewImageSchema } from './review-image.schemas.js'

/** TypeBox mirrors of openapi/components/reviews.yaml. */

export const ReviewStatusSchema = StringEnum(REVIEW_STATUSES)
export const ModerationStatusSchema = StringEnum(MODERATION_STATUSES)
export const ReviewRatingSchema = Type.Integer({ minimum: 1, maximum: 5 })
const ReviewTitleSchema = Type.String({ minLength: 1, maxLength: 150, pattern: '\\S' })
const ReviewBodySchema = Type.String({ minLength: 1, maxLength: 5000, pattern: '\\S' })
const ModerationReasonSchema = Type.String({ minLength: 1, maxLength: 500, pattern: '\\S' })
const NullableString = Type.Union([Type.String(), Type.Null()])

const reviewProperties = {
  id: IdSchema,
  productId: IdSchema,
  author: Type.Object({ name: Type.String() }, { additionalProperties: false }),
  rating: ReviewRatingSchema,
  title: Type.String(),
  body: Type.String(),
  verifiedPurchase: Type.Boolean(),
  status: ReviewStatusSchema,
  moderationReason: NullableString,
  images: Type.Array(ReviewImageSchema, { maxItems: 20 }),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema
}

export const ReviewSchema = Type.Object(reviewProperties, { additionalProperties: false })
export type Review = Static<typeof ReviewSchema>

const count = Type.Integer({ minimum: 0 })
export const ReviewSummarySchema = Type.Object({
  average: Type.Number({ minimum: 0, maximum: 5 }),
  count,
  histogram: Type.Object({ 1: count, 2: count, 3: count, 4: count, 5: count }, { additionalProperties: false })
}, { additionalProperties: false })
export type ReviewSummary = Static<typeof ReviewSummarySchema>

export const ReviewPageSchema = Type.Object({
  items: Type.Array(ReviewSchema),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
  summary: ReviewSummarySchema
}, { additionalProperties: false })
export type ReviewPage = Static<typeof ReviewPageSchema>

export const REVIEW_SORTS = ['newest', 'highest', 'lowest'] as const
export type ReviewSort = typeof REVIEW_SORTS[number]

export const ReviewQuerySchema = Type.Object({
  sort: Type.Optional(Type.Unsafe<ReviewSort>({ type: 'string', enum: REVIEW_SORTS, default: 'newest' })),
  rating: Type.Optional(ReviewRatingSchema),
  verified: Type.Optional(Type.Boolean()),
  ...PageQuerySchema.properties
}, { additionalProperties: false })
export type ReviewQuery = Static<typeof ReviewQuerySchema>

export const CreateReviewRequestSchema = Type.Object({
  rating: ReviewRatingSchema,
  title: ReviewTitleSchema,
  body: ReviewBodySchema
}, { additionalProperties: false })
export type CreateReviewRequest = Static<typeof CreateReviewRequestSchema>

export const UpdateReviewRequestSchema = Type.Object({
  rating: Type.Optional(ReviewRatingSchema),
  title: Type.Optional(ReviewTitleSchema),
  body: Type.Optional(ReviewBodySchema)
}, { additionalProperties: false, minProperties: 1 })
export type UpdateReviewRequest = Static<typeof UpdateReviewRequestSchema>

export const ModerateReviewRequestSchema = Type.Object({
  status: ModerationStatusSchema,
  reason: Type.Optional(ModerationReasonSchema)
}, { additionalProperties: false })
export type ModerateReviewRequest = Static<typeof ModerateReviewRequestSchema>

const RefSchema = Type.Object({ id: IdSchema, name: Type.String() }, { additionalProperties: false })

export const AdminReviewSchema = Type.Object({
  ...reviewProperties,
  customer: Type.Object({ id: IdSchema, email: Type.String(), name: Type.String() }, { additionalProperties: false }),
  product: Type.Object({ id: IdSchema, slug: Type.String(), name: Type.String() }, { additionalProperties: false }),
  moderatedBy: Nullable(RefSchema),
  moderatedAt: Nullable(TimestampSchema),
  version: Type.Integer({ minimum: 1 })
}, { additionalProperties: false })
export type AdminReview = Static<typeof AdminReviewSchema>

export const AdminReviewPageSchema = Type.Object({
  items: Type.Array(AdminReviewSchema),
  nextCursor: Type.Union([Type.String(), Type.Null()])
}, { additionalProperties: false })
export type AdminReviewPage = Static<typeof AdminReviewPageSchema>

export const AdminReviewQuerySchema = Type.Object({
  status: Type.Optional(ReviewStatusSchema),
  productId: Type.Optional(IdSchema),
  customerId: Type.Optional(IdSchema),
  rating: Type.Optional(ReviewRatingSchema),
  ...PageQuerySchema.properties
}, { additionalProperties: false })
export type AdminReviewQuery = Static<typeof AdminReviewQuerySchema>
