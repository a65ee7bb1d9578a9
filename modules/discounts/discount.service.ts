import { LockMode, type EntityManager } from '@mikro-orm/postgresql'
import { sql } from 'kysely'
import { retryOnConflict } from '../../plugins/db/retry.js'
import type { Page } from '../../openapi/shared.schemas.js'
import { findPage } from '../../plugins/pagination.js'
import { amountIn, money } from '../../plugins/money.js'
import { invalidField } from '../../plugins/problem.js'
import { textOrNull } from '../../plugins/validation.js'
import { assertIfMatch, type Versioned } from '../../plugins/resource-headers.js'
import { Category } from '../catalog/category.entity.js'
import { Product } from '../catalog/product.entity.js'
import { Discount as DiscountEntity, DiscountRedemption } from './discount.entity.js'
import type { CreateDiscountRequest, DiscountQuery, DiscountView, UpdateDiscountRequest } from './discount.schemas.js'
import { codeTaken, discountInUse, discountNotFound } from './discounts.errors.js'

export interface DiscountSettings {
  /** The shop's currency: every amount is in it. */
  currency: string
}

/** Codes are compared in upper case, without surrounding spaces. */
export function normalizeCode (code: string): string {
  return code.trim().toUpperCase()
}

export function toDiscount (settings: DiscountSettings, discount: DiscountEntity): DiscountView {
  return {
    id: discount.id,
    code: discount.code,
    description: discount.description ?? null,
    kind: discount.kind,
    percentage: discount.percentage ?? null,
    amount: discount.amount == null ? null : money(settings.currency, discount.amount),
    minimumSubtotal: discount.minimumSubtotal == null ? null : money(settings.currency, discount.minimumSubtotal),
    startsAt: discount.startsAt?.toISOString() ?? null,
    endsAt: discount.endsAt?.toISOString() ?? null,
    categoryIds: [...discount.categoryIds],
    productIds: [...discount.productIds],
    usageLimit: discount.usageLimit ?? null,
    perCustomerLimit: discount.perCustomerLimit ?? null,
    usedCount: discount.usedCount,
    active: discount.active,
    createdAt: discount.createdAt.toISOString(),
    updatedAt: discount.updatedAt.toISOString()
  }
}

const versioned = (settings: DiscountSettings, discount: DiscountEntity): Versioned<DiscountView> => ({ resource: toDiscount(settings, discount), version: discount.version })

/** Each id must name a row of `entity`: the unknown ones are listed as field errors. */
async function assertAllExist (em: EntityManager, entity: typeof Category | typeof Product, ids: string[] | undefined, pointer: string): Promise<void> {
  if (ids === undefined || ids.length === 0) return
  const rows = entity === Category
    ? await em.find(Category, { id: { $in: ids } }, { fields: ['id'] })
    : await em.find(Product, { id: { $in: ids } }, { fields: ['id'] })
  const known = new Set(rows.map((row) => row.id))
  const index = ids.findIndex((id) => !known.has(id))
  if (index >= 0) throw invalidField(`${pointer}/${index}`, `names no ${entity === Category ? 'category' : 'product'}`)
}

function fieldsOf (settings: DiscountSettings, input: UpdateDiscountRequest): Partial<DiscountEntity> {
  const amountOf = (value: { amount: number, currency: string } | null | undefined, pointer: string): number | null | undefined =>
    value == null ? value : amountIn(settings.currency, value, pointer)
  const instant = (value: string | null | undefined): Date | null | undefined => value == null ? value : new Date(value)
  const entries: Partial<DiscountEntity> = {
    code: input.code?.trim(),
    normalizedCode: input.code === undefined ? undefined : normalizeCode(input.code),
    description: input.description === undefined ? undefined : textOrNull(input.description),
    kind: input.kind,
    percentage: input.percentage,
    amount: amountOf(input.amount, '/body/amount'),
    minimumSubtotal: amountOf(input.minimumSubtotal, '/body/minimumSubtotal'),
    startsAt: instant(input.startsAt),
    endsAt: instant(input.endsAt),
    categoryIds: input.categoryIds,
    productIds: input.productIds,
    usageLimit: input.usageLimit,
    perCustomerLimit: input.perCustomerLimit,
    active: input.active
  }
  return Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined)) as Partial<DiscountEntity>
}

