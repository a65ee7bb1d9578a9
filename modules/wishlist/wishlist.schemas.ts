import { Type, type Static } from '@sinclair/typebox'
import { IdSchema, PageSchema, StringEnum, TimestampSchema } from '../../openapi/shared.schemas.js'
import { ProductSummarySchema } from '../catalog/catalog.contract.js'

/** Mirrors of openapi/components/wishlist.yaml. */

export const WISHLIST_AVAILABILITIES = ['AVAILABLE', 'OUT_OF_STOCK', 'ARCHIVED'] as const
export const WishlistAvailabilitySchema = StringEnum(WISHLIST_AVAILABILITIES)
export type WishlistAvailability = Static<typeof WishlistAvailabilitySchema>

export const WishlistItemSchema = Type.Object({
  productId: IdSchema,
  addedAt: TimestampSchema,
  availability: WishlistAvailabilitySchema,
  product: ProductSummarySchema
}, { additionalProperties: false })
export type WishlistItem = Static<typeof WishlistItemSchema>

export const WishlistPageSchema = PageSchema(WishlistItemSchema)

export const WishlistProductParamsSchema = Type.Object({ productId: IdSchema })
