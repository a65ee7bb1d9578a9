import { Type, type Static } from '@sinclair/typebox'
import { CurrencySchema, IdSchema, MoneySchema, Nullable, PageSchema, StringEnum, TimestampSchema } from '../../openapi/shared.schemas.js'
import { PriceInputSchema } from '../catalog/catalog.contract.js'
import { DISCOUNT_KINDS } from './discount.entity.js'
import { DISCOUNT_REASONS } from './discount-pricing.js'

/** Mirrors of openapi/components/discounts.yaml. */

export const DiscountKindSchema = StringEnum(DISCOUNT_KINDS)
export const DiscountReasonSchema = StringEnum(DISCOUNT_REASONS)
export const DiscountCodeSchema = Type.String({ minLength: 3, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })

export const DiscountSchema = Type.Object({
  id: IdSchema,
  code: DiscountCodeSchema,
  description: Nullable(Type.String()),
  kind: DiscountKindSchema,
  percentage: Nullable(Type.Integer({ minimum: 1, maximum: 100 })),
  amount: Nullable(MoneySchema),
  minimumSubtotal: Nullable(MoneySchema),
  startsAt: Nullable(TimestampSchema),
  endsAt: Nullable(TimestampSchema),
  categoryIds: Type.Array(IdSchema),
  productIds: Type.Array(IdSchema),
  usageLimit: Nullable(Type.Integer({ minimum: 1 })),
  perCustomerLimit: Nullable(Type.Integer({ minimum: 1 })),
  usedCount: Type.Integer({ minimum: 0 }),
  active: Type.Boolean(),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema
}, { additionalProperties: false })
export type DiscountView = Static<typeof DiscountSchema>

export const DiscountPageSchema = PageSchema(DiscountSchema)

const DiscountAmountInputSchema = Type.Object({
  amount: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
  currency: CurrencySchema
}, { additionalProperties: false })

/** What a discount may be given besides its code and kind, each optional in a request. */
const optionalFields = Type.Partial(Type.Object({
  description: Nullable(Type.String({ maxLength: 500 })),
  percentage: Nullable(Type.Integer({ minimum: 1, maximum: 100 })),
  amount: Nullable(DiscountAmountInputSchema),
  minimumSubtotal: Nullable(PriceInputSchema),
  startsAt: Nullable(TimestampSchema),
  endsAt: Nullable(TimestampSchema),
  categoryIds: Type.Array(IdSchema, { maxItems: 100, uniqueItems: true }),
  productIds: Type.Array(IdSchema, { maxItems: 1000, uniqueItems: true }),
  usageLimit: Nullable(Type.Integer({ minimum: 1, maximum: 1_000_000_000 })),
  perCustomerLimit: Nullable(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  active: Type.Boolean()
})).properties

export const CreateDiscountRequestSchema = Type.Object({
  code: DiscountCodeSchema,
  kind: DiscountKindSchema,
  ...optionalFields
}, { additionalProperties: false })
export type CreateDiscountRequest = Static<typeof CreateDiscountRequestSchema>

export const UpdateDiscountRequestSchema = Type.Object({
  code: Type.Optional(DiscountCodeSchema),
  kind: Type.Optional(DiscountKindSchema),
  ...optionalFields
}, { additionalProperties: false, minProperties: 1 })
export type UpdateDiscountRequest = Static<typeof UpdateDiscountRequestSchema>

export const DiscountQuerySchema = Type.Object({
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  active: Type.Optional(Type.Boolean()),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 }))
}, { additionalProperties: false })
export type DiscountQuery = Static<typeof DiscountQuerySchema>

export const ApplyDiscountRequestSchema = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 64 })
}, { additionalProperties: false })
export type ApplyDiscountRequest = Static<typeof ApplyDiscountRequestSchema>
