import type { EntityManager } from '@mikro-orm/postgresql'
import type { Account } from '../../plugins/auth.js'
import { ProblemError, invalidField } from '../../plugins/problem.js'
import { amountIn } from '../../plugins/money.js'
import { retryOnConflict } from '../../plugins/db/retry.js'
import { assertCountryCode, textOrNull } from '../../plugins/validation.js'
import { actorOf } from '../auth/user.entity.js'
import { cartOwnerOf, getCart, toCart, type CartSettings } from '../cart/cart.service.js'
import { discountLinesOf, emptyCart, lockCartForCheckout } from '../cart/cart-checkout.service.js'
import { assertDiscountApplies, priceCheckoutDiscount, takeDiscountUse } from '../discounts/redemption.service.js'
import { getAddress } from '../customers/address.service.js'
import { outOfStock, takeStock, type LowStockAlerts } from '../inventory/inventory.service.js'
import { Order as OrderEntity, OrderItem as OrderItemEntity, type OrderAddress } from '../orders/order.entity.js'
import { getOwnOrder, recordStatusChange, toOrder, type OrderSettings } from '../orders/order.service.js'
import type { Order } from '../orders/orders.contract.js'
import { announceOrderChange, customerOf } from '../orders/order-notifications.service.js'
import type { DiscountOutcome } from '../discounts/discounts.contract.js'
import { assertCardAmountAllowed, assertCodAllowed, assertPaymentMethodAvailable, recordCardPayment, submitPaymentIntent, type PaymentSettings } from '../payments/payment.service.js'
import { isCarrierPriced, shippingQuote, type ShippingSettings } from '../shipping/shipping.service.js'
import type { CheckoutAddress, CheckoutRequest } from './checkout.schemas.js'

export interface CheckoutSettings {
  currency: string
  cart: CartSettings
  orders: OrderSettings
  payments: PaymentSettings
  shipping: ShippingSettings
  lowStock: LowStockAlerts
}

export interface CheckoutResult {
  order: Order
  /** Transactions it took: more than one after a lost race (a deadlock, a price that moved under the lock). */
  attempts: number
  /** Variants another transaction changed between this checkout's pricing and its lock, resolved under the lock. */
  conflicts: number
}

const priceChanged = (cart: unknown, total: number, expected: number): ProblemError =>
  new ProblemError(409, 'PRICE_CHANGED', `The total is now ${total}, not the ${expected} expected: review the cart (in \`cart\`) and check out again with the new total.`, { extensions: { cart, total } })

function inlineAddress (address: CheckoutAddress): OrderAddress {
  return {
    fullName: address.fullName.trim(),
    company: textOrNull(address.company),
    line1: address.line1.trim(),
    line2: textOrNull(address.line2),
    city: address.city.trim(),
    region: textOrNull(address.region),
    postalCode: address.postalCode.trim(),
    country: address.country,
    phone: address.phone ?? null
  }
}

async function shippingAddressOf (em: EntityManager, account: Account, input: CheckoutRequest): Promise<OrderAddress> {
  if (input.address !== undefined) {
    assertCountryCode(input.address.country, '/body/address/country')
    return inlineAddress(input.address)
  }
  const { resource } = await getAddress(em, account, input.addressId as string)
  const { fullName, company, line1, line2, city, region, postalCode, country, phone } = resource
  return { fullName, company, line1, line2, city, region, postalCode, country, phone }
}

/**
 * Turns the customer's cart into an order, in one transaction: the cart is locked and priced from the
 * catalog, with its discount code if it has one; the shipping method must serve the address's country; the
 * total must be the one the customer was shown; the order is written with snapshots of names, SKUs, prices,
 * each line's share of the discount and the address; then every line's stock is taken under the variants'
 * row locks, guarded by their versions, then the code's use, and the cart emptied. A lost race (a deadlock,
 * a price, product or code that changed under the lock) runs the whole transaction again from the
 * database's current state, a bounded number of times. Every refusal writes nothing.
 */
