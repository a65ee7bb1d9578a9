import { defineEntity, p } from '@mikro-orm/core'
import { uuidv7 } from 'uuidv7'
import { actorProperties } from '../auth/user.entity.js'
import { VariantSchema } from './variant.entity.js'

export const STOCK_ADJUSTMENT_KINDS = ['INITIAL', 'MANUAL', 'CHECKOUT', 'CANCELLATION', 'RETURN'] as const
export type StockAdjustmentKind = typeof STOCK_ADJUSTMENT_KINDS[number]

/**
 * One change of a variant's stock: its stock history, kept with the variant. Staff adjustments, sales,
 * cancellations and returns each write one (the inventory, checkout and orders modules); `orderId` names
 * the order behind the last three.
 */
export const StockAdjustmentSchema = defineEntity({
  name: 'StockAdjustment',
  tableName: 'stock_adjustments',
  indexes: [{ name: 'stock_adjustments_variant_newest', properties: ['variant', 'id'] }],
  properties: {
    id: p.uuid().primary().onCreate(() => uuidv7()),
    variant: () => p.manyToOne(VariantSchema).deleteRule('cascade'),
    kind: p.enum(STOCK_ADJUSTMENT_KINDS),
    before: p.integer(),
    after: p.integer(),
    reason: p.string().length(500),
    orderId: p.uuid().nullable().index(),
    ...actorProperties,
    createdAt: p.datetime().onCreate(() => new Date())
  }
})

export class StockAdjustment extends StockAdjustmentSchema.class {}

StockAdjustmentSchema.setClass(StockAdjustment)
