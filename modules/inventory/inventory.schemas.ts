import { Type, type Static } from '@sinclair/typebox'
import { IdSchema, Nullable, PageSchema, StringEnum, TimestampSchema } from '../../openapi/shared.schemas.js'
import { ActorSchema } from '../auth/auth.contract.js'
import { PRODUCT_STATUSES } from '../catalog/product.entity.js'
import { STOCK_ADJUSTMENT_KINDS } from '../catalog/stock-adjustment.entity.js'

/** Mirrors of openapi/components/orders.yaml: stock adjustments and low stock. */

export const StockAdjustmentRequestSchema = Type.Object({
  change: Type.Optional(Type.Integer({ minimum: -1_000_000, maximum: 1_000_000, not: { const: 0 } })),
  setTo: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  reason: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S' })
}, { additionalProperties: false })
export type StockAdjustmentRequest = Static<typeof StockAdjustmentRequestSchema>

export const StockAdjustmentSchema = Type.Object({
  id: IdSchema,
  variantId: IdSchema,
  kind: StringEnum(STOCK_ADJUSTMENT_KINDS),
  before: Type.Integer({ minimum: 0 }),
  after: Type.Integer({ minimum: 0 }),
  change: Type.Integer(),
  reason: Type.String(),
  orderId: Nullable(IdSchema),
  actor: ActorSchema,
  createdAt: TimestampSchema
}, { additionalProperties: false })
export type StockAdjustment = Static<typeof StockAdjustmentSchema>

export const StockAdjustmentPageSchema = PageSchema(StockAdjustmentSchema)

export const LowStockVariantSchema = Type.Object({
  variantId: IdSchema,
  sku: Type.String(),
  variantTitle: Type.String(),
  productId: IdSchema,
  productName: Type.String(),
  productStatus: StringEnum(PRODUCT_STATUSES),
  stock: Type.Integer({ minimum: 0 })
}, { additionalProperties: false })
export type LowStockVariant = Static<typeof LowStockVariantSchema>

export const LowStockPageSchema = Type.Object({
  threshold: Type.Integer(),
  items: Type.Array(LowStockVariantSchema),
  nextCursor: Nullable(Type.String())
}, { additionalProperties: false })
export type LowStockPage = Static<typeof LowStockPageSchema>
