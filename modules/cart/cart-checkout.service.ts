import type { EntityManager } from '@mikro-orm/postgresql'
import type { DiscountLine } from '../discounts/discounts.contract.js'
import { CartLine as CartLineEntity } from './cart.entity.js'
import { cartEmpty, productUnavailable } from './cart.errors.js'
import { findPricedLines, lockAndTouchCart, setCartDiscount, type CartRow, type PricedLineRow } from './cart.repository.js'

/** The lines a discount code prices: those still sold. */
export function discountLinesOf (rows: PricedLineRow[]): DiscountLine[] {
  return rows
    .filter((row) => row.product_status === 'ACTIVE')
    .map((row) => ({ id: row.id, productId: row.product_id, categoryId: row.category_id, lineTotal: row.price * row.quantity }))
}

/** A cart as checkout takes it: locked, priced now, and checked to be sellable. */
export interface CheckoutCart {
  cart: CartRow
  lines: PricedLineRow[]
  subtotal: number
}

/**
 * For checkout: the customer's cart, locked until the transaction ends (a concurrent change waits, then
 * finds it emptied) with its idle clock moved, priced from the catalog. An empty cart is `CART_EMPTY`, a line no longer sold
 * `PRODUCT_UNAVAILABLE`.
 */
export async function lockCartForCheckout (tx: EntityManager, customerId: string): Promise<CheckoutCart> {
  const cart = await lockAndTouchCart(tx, { customerId })
  if (cart === undefined) throw cartEmpty()
  const lines = await findPricedLines(tx, cart.id)
  if (lines.length === 0) throw cartEmpty()
  const unsold = lines.filter((line) => line.product_status !== 'ACTIVE')
  if (unsold.length > 0) throw productUnavailable(unsold.map((line) => ({ variantId: line.variant_id, productName: line.product_name })))
  return { cart, lines, subtotal: lines.reduce((sum, line) => sum + line.price * line.quantity, 0) }
}

/** After checkout (under `lockCartForCheckout`'s lock): the cart is empty, its lines' ids gone with them, and its code too. */
export async function emptyCart (tx: EntityManager, cart: CartRow): Promise<void> {
  await tx.nativeDelete(CartLineEntity, { cart: cart.id })
  if (cart.discount_id !== null) await setCartDiscount(tx, cart.id, null)
}
