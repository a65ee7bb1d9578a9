import { Type, type Static } from '@sinclair/typebox'
import { IdSchema, Nullable, StringEnum, TimestampSchema } from '../../openapi/shared.schemas.js'
import { NullableText } from './catalog.schemas.js'
import { IMAGE_CONTENT_TYPES } from './product-image.entity.js'

export const ImageContentTypeSchema = StringEnum(IMAGE_CONTENT_TYPES)

export const ProductImageSchema = Type.Object({
  id: IdSchema,
  url: Type.String(),
  alt: NullableText,
  width: Type.Integer({ minimum: 1 }),
  height: Type.Integer({ minimum: 1 }),
  contentType: ImageContentTypeSchema,
  bytes: Type.Integer({ minimum: 1 }),
  position: Type.Integer({ minimum: 0 }),
  primary: Type.Boolean(),
  createdAt: TimestampSchema
}, { additionalProperties: false })
export type ProductImage = Static<typeof ProductImageSchema>

export const ImageUploadRequestSchema = Type.Object({
  contentType: ImageContentTypeSchema,
  bytes: Type.Integer({ minimum: 1, maximum: 1_073_741_824 })
}, { additionalProperties: false })

export const ImageUploadSchema = Type.Object({
  uploadId: IdSchema,
  url: Type.String(),
  method: Type.Literal('PUT'),
  headers: Type.Unsafe<Record<string, string>>({ type: 'object', additionalProperties: { type: 'string' } }),
  expiresAt: TimestampSchema
}, { additionalProperties: false })

const AltTextSchema = Nullable(Type.String({ maxLength: 300 }))
const ImagePositionSchema = Type.Integer({ minimum: 0, maximum: 1000 })

export const ConfirmImageRequestSchema = Type.Object({
  uploadId: IdSchema,
  alt: Type.Optional(AltTextSchema),
  position: Type.Optional(ImagePositionSchema),
  primary: Type.Optional(Type.Boolean())
}, { additionalProperties: false })
export type ConfirmImageRequest = Static<typeof ConfirmImageRequestSchema>

export const UpdateImageRequestSchema = Type.Object({
  alt: Type.Optional(AltTextSchema),
  position: Type.Optional(ImagePositionSchema),
  primary: Type.Optional(Type.Literal(true))
}, { additionalProperties: false, minProperties: 1 })
export type UpdateImageRequest = Static<typeof UpdateImageRequestSchema>

export const ImageParamsSchema = Type.Object({ id: IdSchema, imageId: IdSchema })