export async function checkout (em: EntityManager, settings: CheckoutSettings, account: Account, input: CheckoutRequest): Promise<CheckoutResult> {
  if ((input.addressId === undefined) === (input.address === undefined)) throw invalidField('/body', 'must have exactly one of addressId and address')
  const expected = amountIn(settings.currency, input.expectedTotal, '/body/expectedTotal')
  assertPaymentMethodAvailable(settings.payments, input.paymentMethod)
  const address = await shippingAddressOf(em, account, input)
  // Read before the transaction, which holds its locks for as few statements as it can: the customer, and a
  // carrier's quote for the cart as it is (the transaction takes the quote from the carrier cache only).
  const customer = await customerOf(em, account.id)
  const cart = await isCarrierPriced(em, input.shippingMethodId) ? await getCart(em, settings.cart, cartOwnerOf(account.id, undefined)) : null
  // A free-shipping code needs no quote.
  if (cart !== null && !(cart.discount?.applies === true && cart.discount.freeShipping)) {
    const lines = cart.items.filter((item) => item.purchasable).map((item) => ({ variantId: item.variantId, quantity: item.quantity }))
    await shippingQuote(em, settings.shipping, input.shippingMethodId, address.country, cart.subtotal.amount, { postalCode: address.postalCode, lines })
  }
  const actor = actorOf(account)
  let attempts = 0
  let conflicts = 0
  const placed = await retryOnConflict(em, async (tx) => {
    attempts++
    const { cart, lines, subtotal } = await lockCartForCheckout(tx, account.id)
    const discount = cart.discount_id === null ? null : await priceCheckoutDiscount(tx, cart.discount_id, account.id, discountLinesOf(lines))
    const cartWith = (outcome: DiscountOutcome | null) => toCart(settings.cart, cart, lines, outcome)
    if (discount !== null) assertDiscountApplies(discount, cartWith)
    const parcel = { postalCode: address.postalCode, lines: lines.map((line) => ({ variantId: line.variant_id, quantity: line.quantity })) }
    const shipping = await shippingQuote(tx, settings.shipping, input.shippingMethodId, address.country, subtotal, parcel, true)
    const shippingTotal = discount?.outcome.freeShipping === true ? 0 : shipping.price
    const discountTotal = discount?.outcome.amount ?? 0
    const lineDiscounts = new Map(discount?.outcome.lines.map((line) => [line.lineId, line.amount]))
    const total = Math.max(0, subtotal - discountTotal) + shippingTotal
    if (total !== expected) throw priceChanged(cartWith(discount?.outcome ?? null), total, expected)
    const short = lines.filter((line) => line.stock < line.quantity)
    if (short.length > 0) throw outOfStock(short.map((line) => ({ variantId: line.variant_id, sku: line.sku, requested: line.quantity, available: line.stock })))
    if (input.paymentMethod === 'COD') assertCodAllowed(settings.payments, total)
    else assertCardAmountAllowed(total, settings.currency)

    const placedAt = new Date()
    const created = tx.create(OrderEntity, {
      customer: account.id,
      status: 'PENDING',
      paymentStatus: 'UNPAID',
      paymentMethod: input.paymentMethod,
      currency: settings.currency,
      subtotal,
      discountTotal,
      shippingTotal,
      total,
      discountCode: discount?.outcome.code ?? null,
      shippingAddress: address,
      shippingMethod: shipping.id,
      shippingMethodName: shipping.name,
      note: textOrNull(input.note),
      placedAt
    })
    const items = lines.map((line, position) => tx.create(OrderItemEntity, {
      order: created,
      product: line.product_id,
      variant: line.variant_id,
      productName: line.product_name,
      variantTitle: line.variant_title,
      sku: line.sku,
      unitPrice: line.price,
      quantity: line.quantity,
      lineTotal: line.price * line.quantity,
      discount: lineDiscounts.get(line.id) ?? 0,
      returnedQuantity: 0,
      position
    }))
    const change = recordStatusChange(tx, created, null, 'PENDING', actor)
    const payments = input.paymentMethod === 'CARD' ? [recordCardPayment(tx, settings.payments, created, actor)] : []
    await tx.flush()
    const view = toOrder(settings.orders, { order: created, items, changes: [change], returns: [], payments, refunds: [], shipments: [], shipmentEvents: [] })
    await announceOrderChange(tx, settings.orders.notifier, view, customer, { kind: 'placed' })

    // Last, so that a best-selling variant's row is locked for as short a time as possible (the announcements
    // above roll back with everything else if the stock is short).
    const taken = await takeStock(tx, lines.map((line) => ({
      variantId: line.variant_id, productId: line.product_id, sku: line.sku, quantity: line.quantity, price: line.price, version: line.variant_version
    })), { id: created.id, actor, reason: `Order ${created.number}` }, settings.lowStock)
    conflicts += taken.conflicts
    // After the stock, as a cancellation gives them back: the code's row is the last one locked.
    if (discount !== null) await takeDiscountUse(tx, discount, account.id, created.id, cartWith)
    await emptyCart(tx, cart)
    return view
  })
  const [payment] = placed.payments
  if (payment === undefined) return { order: placed, attempts, conflicts }
  // The PaymentIntent is asked for once the order exists, so that no database lock waits on Stripe.
  await submitPaymentIntent(settings.payments, payment.id)
  return { order: await getOwnOrder(em.fork(), settings.orders, account, placed.id), attempts, conflicts }
}
