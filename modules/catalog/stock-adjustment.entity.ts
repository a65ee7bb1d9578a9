import { defineEntity, p } from '@mikro-orm/core'
import { uuidv7 } from 'uuidv7'
import type { EntityManager } from '@mikro-orm/postgresql'
import { actorProperties, type Actor } from '../auth/user.entity.js'
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

/** The first entry of a new variant's history: the stock it was created with (none for an empty one). */
export function recordInitialStock (tx: EntityManager, variant: { id: string, stock: number }, actor: Actor): void {
  if (variant.stock === 0) return
  tx.create(StockAdjustment, { variant: variant.id, kind: 'INITIAL', before: 0, after: variant.stock, reason: 'Initial stock', orderId: null, actorRole: actor.role, actor: actor.id })
}
