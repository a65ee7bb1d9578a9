import { Type, type Static } from '@sinclair/typebox'
import { IdSchema, Nullable, SlugSchema, TimestampSchema } from '../../openapi/shared.schemas.js'
import { CatalogNameSchema, CategoryRefSchema, NullableText, OptionalDescriptionSchema } from './catalog.schemas.js'

export const CategorySchema = Type.Object({
  id: IdSchema,
  slug: SlugSchema,
  name: Type.String(),
  description: NullableText,
  parentId: Nullable(IdSchema),
  position: Type.Integer({ minimum: 0 }),
  breadcrumbs: Type.Array(CategoryRefSchema),
  children: Type.Array(CategoryRefSchema),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema
}, { additionalProperties: false })
export type Category = Static<typeof CategorySchema>

export const CategoryNodeSchema = Type.Object({
  id: IdSchema,
  slug: SlugSchema,
  name: Type.String(),
  description: NullableText,
  parentId: Nullable(IdSchema),
  position: Type.Integer({ minimum: 0 }),
  depth: Type.Integer({ minimum: 0 }),
  productCount: Type.Integer({ minimum: 0 })
}, { additionalProperties: false })
export type CategoryNode = Static<typeof CategoryNodeSchema>

export const CategoryTreeSchema = Type.Object({ items: Type.Array(CategoryNodeSchema) }, { additionalProperties: false })

const PositionSchema = Type.Integer({ minimum: 0, maximum: 10000 })

export const CreateCategoryRequestSchema = Type.Object({
  name: CatalogNameSchema,
  slug: Type.Optional(SlugSchema),
  description: Type.Optional(OptionalDescriptionSchema),
  parentId: Type.Optional(Nullable(IdSchema)),
  position: Type.Optional(PositionSchema)
}, { additionalProperties: false })
export type CreateCategoryRequest = Static<typeof CreateCategoryRequestSchema>

export const UpdateCategoryRequestSchema = Type.Object({
  name: Type.Optional(CatalogNameSchema),
  slug: Type.Optional(SlugSchema),
  description: Type.Optional(OptionalDescriptionSchema),
  parentId: Type.Optional(Nullable(IdSchema)),
  position: Type.Optional(PositionSchema)
}, { additionalProperties: false, minProperties: 1 })
export type UpdateCategoryRequest = Static<typeof UpdateCategoryRequestSchema>
