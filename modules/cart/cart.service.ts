import { createHash, randomBytes } from 'node:crypto'
import type { EntityManager } from '@mikro-orm/postgresql'
import { sql } from 'kysely'
import { uuidv7 } from 'uuidv7'
import type { Money } from '../../openapi/shared.schemas.js'
import { money as moneyIn } from '../../plugins/money.js'
import { outOfStock } from '../inventory/inventory.service.js'
import type { DiscountOutcome } from '../discounts/discounts.contract.js'
import { findActiveCode, priceCartDiscount } from '../discounts/redemption.service.js'
import { Cart as CartEntity, CartLine as CartLineEntity } from './cart.entity.js'
import { cartFull, cartLineNotFound, cartNotFound, noCart, productUnavailable, quantityLimitExceeded, variantNotFound } from './cart.errors.js'
import { customerCart, findPricedLines, guestCart, lockAndTouchCart, lockCart, setCartDiscount, touchCart, type CartRow, type PricedLineRow } from './cart.repository.js'
import { discountLinesOf } from './cart-checkout.service.js'
import type { AddCartItemRequest, Cart, CartLine, GuestCart, UpdateCartItemRequest } from './cart.schemas.js'

/** What the cart's use cases need besides the EntityManager. */
export interface CartSettings {
  currency: string
  urlOf: (key: string) => string
  /** CART_MAX_LINE_QUANTITY */
  maxLineQuantity: number
  /** CART_TTL_DAYS */
  ttlDays: number
}

/** A cart holds at most this many lines. */
const MAX_LINES = 100

/** Whose cart a request is about: a signed-in customer's, or the guest's whose token it sends. */
export type CartOwner = { customerId: string } | { tokenHash: string }

export function cartSettingsFrom (config: { SHOP_CURRENCY: string, CART_MAX_LINE_QUANTITY: number, CART_TTL_DAYS: number }, urlOf: (key: string) => string): CartSettings {
  return { currency: config.SHOP_CURRENCY, urlOf, maxLineQuantity: config.CART_MAX_LINE_QUANTITY, ttlDays: config.CART_TTL_DAYS }
}

/** A signed-in customer's bearer token names their cart, and then any cart token is ignored; else the token does. */
export function cartOwnerOf (customerId: string | undefined, cartToken: string | undefined): CartOwner {
  if (customerId !== undefined) return { customerId }
  if (cartToken !== undefined) return { tokenHash: hashCartToken(cartToken) }
  throw noCart()
}

