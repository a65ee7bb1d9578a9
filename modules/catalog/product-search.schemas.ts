import { Type, type Static } from '@sinclair/typebox'
import { IdSchema, Nullable, SlugSchema, TimestampSchema } from '../../openapi/shared.schemas.js'
import { BrandRefSchema, CategoryRefSchema, ImageRefSchema, PriceRangeSchema, RatingSchema } from './catalog.schemas.js'
import { BROWSE_SORTS, SEARCH_SORTS } from './product-search.repository.js'

export const ProductSummarySchema = Type.Object({
  id: IdSchema,
  slug: SlugSchema,
  name: Type.String(),
  brand: Nullable(BrandRefSchema),
  category: Nullable(CategoryRefSchema),
  priceRange: PriceRangeSchema,
  available: Type.Boolean(),
  rating: RatingSchema,
  image: Nullable(ImageRefSchema),
  createdAt: TimestampSchema
}, { additionalProperties: false })
export type ProductSummary = Static<typeof ProductSummarySchema>

const FacetValueSchema = Type.Object({ id: IdSchema, slug: SlugSchema, name: Type.String(), count: Type.Integer({ minimum: 0 }) }, { additionalProperties: false })

export const FacetsSchema = Type.Object({
  categories: Type.Array(FacetValueSchema),
  brands: Type.Array(FacetValueSchema),
  priceBands: Type.Array(Type.Object({
    minPrice: Type.Integer({ minimum: 0 }),
    maxPrice: Type.Union([Type.Integer(), Type.Null()]),
    count: Type.Integer({ minimum: 0 })
  }, { additionalProperties: false }))
}, { additionalProperties: false })
export type Facets = Static<typeof FacetsSchema>

export const ProductListPageSchema = Type.Object({
  items: Type.Array(ProductSummarySchema),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
  facets: Type.Optional(FacetsSchema)
}, { additionalProperties: false })
export type ProductListPage = Static<typeof ProductListPageSchema>

const MoneyBoundSchema = Type.Integer({ minimum: 0, maximum: 1_000_000_000 })

const filterFields = {
  category: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
  brand: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 120 }), { maxItems: 20 })),
  tag: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 10 })),
  minPrice: Type.Optional(MoneyBoundSchema),
  maxPrice: Type.Optional(MoneyBoundSchema),
  minRating: Type.Optional(Type.Number({ minimum: 0, maximum: 5 })),
  inStock: Type.Optional(Type.Boolean()),
  facets: Type.Optional(Type.Boolean({ default: false })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 }))
}

export const BrowseQuerySchema = Type.Object({
  ...filterFields,
  sort: Type.Optional(Type.Unsafe<typeof BROWSE_SORTS[number]>({ type: 'string', enum: BROWSE_SORTS, default: 'newest' }))
}, { additionalProperties: false })
export type BrowseQuery = Static<typeof BrowseQuerySchema>

export const SearchQuerySchema = Type.Object({
  q: Type.String({ minLength: 1, maxLength: 200 }),
  ...filterFields,
  sort: Type.Optional(Type.Unsafe<typeof SEARCH_SORTS[number]>({ type: 'string', enum: SEARCH_SORTS, default: 'relevance' }))
}, { additionalProperties: false })
export type SearchQuery = Static<typeof SearchQuerySchema>

export const SuggestQuerySchema = Type.Object({ q: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false })

export const SuggestionsSchema = Type.Object({
  products: Type.Array(Type.Object({ id: IdSchema, slug: SlugSchema, name: Type.String() }, { additionalProperties: false }), { maxItems: 6 }),
  categories: Type.Array(CategoryRefSchema, { maxItems: 4 })
}, { additionalProperties: false })
export type Suggestions = Static<typeof SuggestionsSchema>
