import { Type, type Static } from '@sinclair/typebox'
import { IdSchema, Nullable, PageSchema, SlugSchema, TimestampSchema } from '../../openapi/shared.schemas.js'
import { CatalogNameSchema, NullableText, OptionalDescriptionSchema } from './catalog.schemas.js'

export const BrandSchema = Type.Object({
  id: IdSchema,
  slug: SlugSchema,
  name: Type.String(),
  description: NullableText,
  logoUrl: NullableText,
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema
}, { additionalProperties: false })
export type Brand = Static<typeof BrandSchema>

export const BrandPageSchema = PageSchema(BrandSchema)

const LogoUrlSchema = Nullable(Type.String({ maxLength: 2000, pattern: '^https?://[^\\s]+$' }))

export const CreateBrandRequestSchema = Type.Object({
  name: CatalogNameSchema,
  slug: Type.Optional(SlugSchema),
  description: Type.Optional(OptionalDescriptionSchema),
  logoUrl: Type.Optional(LogoUrlSchema)
}, { additionalProperties: false })
export type CreateBrandRequest = Static<typeof CreateBrandRequestSchema>

export const UpdateBrandRequestSchema = Type.Object({
  name: Type.Optional(CatalogNameSchema),
  slug: Type.Optional(SlugSchema),
  description: Type.Optional(OptionalDescriptionSchema),
  logoUrl: Type.Optional(LogoUrlSchema)
}, { additionalProperties: false, minProperties: 1 })
export type UpdateBrandRequest = Static<typeof UpdateBrandRequestSchema>
