import { ProblemError, problemForConstraint } from '../../plugins/problem.js'
import type { DiscountReason } from './discount-pricing.js'

export const discountNotFound = (): ProblemError =>
  new ProblemError(404, 'NOT_FOUND', 'No discount code has this id.')

export const codeNotFound = (): ProblemError =>
  new ProblemError(404, 'DISCOUNT_NOT_FOUND', 'No discount code is valid under this name: check its spelling.')

export const codeTaken = (): ProblemError =>
  new ProblemError(409, 'DISCOUNT_CODE_TAKEN', 'Another discount has this code (codes are case-insensitive).')

export const discountInUse = (): ProblemError =>
  new ProblemError(409, 'DISCOUNT_IN_USE', 'Orders used this code, and keep their record of it: turn it off with `active: false` instead.')

const REASON_DETAILS: Record<DiscountReason, string> = {
  INACTIVE: 'has been turned off',
  NOT_STARTED: 'cannot be used yet',
  EXPIRED: 'has expired',
  USED_UP: 'has been used as many times as it may',
  ALREADY_USED: 'has been used by you as many times as it may',
  MINIMUM_NOT_REACHED: 'needs a higher subtotal',
  NOTHING_ELIGIBLE: 'applies to nothing in the cart'
}

/** At checkout: the cart's code no longer applies. Nothing was written. */
export const discountNotApplicable = (code: string, reason: DiscountReason, cart: unknown): ProblemError =>
  new ProblemError(409, 'DISCOUNT_NOT_APPLICABLE', `The code ${code} ${REASON_DETAILS[reason]}: remove it (DELETE /api/v1/cart/discount) or change the cart, and check out again.`, { extensions: { reason, cart } })

problemForConstraint('discounts_normalized_code_unique', codeTaken)
problemForConstraint('discount_redemptions_discount_id_foreign', discountInUse)