/** The rules a discount must keep whatever was changed: each kind with its own value, and a window that ends after it starts. */
function assertConsistent (discount: DiscountEntity): void {
  if (discount.kind === 'PERCENTAGE' && discount.percentage == null) throw invalidField('/body/percentage', 'is required with kind PERCENTAGE')
  if (discount.kind !== 'PERCENTAGE' && discount.percentage != null) throw invalidField('/body/percentage', 'is only for kind PERCENTAGE')
  if (discount.kind === 'FIXED_AMOUNT' && discount.amount == null) throw invalidField('/body/amount', 'is required with kind FIXED_AMOUNT')
  if (discount.kind !== 'FIXED_AMOUNT' && discount.amount != null) throw invalidField('/body/amount', 'is only for kind FIXED_AMOUNT')
  if (discount.startsAt != null && discount.endsAt != null && discount.endsAt <= discount.startsAt) throw invalidField('/body/endsAt', 'must be after startsAt')
}

async function assertCodeFree (em: EntityManager, normalizedCode: string, exceptId?: string): Promise<void> {
  const taken = await em.findOne(DiscountEntity, { normalizedCode }, { fields: ['id'] })
  if (taken !== null && taken.id !== exceptId) throw codeTaken()
}

export async function listDiscounts (em: EntityManager, settings: DiscountSettings, query: DiscountQuery): Promise<Page<DiscountView>> {
  const prefix = query.q === undefined ? undefined : normalizeCode(query.q).replace(/[\\%_]/g, (character) => `\\${character}`)
  const where = {
    ...(query.active === undefined ? {} : { active: query.active }),
    ...(prefix === undefined ? {} : { normalizedCode: { $like: `${prefix}%` } })
  }
  return await findPage(em, DiscountEntity, where, query, (discount) => toDiscount(settings, discount))
}

export async function getDiscount (em: EntityManager, settings: DiscountSettings, id: string): Promise<Versioned<DiscountView>> {
  const discount = await em.findOne(DiscountEntity, { id })
  if (discount === null) throw discountNotFound()
  return versioned(settings, discount)
}

export async function createDiscount (em: EntityManager, settings: DiscountSettings, input: CreateDiscountRequest): Promise<Versioned<DiscountView>> {
  await assertAllExist(em, Category, input.categoryIds, '/body/categoryIds')
  await assertAllExist(em, Product, input.productIds, '/body/productIds')
  await assertCodeFree(em, normalizeCode(input.code))
  const discount = em.create(DiscountEntity, {
    categoryIds: [], productIds: [], usedCount: 0, active: true, percentage: null, amount: null, ...fieldsOf(settings, input)
  } as unknown as DiscountEntity)
  assertConsistent(discount)
  await em.flush()
  return versioned(settings, discount)
}

/** Changes what staff send; with `If-Match`, only the version they saw. Uses taken so far stay counted. */
export async function updateDiscount (em: EntityManager, settings: DiscountSettings, id: string, input: UpdateDiscountRequest, ifMatch?: string): Promise<Versioned<DiscountView>> {
  await assertAllExist(em, Category, input.categoryIds, '/body/categoryIds')
  await assertAllExist(em, Product, input.productIds, '/body/productIds')
  return await em.transactional(async (tx) => {
    // Locked: a checkout taking a use of it waits, and then sees the new terms.
    const discount = await tx.findOne(DiscountEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE })
    if (discount === null) throw discountNotFound()
    assertIfMatch(ifMatch, discount.version)
    if (input.code !== undefined) await assertCodeFree(tx, normalizeCode(input.code), id)
    // A new kind drops the old kind's value unless it is sent (and then must be valid for the new kind).
    const dropped = input.kind === undefined || input.kind === discount.kind ? {} : { percentage: null, amount: null }
    tx.assign(discount, { ...dropped, ...fieldsOf(settings, input) })
    assertConsistent(discount)
    await tx.flush()
    return versioned(settings, discount)
  })
}

/**
 * Only a code no order ever used; carts holding it lose it. The carts are let go first, as checkout locks
 * them: a cart, then the code.
 */
export async function deleteDiscount (em: EntityManager, id: string): Promise<void> {
  await retryOnConflict(em, async (tx) => {
    if (await tx.count(DiscountRedemption, { discount: id }) > 0) throw discountInUse()
    await sql`update carts set discount_id = null where discount_id = ${id}`.execute(tx.getKysely())
    if (await tx.nativeDelete(DiscountEntity, { id }) === 0) throw discountNotFound()
  })
}
