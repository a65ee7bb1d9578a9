import { Type, type Static } from '@sinclair/typebox'
import { CurrencySchema, IdSchema, MoneySchema, Nullable, PageSchema, SlugSchema, StringEnum, TimestampSchema } from '../../openapi/shared.schemas.js'
import { BrandRefSchema, CatalogNameSchema, CategoryRefSchema, NullableText, OptionalDescriptionSchema, PriceRangeSchema, RatingSchema } from './catalog.schemas.js'
import { PRODUCT_STATUSES } from './product.entity.js'
import { ProductImageSchema } from './product-image.schemas.js'

export const ProductStatusSchema = StringEnum(PRODUCT_STATUSES)

const OptionTextSchema = Type.String({ minLength: 1, maxLength: 50, pattern: '\\S' })

export const ProductOptionSchema = Type.Object({
  name: OptionTextSchema,
  values: Type.Array(OptionTextSchema, { minItems: 1, maxItems: 50, uniqueItems: true })
}, { additionalProperties: false })

export const ProductAttributeSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
  value: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S' })
}, { additionalProperties: false })

export const TagSchema = Type.String({ minLength: 1, maxLength: 50, pattern: '\\S' })

/** A map from option name to value: an object whose property names are the product's options. */
export const OptionValuesSchema = Type.Unsafe<Record<string, string>>({
  type: 'object',
  additionalProperties: { type: 'string', minLength: 1, maxLength: 50 },
  maxProperties: 3
})

export const SkuSchema = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' })

const WeightSchema = Nullable(Type.Integer({ minimum: 0 }))

export const VariantSchema = Type.Object({
  id: IdSchema,
  sku: SkuSchema,
  title: Type.String(),
  optionValues: OptionValuesSchema,
  price: MoneySchema,
  compareAtPrice: Nullable(MoneySchema),
  available: Type.Boolean(),
  weightGrams: WeightSchema
}, { additionalProperties: false })
export type Variant = Static<typeof VariantSchema>

export const AdminVariantSchema = Type.Object({
  id: IdSchema,
  sku: SkuSchema,
  title: Type.String(),
  optionValues: OptionValuesSchema,
  price: MoneySchema,
  compareAtPrice: Nullable(MoneySchema),
  available: Type.Boolean(),
  weightGrams: WeightSchema,
  stock: Type.Integer({ minimum: 0 }),
  version: Type.Integer(),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema
}, { additionalProperties: false })
export type AdminVariant = Static<typeof AdminVariantSchema>

const productFields = {
  id: IdSchema,
  slug: SlugSchema,
  name: Type.String(),
  description: NullableText,
  status: ProductStatusSchema,
  brand: Nullable(BrandRefSchema),
  category: Nullable(CategoryRefSchema),
  breadcrumbs: Type.Array(CategoryRefSchema),
  tags: Type.Array(Type.String()),
  attributes: Type.Array(ProductAttributeSchema),
  options: Type.Array(ProductOptionSchema),
  priceRange: PriceRangeSchema,
  available: Type.Boolean(),
  rating: RatingSchema,
  images: Type.Array(ProductImageSchema),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema
}

export const ProductSchema = Type.Object({ ...productFields, variants: Type.Array(VariantSchema) }, { additionalProperties: false })
export type Product = Static<typeof ProductSchema>

export const AdminProductSchema = Type.Object({
  ...productFields,
  totalStock: Type.Integer({ minimum: 0 }),
  unitsSold: Type.Integer({ minimum: 0 }),
  variants: Type.Array(AdminVariantSchema)
}, { additionalProperties: false })
export type AdminProduct = Static<typeof AdminProductSchema>

export const AdminProductSummarySchema = Type.Object({
  id: IdSchema,
  slug: SlugSchema,
  name: Type.String(),
  status: ProductStatusSchema,
  brand: Nullable(BrandRefSchema),
  category: Nullable(CategoryRefSchema),
  priceRange: PriceRangeSchema,
  totalStock: Type.Integer({ minimum: 0 }),
  variantCount: Type.Integer({ minimum: 1 }),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema
}, { additionalProperties: false })
export type AdminProductSummary = Static<typeof AdminProductSummarySchema>

export const AdminProductPageSchema = PageSchema(AdminProductSummarySchema)

export const AdminProductQuerySchema = Type.Object({
  status: Type.Optional(ProductStatusSchema),
  category: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
  brand: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 120 }), { maxItems: 20 })),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 }))
}, { additionalProperties: false })
export type AdminProductQuery = Static<typeof AdminProductQuerySchema>

/** A price in the shop's currency; another currency is refused. */
export const PriceInputSchema = Type.Object({
  amount: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }),
  currency: CurrencySchema
}, { additionalProperties: false })
export type PriceInput = Static<typeof PriceInputSchema>

const InputWeightSchema = Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000 }))
const VariantTitleSchema = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' })

export const CreateVariantRequestSchema = Type.Object({
  sku: SkuSchema,
  title: Type.Optional(VariantTitleSchema),
  optionValues: Type.Optional(OptionValuesSchema),
  price: PriceInputSchema,
  compareAtPrice: Type.Optional(Nullable(PriceInputSchema)),
  stock: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  weightGrams: Type.Optional(InputWeightSchema)
}, { additionalProperties: false })
export type CreateVariantRequest = Static<typeof CreateVariantRequestSchema>

export const UpdateVariantRequestSchema = Type.Object({
  sku: Type.Optional(SkuSchema),
  title: Type.Optional(VariantTitleSchema),
  optionValues: Type.Optional(OptionValuesSchema),
  price: Type.Optional(PriceInputSchema),
  compareAtPrice: Type.Optional(Nullable(PriceInputSchema)),
  weightGrams: Type.Optional(InputWeightSchema)
}, { additionalProperties: false, minProperties: 1 })
export type UpdateVariantRequest = Static<typeof UpdateVariantRequestSchema>

const productInputFields = {
  slug: Type.Optional(SlugSchema),
  description: Type.Optional(OptionalDescriptionSchema),
  status: Type.Optional(ProductStatusSchema),
  categoryId: Type.Optional(Nullable(IdSchema)),
  brandId: Type.Optional(Nullable(IdSchema)),
  tags: Type.Optional(Type.Array(TagSchema, { maxItems: 30 })),
  attributes: Type.Optional(Type.Array(ProductAttributeSchema, { maxItems: 50 })),
  options: Type.Optional(Type.Array(ProductOptionSchema, { maxItems: 3 }))
}

export const CreateProductRequestSchema = Type.Object({
  name: CatalogNameSchema,
  ...productInputFields,
  variants: Type.Array(CreateVariantRequestSchema, { minItems: 1, maxItems: 100 })
}, { additionalProperties: false })
export type CreateProductRequest = Static<typeof CreateProductRequestSchema>

export const UpdateProductRequestSchema = Type.Object({
  name: Type.Optional(CatalogNameSchema),
  ...productInputFields
}, { additionalProperties: false, minProperties: 1 })
export type UpdateProductRequest = Static<typeof UpdateProductRequestSchema>

export const VariantParamsSchema = Type.Object({ id: IdSchema, variantId: IdSchema })
