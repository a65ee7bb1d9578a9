/** What other modules show of discounts: the code a cart is given, and why one does not apply. */
export { ApplyDiscountRequestSchema, DiscountReasonSchema } from './discount.schemas.js'
export type { DiscountOutcome, DiscountLine } from './discount-pricing.js'
