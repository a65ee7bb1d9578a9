import { Type, type Static } from '@sinclair/typebox'
import { IdSchema, MoneySchema, Nullable, SlugSchema, TimestampSchema } from '../../openapi/shared.schemas.js'
import { ImageRefSchema } from '../catalog/catalog.contract.js'
import { DiscountReasonSchema } from '../discounts/discounts.contract.js'

/** Mirrors of openapi/components/orders.yaml: the cart. */

export const CartLineSchema = Type.Object({
  id: IdSchema,
  variantId: IdSchema,
  productId: IdSchema,
  productSlug: SlugSchema,
  productName: Type.String(),
  variantTitle: Type.String(),
  sku: Type.String(),
  image: Nullable(ImageRefSchema),
  unitPrice: MoneySchema,
  addedUnitPrice: MoneySchema,
  priceChanged: Type.Boolean(),
  quantity: Type.Integer({ minimum: 1 }),
  lineTotal: MoneySchema,
  purchasable: Type.Boolean(),
  stockShort: Type.Boolean()
}, { additionalProperties: false })
export type CartLine = Static<typeof CartLineSchema>

export const CartDiscountSchema = Type.Object({
  code: Type.String(),
  applies: Type.Boolean(),
  reason: Nullable(DiscountReasonSchema),
  amount: MoneySchema,
  freeShipping: Type.Boolean(),
  lines: Type.Array(Type.Object({ lineId: IdSchema, amount: MoneySchema }, { additionalProperties: false }))
}, { additionalProperties: false })
export type CartDiscount = Static<typeof CartDiscountSchema>

export const CartSchema = Type.Object({
  id: IdSchema,
  items: Type.Array(CartLineSchema),
  itemCount: Type.Integer({ minimum: 0 }),
  subtotal: MoneySchema,
  discount: Nullable(CartDiscountSchema),
  total: MoneySchema,
  updatedAt: TimestampSchema,
  expiresAt: TimestampSchema
}, { additionalProperties: false })
export type Cart = Static<typeof CartSchema>

export const GuestCartSchema = Type.Object({ cartToken: Type.String(), cart: CartSchema }, { additionalProperties: false })
export type GuestCart = Static<typeof GuestCartSchema>

export const AddCartItemRequestSchema = Type.Object({
  variantId: IdSchema,
  quantity: Type.Integer({ minimum: 1, maximum: 1000 })
}, { additionalProperties: false })
export type AddCartItemRequest = Static<typeof AddCartItemRequestSchema>

export const UpdateCartItemRequestSchema = Type.Object({
  quantity: Type.Integer({ minimum: 0, maximum: 1000 })
}, { additionalProperties: false })
export type UpdateCartItemRequest = Static<typeof UpdateCartItemRequestSchema>

export const MergeCartRequestSchema = Type.Object({
  cartToken: Type.String({ minLength: 1, maxLength: 200 })
}, { additionalProperties: false })

export const CartItemParamsSchema = Type.Object({ itemId: IdSchema })

export const CartTokenHeadersSchema = Type.Object({ 'x-cart-token': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) })
