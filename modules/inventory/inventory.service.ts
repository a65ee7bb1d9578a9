import type { EntityManager } from '@mikro-orm/postgresql'
import { sql } from 'kysely'
import { invalidField } from '../../plugins/problem.js'
import { ConflictRetry } from '../../plugins/db/retry.js'
import { lockRowsForChange } from '../../plugins/db/row-locks.js'
import { decodeCursor, encodeCursor } from '../../plugins/pagination.js'
import { assertIfMatch } from '../../plugins/resource-headers.js'
import { isUuid, type Page, type PageQuery } from '../../openapi/shared.schemas.js'
import type { Outbox } from '../../plugins/outbox.js'
import type { Actor } from '../auth/user.entity.js'
import { queueWebhookEvent } from '../webhooks/webhook.service.js'
import { Variant } from '../catalog/variant.entity.js'
import { StockAdjustment as StockAdjustmentEntity, type StockAdjustmentKind } from '../catalog/stock-adjustment.entity.js'
import { outOfStock, stockWouldGoNegative, variantNotFound, type ShortVariant } from './inventory.errors.js'
import type { LowStockPage, StockAdjustment, StockAdjustmentRequest } from './inventory.schemas.js'

export { outOfStock, type ShortVariant }

/** The most a variant's stock may hold: far above any real shelf, well inside the column's range. */
const MAX_STOCK = 1_000_000

export function toStockAdjustment (adjustment: StockAdjustmentEntity): StockAdjustment {
  return {
    id: adjustment.id,
    variantId: adjustment.variant.id,
    kind: adjustment.kind,
    before: adjustment.before,
    after: adjustment.after,
    change: adjustment.after - adjustment.before,
    reason: adjustment.reason,
    orderId: adjustment.orderId ?? null,
    actor: { role: adjustment.actorRole, id: adjustment.actor?.id ?? null },
    createdAt: adjustment.createdAt.toISOString()
  }
}

function record (tx: EntityManager, variantId: string, kind: StockAdjustmentKind, before: number, after: number, reason: string, actor: Actor, orderId: string | null = null): StockAdjustmentEntity {
  return tx.create(StockAdjustmentEntity, { variant: variantId, kind, before, after, reason, orderId, actorRole: actor.role, actor: actor.id })
}

/** Integrators hear when a variant's stock falls to LOW_STOCK_THRESHOLD or below (once per fall, not on every sale below it). */
export interface LowStockAlerts {
  threshold: number
  outbox: Outbox
}

interface StockFall {
  variantId: string
  productId: string
  sku: string
  before: number
  after: number
}

async function alertLowStock (tx: EntityManager, alerts: LowStockAlerts, falls: StockFall[]): Promise<void> {
  for (const fall of falls) {
    if (fall.before <= alerts.threshold || fall.after > alerts.threshold) continue
    await queueWebhookEvent(tx, alerts.outbox, {
      type: 'inventory.low_stock',
      data: { variantId: fall.variantId, productId: fall.productId, sku: fall.sku, stock: fall.after, threshold: alerts.threshold }
    })
  }
}

/** A variant as the caller priced it: what it is to take or give back, and the price and version it saw. */
export interface StockLine {
  variantId: string
  productId: string
  sku: string
  quantity: number
  price: number
  version: number
}

export interface StockTaken {
  /** Variants another transaction changed between the caller's pricing and the lock: resolved under the lock. */
  conflicts: number
}

interface LockedVariant {
  id: string
  stock: number
  price: number
  version: number
}

/**
 * Locks the rows stock changes touch, in the one order every writer uses: the products (their sales
 * counters; catalog edits lock a product before its variants), then the variants, each set by id, with
 * `FOR NO KEY UPDATE` (see plugins/db/row-locks.ts). Taken at the end of a transaction, so a best-selling
 * product is held only for the last few statements.
 */
