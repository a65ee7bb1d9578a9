import { Type, type Static } from '@sinclair/typebox'
import { IdSchema, Nullable, StringEnum, TimestampSchema } from '../../openapi/shared.schemas.js'
import { IMAGE_CONTENT_TYPES } from '../catalog/product-image.entity.js'

/** The review images' schemas; uploads are declared and answered as the catalog's are (`ImageUploadRequest`, `ImageUpload`). */

const ImageContentTypeSchema = StringEnum(IMAGE_CONTENT_TYPES)

export const ReviewImageSchema = Type.Object({
  id: IdSchema,
  url: Type.String(),
  alt: Type.Union([Type.String(), Type.Null()]),
  width: Type.Integer({ minimum: 1 }),
  height: Type.Integer({ minimum: 1 }),
  contentType: ImageContentTypeSchema,
  bytes: Type.Integer({ minimum: 1 }),
  position: Type.Integer({ minimum: 0 }),
  createdAt: TimestampSchema
}, { additionalProperties: false })
export type ReviewImage = Static<typeof ReviewImageSchema>

export const ImageUploadRequestSchema = Type.Object({
  contentType: ImageContentTypeSchema,
  bytes: Type.Integer({ minimum: 1, maximum: 1_073_741_824 })
}, { additionalProperties: false })
export type ImageUploadRequest = Static<typeof ImageUploadRequestSchema>

export const ImageUploadSchema = Type.Object({
  uploadId: IdSchema,
  url: Type.String(),
  method: Type.Literal('PUT'),
  headers: Type.Unsafe<Record<string, string>>({ type: 'object', additionalProperties: { type: 'string' } }),
  expiresAt: TimestampSchema
}, { additionalProperties: false })

export const ConfirmReviewImageRequestSchema = Type.Object({
  uploadId: IdSchema,
  alt: Type.Optional(Nullable(Type.String({ maxLength: 300 })))
}, { additionalProperties: false })
export type ConfirmReviewImageRequest = Static<typeof ConfirmReviewImageRequestSchema>

export const ReviewImageParamsSchema = Type.Object({ id: IdSchema, imageId: IdSchema })