/** Guest cart tokens are kept only as their SHA-256: a copy of the database does not hand out carts. */
export function hashCartToken (token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

function money (settings: CartSettings, amount: number): Money {
  return moneyIn(settings.currency, amount)
}

function toLine (settings: CartSettings, row: PricedLineRow): CartLine {
  return {
    id: row.id,
    variantId: row.variant_id,
    productId: row.product_id,
    productSlug: row.product_slug,
    productName: row.product_name,
    variantTitle: row.variant_title,
    sku: row.sku,
    image: row.image_key === null
      ? null
      : { url: settings.urlOf(row.image_key), alt: row.image_alt, width: row.image_width ?? 1, height: row.image_height ?? 1 },
    unitPrice: money(settings, row.price),
    addedUnitPrice: money(settings, row.added_unit_price),
    priceChanged: row.price !== row.added_unit_price,
    quantity: row.quantity,
    lineTotal: money(settings, row.price * row.quantity),
    purchasable: row.product_status === 'ACTIVE',
    stockShort: row.stock < row.quantity
  }
}

/** What the cart's code takes off it now (or why nothing), priced for the cart's customer; null without a code. */
export async function cartDiscountOf (em: EntityManager, cart: CartRow, rows: PricedLineRow[]): Promise<DiscountOutcome | null> {
  if (cart.discount_id === null) return null
  return await priceCartDiscount(em, cart.discount_id, cart.customer_id, discountLinesOf(rows))
}

/**
 * The cart as the catalog prices it now, with what its discount code takes off. Lines no longer sold are
 * shown, flagged, and count in no total; the total never goes below zero.
 */
export function toCart (settings: CartSettings, cart: CartRow, rows: PricedLineRow[], discount: DiscountOutcome | null): Cart {
  const items = rows.map((row) => toLine(settings, row))
  const counted = items.filter((item) => item.purchasable)
  const subtotal = counted.reduce((sum, item) => sum + item.lineTotal.amount, 0)
  const updatedAt = new Date(cart.updated_at)
  return {
    id: cart.id,
    items,
    itemCount: counted.reduce((sum, item) => sum + item.quantity, 0),
    subtotal: money(settings, subtotal),
    discount: discount === null
      ? null
      : {
          code: discount.code,
          applies: discount.applies,
          reason: discount.reason,
          amount: money(settings, discount.amount),
          freeShipping: discount.freeShipping,
          lines: discount.lines.map((line) => ({ lineId: line.lineId, amount: money(settings, line.amount) }))
        },
    total: money(settings, Math.max(0, subtotal - (discount?.amount ?? 0))),
    updatedAt: updatedAt.toISOString(),
    expiresAt: new Date(updatedAt.getTime() + settings.ttlDays * 86_400_000).toISOString()
  }
}

/** The customer's cart (made on first use), or the guest's by token: 404 for a token naming no cart. */
async function findCart (em: EntityManager, owner: CartOwner): Promise<CartRow> {
  if ('customerId' in owner) return await customerCart(em, owner.customerId, uuidv7())
  const cart = await guestCart(em, owner.tokenHash)
  if (cart === undefined) throw cartNotFound()
  return cart
}

export async function getCart (em: EntityManager, settings: CartSettings, owner: CartOwner): Promise<Cart> {
  return await pricedCart(em, settings, await findCart(em, owner))
}

/** The cart's response: its lines priced now, and its code's discount. */
async function pricedCart (em: EntityManager, settings: CartSettings, cart: CartRow): Promise<Cart> {
  const rows = await findPricedLines(em, cart.id)
  return toCart(settings, cart, rows, await cartDiscountOf(em, cart, rows))
}

/** A new, empty guest cart and its token, shown this once. */
export async function createGuestCart (em: EntityManager, settings: CartSettings): Promise<GuestCart> {
  const cartToken = randomBytes(32).toString('base64url')
  const cart = em.create(CartEntity, { tokenHash: hashCartToken(cartToken) })
  await em.flush()
  return { cartToken, cart: toCart(settings, { id: cart.id, customer_id: null, discount_id: null, updated_at: cart.updatedAt }, [], null) }
}

/** The owner's cart, locked and its idle clock moved: a customer's is made on first use, an unknown guest token is a 404. */
async function lockOwnersCart (tx: EntityManager, owner: CartOwner): Promise<CartRow> {
  if ('tokenHash' in owner) {
    const cart = await lockAndTouchCart(tx, { tokenHash: owner.tokenHash })
    if (cart === undefined) throw cartNotFound()
    return cart
  }
  const cart = await lockAndTouchCart(tx, { customerId: owner.customerId })
  if (cart !== undefined) return cart
  const { id } = await customerCart(tx, owner.customerId, uuidv7())
  const made = await lockAndTouchCart(tx, { id })
  if (made === undefined) throw new Error('the customer cart vanished under its own transaction')
  return made
}

/**
 * Applies a change to the owner's cart under the cart's row lock (changes to one cart are serialised, so
 * two requests adding the same variant make one line), moves its idle clock, and answers with the cart.
 */
async function changeCart (em: EntityManager, settings: CartSettings, owner: CartOwner, change: (tx: EntityManager, cartId: string) => Promise<Partial<CartRow> | void>): Promise<Cart> {
  return await em.transactional(async (tx) => {
    const cart = await lockOwnersCart(tx, owner)
    const changed = await change(tx, cart.id)
    await tx.flush()
    return await pricedCart(tx, settings, { ...cart, ...(changed ?? {}) })
  })
}

interface SellableVariant {
  id: string
  sku: string
  price: number
  stock: number
  product_status: 'DRAFT' | 'ACTIVE' | 'ARCHIVED'
  product_name: string
}

async function findSellableVariant (tx: EntityManager, variantId: string): Promise<SellableVariant> {
  const { rows: [variant] } = await sql<SellableVariant>`
    select v.id, v.sku, v.price, v.stock, p.status as product_status, p.name as product_name
      from variants v join products p on p.id = v.product_id where v.id = ${variantId}`.execute(tx.getKysely())
  assertSellable(variantId, variant)
  return variant
}

function assertSellable (variantId: string, variant: SellableVariant | undefined): asserts variant is SellableVariant {
  // Drafts are not public: their variants are as unknown to shoppers as ids that never existed.
  if (variant === undefined || variant.product_status === 'DRAFT') throw variantNotFound()
  if (variant.product_status !== 'ACTIVE') throw productUnavailable([{ variantId, productName: variant.product_name }])
}

/** A line may hold `quantity` units of `variant`: within the per-line limit and the stock. */
function assertQuantity (settings: CartSettings, variant: SellableVariant, quantity: number): void {
  if (quantity > settings.maxLineQuantity) throw quantityLimitExceeded(settings.maxLineQuantity)
  if (quantity > variant.stock) throw outOfStock([{ variantId: variant.id, sku: variant.sku, requested: quantity, available: variant.stock }])
}

interface VariantForCart extends SellableVariant {
  line_id: string | null
  line_quantity: number | null
  line_count: number
}

export async function addCartItem (em: EntityManager, settings: CartSettings, owner: CartOwner, input: AddCartItemRequest): Promise<Cart> {
  return await changeCart(em, settings, owner, async (tx, cartId) => {
    // The variant, the cart's line of it and the cart's line count in one round trip: the busiest cart call.
    const { rows: [variant] } = await sql<VariantForCart>`
      select v.id, v.sku, v.price, v.stock, p.status as product_status, p.name as product_name,
             l.id as line_id, l.quantity as line_quantity, (select count(*)::int from cart_lines where cart_id = ${cartId}) as line_count
        from variants v join products p on p.id = v.product_id
        left join cart_lines l on l.cart_id = ${cartId} and l.variant_id = v.id
       where v.id = ${input.variantId}`.execute(tx.getKysely())
    assertSellable(input.variantId, variant)
    const quantity = (variant.line_quantity ?? 0) + input.quantity
    assertQuantity(settings, variant, quantity)
    if (variant.line_id !== null) {
      await sql`update cart_lines set quantity = ${quantity}, added_unit_price = ${variant.price}, updated_at = now() where id = ${variant.line_id}`.execute(tx.getKysely())
      return
    }
    if (variant.line_count >= MAX_LINES) throw cartFull(MAX_LINES)
    tx.create(CartLineEntity, { cart: cartId, variant: input.variantId, quantity, addedUnitPrice: variant.price })
  })
}

/** Sets a line's quantity (0 removes it) and accepts its current price. Lowering a short line is always allowed. */
export async function updateCartItem (em: EntityManager, settings: CartSettings, owner: CartOwner, itemId: string, input: UpdateCartItemRequest): Promise<Cart> {
  return await changeCart(em, settings, owner, async (tx, cartId) => {
    const line = await tx.findOne(CartLineEntity, { id: itemId, cart: cartId })
    if (line === null) throw cartLineNotFound()
    if (input.quantity === 0) {
      tx.remove(line)
      return
    }
    const variant = await findSellableVariant(tx, line.variant.id)
    if (input.quantity > settings.maxLineQuantity) throw quantityLimitExceeded(settings.maxLineQuantity)
    if (input.quantity > line.quantity) assertQuantity(settings, variant, input.quantity)
    line.quantity = input.quantity
    line.addedUnitPrice = variant.price
  })
}

export async function removeCartItem (em: EntityManager, settings: CartSettings, owner: CartOwner, itemId: string): Promise<Cart> {
  return await changeCart(em, settings, owner, async (tx, cartId) => {
    if (await tx.nativeDelete(CartLineEntity, { id: itemId, cart: cartId }) === 0) throw cartLineNotFound()
  })
}

export async function clearCart (em: EntityManager, settings: CartSettings, owner: CartOwner): Promise<Cart> {
  return await changeCart(em, settings, owner, async (tx, cartId) => {
    await tx.nativeDelete(CartLineEntity, { cart: cartId })
  })
}

/**
 * Moves a guest cart's lines into the customer's cart: quantities of a variant in both add up, capped at
 * the stock and the per-line limit; lines no longer sold, or beyond the cart's line limit, are dropped.
 * The guest cart is deleted. Both carts are locked, in id order, so concurrent merges cannot interleave.
 */
export async function mergeGuestCart (em: EntityManager, settings: CartSettings, customerId: string, cartToken: string): Promise<Cart> {
  const guest = await guestCart(em, hashCartToken(cartToken))
  if (guest === undefined) throw cartNotFound()
  const mine = await customerCart(em, customerId, uuidv7())
  return await em.transactional(async (tx) => {
    const [first, second] = [guest.id, mine.id].sort()
    const locked = [await lockCart(tx, first as string), await lockCart(tx, second as string)]
    const cart = locked.find((row) => row?.id === mine.id)
    // Merged by a concurrent request (or swept) while this one waited for the lock.
    if (cart === undefined || !locked.some((row) => row?.id === guest.id)) throw cartNotFound()
    const lines = await tx.find(CartLineEntity, { cart: mine.id })
    const byVariant = new Map(lines.map((line) => [line.variant.id, line]))
    let count = lines.length
    for (const row of await findPricedLines(tx, guest.id)) {
      if (row.product_status !== 'ACTIVE') continue
      const line = byVariant.get(row.variant_id)
      const quantity = Math.min(settings.maxLineQuantity, row.stock, (line?.quantity ?? 0) + row.quantity)
      if (line !== undefined) {
        if (quantity > line.quantity) Object.assign(line, { quantity, addedUnitPrice: row.price })
      } else if (quantity > 0 && count < MAX_LINES) {
        tx.create(CartLineEntity, { cart: mine.id, variant: row.variant_id, quantity, addedUnitPrice: row.price })
        count++
      }
    }
    await tx.flush()
    await tx.nativeDelete(CartEntity, { id: guest.id })
    // A code the guest applied comes along, unless the customer's cart has its own.
    const discountId = cart.discount_id ?? guest.discount_id
    if (discountId !== cart.discount_id) await setCartDiscount(tx, mine.id, discountId)
    const updatedAt = await touchCart(tx, mine.id)
    return await pricedCart(tx, settings, { ...cart, discount_id: discountId, updated_at: updatedAt })
  })
}

/** Puts the active code typed (any case) on the cart, in place of any other; it is priced with every view of the cart. */
export async function applyCartDiscount (em: EntityManager, settings: CartSettings, owner: CartOwner, code: string): Promise<Cart> {
  return await changeCart(em, settings, owner, async (tx, cartId) => {
    const discountId = await findActiveCode(tx, code)
    await setCartDiscount(tx, cartId, discountId)
    return { discount_id: discountId }
  })
}

export async function removeCartDiscount (em: EntityManager, settings: CartSettings, owner: CartOwner): Promise<Cart> {
  return await changeCart(em, settings, owner, async (tx, cartId) => {
    await setCartDiscount(tx, cartId, null)
    return { discount_id: null }
  })
}

/** Deletes the carts nobody changed for `ttlDays`, and their lines. */
export async function sweepIdleCarts (em: EntityManager, ttlDays: number): Promise<number> {
  const { numAffectedRows } = await sql`delete from carts where updated_at < now() - make_interval(days => ${ttlDays})`.execute(em.getKysely())
  return Number(numAffectedRows ?? 0)
}