async function lockForStockChange (tx: EntityManager, lines: StockLine[], soldChange: 1 | -1): Promise<{ variants: Map<string, LockedVariant>, inactiveProducts: Set<string> }> {
  const db = tx.getKysely()
  const units = new Map<string, number>()
  for (const line of lines) units.set(line.productId, (units.get(line.productId) ?? 0) + line.quantity)
  const productIds = [...units.keys()].sort()
  const { rows: products } = await sql<{ id: string, status: string }>`
    update products p set units_sold = greatest(0, p.units_sold + x.units)
      from (select unnest(${productIds}::uuid[]) as id, unnest(${productIds.map((id) => soldChange * (units.get(id) ?? 0))}::int[]) as units) x
     where p.id = x.id
    returning p.id, p.status`.execute(db)
  const variantIds = [...new Set(lines.map((line) => line.variantId))].sort()
  const { rows: variants } = await sql<LockedVariant>`
    select id, stock, price, version from variants where id = any(${variantIds}::uuid[]) order by id for no key update`.execute(db)
  return {
    variants: new Map(variants.map((variant) => [variant.id, variant])),
    inactiveProducts: new Set(products.filter((product) => product.status !== 'ACTIVE').map((product) => product.id))
  }
}

/** Writes the new stock of each locked variant, guarded by the version read under the lock. */
async function writeStock (tx: EntityManager, changes: Array<{ variant: LockedVariant, after: number }>): Promise<void> {
  const { numAffectedRows } = await sql`
    update variants v set stock = x.after, version = v.version + 1, updated_at = now()
      from (select unnest(${changes.map((change) => change.variant.id)}::uuid[]) as id,
                   unnest(${changes.map((change) => change.after)}::int[]) as after,
                   unnest(${changes.map((change) => change.variant.version)}::int[]) as version) x
     where v.id = x.id and v.version = x.version`.execute(tx.getKysely())
  if (Number(numAffectedRows ?? 0) !== changes.length) throw new ConflictRetry()
}

/**
 * Checkout's part: takes every line's units, or none. Under the row locks it re-checks what the caller
 * priced: a price that moved or a product no longer `ACTIVE` sends the whole checkout round again
 * (`ConflictRetry`), to be re-priced; stock that no longer covers a line is `OUT_OF_STOCK`, listing every
 * short variant. Each change is recorded against the order.
 */
export async function takeStock (tx: EntityManager, lines: StockLine[], order: { id: string, actor: Actor, reason: string }, alerts: LowStockAlerts): Promise<StockTaken> {
  const { variants, inactiveProducts } = await lockForStockChange(tx, lines, 1)
  const short: ShortVariant[] = []
  const changes: Array<{ variant: LockedVariant, after: number, line: StockLine }> = []
  let conflicts = 0
  for (const line of lines) {
    const variant = variants.get(line.variantId)
    if (variant === undefined || inactiveProducts.has(line.productId) || variant.price !== line.price) throw new ConflictRetry()
    if (variant.version !== line.version) conflicts++
    if (variant.stock < line.quantity) short.push({ variantId: line.variantId, sku: line.sku, requested: line.quantity, available: variant.stock })
    else changes.push({ variant, after: variant.stock - line.quantity, line })
  }
  if (short.length > 0) throw outOfStock(short)
  await writeStock(tx, changes)
  for (const { variant, after } of changes) record(tx, variant.id, 'CHECKOUT', variant.stock, after, order.reason, order.actor, order.id)
  await alertLowStock(tx, alerts, changes.map(({ variant, after, line }) => ({ variantId: variant.id, productId: line.productId, sku: line.sku, before: variant.stock, after })))
  return { conflicts }
}

/** Cancellations and accepted returns: the units go back on the shelf, recorded against the order. */
export async function returnStock (tx: EntityManager, lines: Array<Omit<StockLine, 'price' | 'version' | 'sku'>>, kind: 'CANCELLATION' | 'RETURN', order: { id: string, actor: Actor, reason: string }): Promise<void> {
  const wanted = lines.filter((line) => line.quantity > 0)
  if (wanted.length === 0) return
  const { variants } = await lockForStockChange(tx, wanted.map((line) => ({ ...line, sku: '', price: 0, version: 0 })), -1)
  const changes = wanted.flatMap((line) => {
    const variant = variants.get(line.variantId)
    return variant === undefined ? [] : [{ variant, after: Math.min(MAX_STOCK, variant.stock + line.quantity) }]
  })
  if (changes.length === 0) return
  await writeStock(tx, changes)
  for (const { variant, after } of changes) record(tx, variant.id, kind, variant.stock, after, order.reason, order.actor, order.id)
}

