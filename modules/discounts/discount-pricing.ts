import { allocateProportionally } from '../../plugins/money.js'
import type { Discount } from './discount.entity.js'

/** Why an applied code takes nothing off now, in the order they are checked. */
export const DISCOUNT_REASONS = ['INACTIVE', 'NOT_STARTED', 'EXPIRED', 'USED_UP', 'ALREADY_USED', 'MINIMUM_NOT_REACHED', 'NOTHING_ELIGIBLE'] as const
export type DiscountReason = typeof DISCOUNT_REASONS[number]

/** A cart line as a discount sees it: what it is, where it sits in the catalog, and what it costs. */
export interface DiscountLine {
  id: string
  productId: string
  categoryId: string | null
  lineTotal: number
}

export interface DiscountBasis {
  /** The purchasable lines. */
  lines: DiscountLine[]
  now: Date
  /** The customer's uses not given back; null for a guest (whose limit is checked once signed in). */
  customerUses: number | null
  /** The discount's categories and everything below them. */
  eligibleCategoryIds: ReadonlySet<string>
}

/** What a code takes off a cart: per line (adding up to `amount` exactly), or why nothing. */
export interface DiscountOutcome {
  code: string
  applies: boolean
  reason: DiscountReason | null
  amount: number
  freeShipping: boolean
  lines: Array<{ lineId: string, amount: number }>
}

/** Half up to the minor unit, in integers: `percentage` of `lineTotal`. */
export function percentOf (lineTotal: number, percentage: number): number {
  return Math.floor((lineTotal * percentage + 50) / 100)
}

function refusal (discount: Discount, basis: DiscountBasis, subtotal: number): DiscountReason | null {
  if (!discount.active) return 'INACTIVE'
  if (discount.startsAt != null && basis.now < discount.startsAt) return 'NOT_STARTED'
  if (discount.endsAt != null && basis.now >= discount.endsAt) return 'EXPIRED'
  if (discount.usageLimit != null && discount.usedCount >= discount.usageLimit) return 'USED_UP'
  if (basis.customerUses !== null && discount.perCustomerLimit != null && basis.customerUses >= discount.perCustomerLimit) return 'ALREADY_USED'
  if (discount.minimumSubtotal != null && subtotal < discount.minimumSubtotal) return 'MINIMUM_NOT_REACHED'
  return null
}

/** The lines a discount applies to: every one when it names no products or categories. */
function eligibleLines (discount: Discount, basis: DiscountBasis): DiscountLine[] {
  if (discount.productIds.length === 0 && discount.categoryIds.length === 0) return basis.lines
  return basis.lines.filter((line) => discount.productIds.includes(line.productId) || (line.categoryId !== null && basis.eligibleCategoryIds.has(line.categoryId)))
}

/**
 * What `discount` takes off these lines now. A percentage is taken off each eligible line, rounded half up;
 * a fixed amount is capped at what the eligible lines cost and split across them in proportion to their
 * totals, so the parts add up to it exactly; free shipping takes nothing off the lines. `usedCount` is the
 * uses before this one.
 */
export function priceDiscount (discount: Discount, basis: DiscountBasis): DiscountOutcome {
  const subtotal = basis.lines.reduce((sum, line) => sum + line.lineTotal, 0)
  const none = (reason: DiscountReason): DiscountOutcome => ({ code: discount.code, applies: false, reason, amount: 0, freeShipping: false, lines: [] })
  const refused = refusal(discount, basis, subtotal)
  if (refused !== null) return none(refused)
  const eligible = eligibleLines(discount, basis)
  if (eligible.length === 0) return none('NOTHING_ELIGIBLE')
  if (discount.kind === 'FREE_SHIPPING') return { code: discount.code, applies: true, reason: null, amount: 0, freeShipping: true, lines: [] }
  const amounts = discount.kind === 'PERCENTAGE'
    ? eligible.map((line) => percentOf(line.lineTotal, discount.percentage ?? 0))
    : allocateProportionally(Math.min(discount.amount ?? 0, eligible.reduce((sum, line) => sum + line.lineTotal, 0)), eligible.map((line) => line.lineTotal))
  const lines = eligible.map((line, index) => ({ lineId: line.id, amount: amounts[index] ?? 0 })).filter((line) => line.amount > 0)
  return { code: discount.code, applies: true, reason: null, amount: lines.reduce((sum, line) => sum + line.amount, 0), freeShipping: false, lines }
}
