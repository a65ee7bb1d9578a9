import { Type, type Static } from '@sinclair/typebox'
import { IdSchema, MoneySchema, Nullable, SlugSchema } from '../../openapi/shared.schemas.js'

/** Mirrors of the catalog components that several of its resources share (openapi/components/catalog.yaml). */

export const CategoryRefSchema = Type.Object({ id: IdSchema, slug: SlugSchema, name: Type.String() }, { additionalProperties: false })
export type CategoryRef = Static<typeof CategoryRefSchema>

export const BrandRefSchema = Type.Object({ id: IdSchema, slug: SlugSchema, name: Type.String() }, { additionalProperties: false })
export type BrandRef = Static<typeof BrandRefSchema>

export const CatalogNameSchema = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' })
export const OptionalDescriptionSchema = Nullable(Type.String({ maxLength: 10000 }))
export const NullableText = Type.Union([Type.String(), Type.Null()])

export const PriceRangeSchema = Type.Object({ min: MoneySchema, max: MoneySchema }, { additionalProperties: false })
export const RatingSchema = Type.Object({
  average: Type.Number({ minimum: 0, maximum: 5 }),
  count: Type.Integer({ minimum: 0 })
}, { additionalProperties: false })

export const ImageRefSchema = Type.Object({
  url: Type.String(),
  alt: NullableText,
  width: Type.Integer({ minimum: 1 }),
  height: Type.Integer({ minimum: 1 })
}, { additionalProperties: false })
export type ImageRef = Static<typeof ImageRefSchema>

/** `?moveProductsTo=` of a delete that would otherwise leave products without their category or brand. */
export const MoveProductsQuerySchema = Type.Object({ moveProductsTo: Type.Optional(IdSchema) }, { additionalProperties: false })