/**
 * Staff: adds or removes units, or sets the stock, with a reason. The variant's row is locked for the
 * change, so sales and adjustments never lose each other's updates; with `If-Match`, only if the variant is
 * still the version the caller saw.
 */
export async function adjustStock (em: EntityManager, alerts: LowStockAlerts, variantId: string, input: StockAdjustmentRequest, actor: Actor, ifMatch?: string): Promise<StockAdjustment> {
  if ((input.change === undefined) === (input.setTo === undefined)) throw invalidField('/body', 'must have exactly one of change and setTo')
  const adjustment = await em.transactional(async (tx) => {
    const [locked] = await lockRowsForChange(tx, 'variants', [variantId])
    const variant = locked === undefined ? null : await tx.findOne(Variant, { id: variantId }, { refresh: true })
    if (variant === null) throw variantNotFound()
    assertIfMatch(ifMatch, variant.version)
    const after = input.setTo ?? variant.stock + (input.change ?? 0)
    if (after < 0) throw stockWouldGoNegative(variant.stock)
    if (after > MAX_STOCK) throw invalidField(input.setTo === undefined ? '/body/change' : '/body/setTo', `would take the stock above ${MAX_STOCK}`)
    const before = variant.stock
    variant.stock = after
    await alertLowStock(tx, alerts, [{ variantId: variant.id, productId: variant.product.id, sku: variant.sku, before, after }])
    return record(tx, variant.id, 'MANUAL', before, after, input.reason.trim(), actor)
  })
  return toStockAdjustment(adjustment)
}

const beforeId = (position: Record<string, unknown>): string | undefined =>
  typeof position.before === 'string' && isUuid(position.before) ? position.before : undefined

/** A variant's stock history, newest first. */
export async function listStockAdjustments (em: EntityManager, variantId: string, query: PageQuery): Promise<Page<StockAdjustment>> {
  if (await em.count(Variant, { id: variantId }) === 0) throw variantNotFound()
  const limit = query.limit ?? 20
  const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor, beforeId)
  const rows = await em.find(StockAdjustmentEntity, { variant: variantId, ...(before === undefined ? {} : { id: { $lt: before } }) }, { orderBy: { id: 'desc' }, limit: limit + 1 })
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  return { items: page.map(toStockAdjustment), nextCursor: rows.length > limit && last !== undefined ? encodeCursor({ before: last.id }) : null }
}

const lowStockPosition = (position: Record<string, unknown>): { stock: number, id: string } | undefined =>
  Number.isInteger(position.stock) && typeof position.id === 'string' && isUuid(position.id) ? { stock: position.stock as number, id: position.id } : undefined

/** Variants of products that are not archived, at or under the threshold, the lowest stock first. */
export async function listLowStock (em: EntityManager, threshold: number, query: PageQuery): Promise<LowStockPage> {
  const limit = query.limit ?? 20
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, lowStockPosition)
  const { rows } = await sql<{ id: string, sku: string, title: string, stock: number, product_id: string, product_name: string, product_status: 'DRAFT' | 'ACTIVE' | 'ARCHIVED' }>`
    select v.id, v.sku, v.title, v.stock, p.id as product_id, p.name as product_name, p.status as product_status
      from variants v join products p on p.id = v.product_id
     where v.stock <= ${threshold} and p.status <> 'ARCHIVED'
       ${after === undefined ? sql`` : sql`and (v.stock, v.id) > (${after.stock}, ${after.id}::uuid)`}
     order by v.stock, v.id
     limit ${limit + 1}`.execute(em.getKysely())
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  return {
    threshold,
    items: page.map((row) => ({ variantId: row.id, sku: row.sku, variantTitle: row.title, productId: row.product_id, productName: row.product_name, productStatus: row.product_status, stock: row.stock })),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor({ stock: last.stock, id: last.id }) : null
  }
}
