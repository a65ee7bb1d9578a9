import type { EntityManager } from '@mikro-orm/postgresql'
import { sql } from 'kysely'
import { ConflictRetry } from '../../plugins/db/retry.js'
import { categoriesAndDescendants } from '../catalog/category.service.js'
import { Discount as DiscountEntity, DiscountRedemption } from './discount.entity.js'
import { priceDiscount, type DiscountLine, type DiscountOutcome } from './discount-pricing.js'
import { normalizeCode } from './discount.service.js'
import { codeNotFound, discountNotApplicable } from './discounts.errors.js'

/** The active discount a customer typed the code of (any case): what a cart may hold. */
export async function findActiveCode (em: EntityManager, code: string): Promise<string> {
  const discount = await em.findOne(DiscountEntity, { normalizedCode: normalizeCode(code), active: true }, { fields: ['id'] })
  if (discount === null) throw codeNotFound()
  return discount.id
}

async function usesBy (em: EntityManager, discountId: string, customerId: string): Promise<number> {
  return await em.count(DiscountRedemption, { discount: discountId, customer: customerId, releasedAt: null })
}

async function outcomeFor (em: EntityManager, discount: DiscountEntity, customerId: string | null, lines: DiscountLine[]): Promise<DiscountOutcome> {
  return priceDiscount(discount, {
    lines,
    now: new Date(),
    customerUses: customerId === null || discount.perCustomerLimit == null ? null : await usesBy(em, discount.id, customerId),
    eligibleCategoryIds: await categoriesAndDescendants(em, discount.categoryIds)
  })
}

/** What the cart's code takes off its purchasable lines now, or why nothing; null when the code is gone. */
export async function priceCartDiscount (em: EntityManager, discountId: string, customerId: string | null, lines: DiscountLine[]): Promise<DiscountOutcome | null> {
  const discount = await em.findOne(DiscountEntity, { id: discountId })
  return discount === null ? null : await outcomeFor(em, discount, customerId, lines)
}

/** A discount checkout is about to redeem: what it takes off, on the terms of `version`. */
export interface DiscountUse {
  discountId: string
  version: number
  outcome: DiscountOutcome
}

/**
 * For checkout, in its transaction: prices the cart's lines with the code as it is now. No lock is taken on
 * the code (its use is taken last, by `takeDiscountUse`); the customer's own uses are counted under the
 * customer's cart lock, which every checkout of theirs holds.
 */
export async function priceCheckoutDiscount (tx: EntityManager, discountId: string, customerId: string, lines: DiscountLine[]): Promise<DiscountUse> {
  const discount = await tx.findOne(DiscountEntity, { id: discountId }, { refresh: true })
  // Deleted since the cart was read: the cart no longer holds it when checkout runs again.
  if (discount === null) throw new ConflictRetry('The discount code was deleted while checking out; try again.')
  return { discountId, version: discount.version, outcome: await outcomeFor(tx, discount, customerId, lines) }
}

/** Checkout's refusal of a code that does not apply, with the cart as it is priced with it (`cartWith`). */
export function assertDiscountApplies (use: DiscountUse, cartWith: (outcome: DiscountOutcome) => unknown): void {
  if (!use.outcome.applies) throw discountNotApplicable(use.outcome.code, use.outcome.reason ?? 'INACTIVE', cartWith(use.outcome))
}

/**
 * Takes the order's use of the code and records it, last in checkout's transaction (the code's row is then
 * locked for as little as can be): one conditional UPDATE that never passes the usage limit, on the terms the
 * cart was priced with. Used up meanwhile: the refusal, and nothing is written. Terms changed meanwhile by
 * staff: checkout runs again, priced anew.
 */
export async function takeDiscountUse (tx: EntityManager, use: DiscountUse, customerId: string, orderId: string, cartWith: (outcome: DiscountOutcome) => unknown): Promise<void> {
  const { numAffectedRows } = await sql`update discounts set used_count = used_count + 1
     where id = ${use.discountId} and version = ${use.version} and (usage_limit is null or used_count < usage_limit)`.execute(tx.getKysely())
  if (Number(numAffectedRows ?? 0) !== 1) {
    const { rows: [now] } = await sql<{ version: number }>`select version from discounts where id = ${use.discountId}`.execute(tx.getKysely())
    if (now?.version !== use.version) throw new ConflictRetry('The discount code changed while checking out; try again.')
    const refused: DiscountOutcome = { code: use.outcome.code, applies: false, reason: 'USED_UP', amount: 0, freeShipping: false, lines: [] }
    assertDiscountApplies({ ...use, outcome: refused }, cartWith)
  }
  tx.create(DiscountRedemption, { discount: use.discountId, customer: customerId, orderId, amount: use.outcome.amount, releasedAt: null })
}

/** A cancelled order gives its use back, once: it counts no more in the code's limit or the customer's. */
export async function releaseRedemption (tx: EntityManager, orderId: string): Promise<void> {
  await sql`with released as (
      update discount_redemptions set released_at = now() where order_id = ${orderId} and released_at is null returning discount_id
    ) update discounts set used_count = used_count - 1 where id in (select discount_id from released)`.execute(tx.getKysely())
}
