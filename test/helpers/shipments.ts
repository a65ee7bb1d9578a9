import { setTimeout as sleep } from 'node:timers/promises'
import type { Test } from 'tap'
import type { ParsedMail } from 'mailparser'
import type { components } from '../../openapi/schema.js'
import type { Env } from './build.js'
import { buildCatalog, createProduct, uniqueSku, type AdminProduct } from './catalog.js'
import type { ApiClient } from './client.js'
import { addToCart, createShippingMethod, idempotencyKey, type CheckoutRequest, type Customer, type Order, type ShopHarness } from './shop.js'
import { moveOrder, type Shipment } from './fulfilment.js'
import type { ShiprocketCallback, ShiprocketStandIn } from './shiprocket-stand-in.js'
import type { StripeStandIn } from './stripe-stand-in.js'
import { createEndpoint, startReceiver, verify, type Receiver } from './webhooks.js'

/** Parcels, carriers and the shops that ship with them, for test/shipments. */

export type CreateShipmentRequest = components['schemas']['CreateShipmentRequest']
export type UpdateShipmentRequest = components['schemas']['UpdateShipmentRequest']
export type TrackingEvent = components['schemas']['TrackingEvent']
export type ShippedItem = components['schemas']['ShippedItem']
export type CheckoutAddress = components['schemas']['CheckoutAddress']
type Money = components['schemas']['Money']

export const UNKNOWN_ID = '01900000-0000-7000-8000-00000000dead'

export const shipmentsPath = (orderId: string): string => `/api/v1/admin/orders/${orderId}/shipments`
export const shipmentPath = (id: string): string => `/api/v1/admin/shipments/${id}`
export const callbackPath = (slug: string): string => `/api/v1/webhooks/carriers/${slug}`

/** A price in rupees' minor units (paise). */
export function inr (amount: number): Money {
  return { amount, currency: 'INR' }
}

/** `POST /admin/orders/{id}/shipments` as it answers, for tests of refusals as well as of parcels. */
export async function postShipment (harness: { api: ApiClient, staff: Record<string, string> }, orderId: string, body: CreateShipmentRequest, headers: Record<string, string> = harness.staff) {
  return await harness.api.POST('/api/v1/admin/orders/{id}/shipments', { headers, params: { path: { id: orderId } }, body })
}

/** `PATCH /admin/shipments/{id}` as it answers. */
export async function patchShipment (harness: { api: ApiClient, staff: Record<string, string> }, id: string, body: UpdateShipmentRequest, headers: Record<string, string> = harness.staff) {
  return await harness.api.PATCH('/api/v1/admin/shipments/{id}', { headers, params: { path: { id } }, body })
}

/** A carrier callback as the carrier would POST it to `/webhooks/carriers/{slug}`. */
export async function postCallback (api: ApiClient, slug: string, callback: ShiprocketCallback) {
  return await api.POST('/api/v1/webhooks/carriers/{carrier}', { headers: callback.headers, params: { path: { carrier: slug } }, body: callback.body })
}

/** The order as staff read it. */
export async function staffOrder (harness: ShopHarness, id: string): Promise<components['schemas']['AdminOrder']> {
  const { data, error } = await harness.api.GET('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id } } })
  if (data === undefined) throw new Error(`reading order ${id} failed: ${JSON.stringify(error)}`)
  return data
}

/** The order as its customer reads it. */
export async function customerOrder (harness: ShopHarness, customer: Customer, id: string): Promise<Order> {
  const { data, error } = await harness.api.GET('/api/v1/orders/{id}', { headers: customer.headers, params: { path: { id } } })
  if (data === undefined) throw new Error(`reading order ${id} failed: ${JSON.stringify(error)}`)
  return data
}

/** The order's items as one parcel would take them: each item's id with `units(position)` of it (all by default). */
export function unitsOf (order: Order, units?: (item: Order['items'][number], position: number) => number): ShippedItem[] {
  return order.items.map((item, position) => ({ orderItemId: item.id, quantity: units === undefined ? item.quantity : units(item, position) })).filter((item) => item.quantity > 0)
}

export interface CheckoutOptions {
  address?: CheckoutAddress
  paymentMethod?: 'COD' | 'CARD'
  shippingMethodId?: string
}

/**
 * Puts `lines` in the customer's cart and checks out to `address` (the harness's own method, cash on
 * delivery, unless told otherwise) at the total the cart listing answers for that address.
 */
export async function placeOrderOf (harness: ShopHarness, customer: Customer, lines: Array<{ variantId: string, quantity: number }>, address: CheckoutAddress, options: CheckoutOptions = {}): Promise<Order> {
  for (const line of lines) await addToCart(harness.api, customer.headers, line.variantId, line.quantity)
  const shippingMethodId = options.shippingMethodId ?? harness.shipping.id
  const listed = await harness.api.GET('/api/v1/cart/shipping-methods', { headers: customer.headers, params: { query: { country: address.country, postalCode: address.postalCode } } })
  const method = listed.data?.items.find((item) => item.id === shippingMethodId)
  if (method === undefined) throw new Error(`no quote for ${shippingMethodId}: ${JSON.stringify(listed.error ?? listed.data)}`)
  const body: CheckoutRequest = { address, shippingMethodId, paymentMethod: options.paymentMethod ?? 'COD', expectedTotal: method.total }
  const { data, error } = await harness.api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body })
  if (data === undefined) throw new Error(`checkout failed: ${JSON.stringify(error)}`)
  return data
}

/** `placeOrderOf`, then confirmed by staff, as parcels need it. */
export async function confirmedOrder (harness: ShopHarness, customer: Customer, lines: Array<{ variantId: string, quantity: number }>, address: CheckoutAddress): Promise<Order> {
  const order = await placeOrderOf(harness, customer, lines, address)
  await moveOrder(harness, order.id, 'CONFIRMED')
  return order
}

/** Polls `read` until `done` says its answer is the awaited one; fails after `timeoutMs`. */
export async function eventually<T> (read: () => Promise<T> | T, done: (value: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (done(value)) return value
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms: ${JSON.stringify(value)}`)
    await sleep(50)
  }
}

// Absence cannot be polled for: once what is awaited has arrived, a duplicate gets this long to follow it.
// (Neither emails nor webhooks are sent in the order they were queued, so a later message proves nothing.)
const SETTLE_MS = 1500

/** The subjects of the emails to `to`, sorted, once every one of `expected` has arrived and a duplicate had time to follow. */
export async function settledSubjects (harness: ShopHarness, to: string, expected: string[], timeoutMs = 10_000): Promise<string[]> {
  const address = to.toLowerCase()
  const subjects = (): string[] => harness.smtp.messages.filter((_, index) => harness.smtp.recipients[index]?.includes(address) === true).map((mail) => mail.subject ?? '')
  const missing = (got: string[]): string[] => expected.filter((subject, index) => got.filter((candidate) => candidate === subject).length < expected.slice(0, index + 1).filter((candidate) => candidate === subject).length)
  await eventually(subjects, (got) => missing(got).length === 0, `the emails ${JSON.stringify(expected)} to ${to}`, timeoutMs)
  await sleep(SETTLE_MS)
  return subjects().sort()
}

/** The email to `to` with this subject (it must have arrived). */
export function mailTo (harness: ShopHarness, to: string, subject: string): ParsedMail | undefined {
  return harness.smtp.messages.find((mail, index) => mail.subject === subject && harness.smtp.recipients[index]?.includes(to.toLowerCase()) === true)
}

export interface Subscription {
  id: string
  secret: string
  receiver: Receiver
}

/** An endpoint of the shop's subscribed to `eventTypes`, with a receiver on loopback. */
export async function subscribe (t: Test, harness: ShopHarness, eventTypes: Array<components['schemas']['WebhookEventType']>): Promise<Subscription> {
  const receiver = await startReceiver(t)
  const endpoint = await createEndpoint({ api: harness.api, admin: harness.staff }, receiver.url, eventTypes)
  return { id: endpoint.id, secret: endpoint.secret, receiver }
}

/** The events the endpoint was sent, verified, in the order they happened, once `count` have arrived and a duplicate had time to follow. */
export async function settledEvents (subscription: Subscription, count: number): Promise<Array<{ type: string, data: Record<string, any> }>> {
  await subscription.receiver.waitFor(count)
  await sleep(SETTLE_MS)
  return subscription.receiver.received
    .map((request) => ({ id: String(request.headers['webhook-id']), ...verify(subscription.secret, request) }))
    // Event ids are UUIDv7: their order is the order the events happened in.
    .sort((a, b) => a.id.localeCompare(b.id))
    .map(({ type, data }) => ({ type, data }))
}

export const INDIAN_ADDRESS: CheckoutAddress = {
  fullName: 'Asha Rao Kumar',
  line1: '12 Brigade Road',
  line2: 'Flat 3',
  city: 'Bengaluru',
  region: 'Karnataka',
  postalCode: '560001',
  country: 'IN',
  phone: '+919812345670'
}

/** Shiprocket configured against the stand-in, in an INR shop, as the tests set it. */
export function shiprocketEnv (standIn: ShiprocketStandIn, env: Env = {}): Env {
  return {
    SHOP_CURRENCY: 'INR',
    SHIPROCKET_EMAIL: standIn.email,
    SHIPROCKET_PASSWORD: standIn.password,
    SHIPROCKET_API_URL: standIn.url,
    SHIPROCKET_PICKUP_LOCATION: standIn.pickupLocation,
    SHIPROCKET_PICKUP_POSTCODE: '110001',
    SHIPROCKET_WEBHOOK_TOKEN: standIn.webhookToken,
    CARRIER_TIMEOUT_MS: '1000',
    SHIPPING_DEFAULT_WEIGHT_GRAMS: '400',
    ...env
  }
}

/** An INR shop shipping with Shiprocket (and, with `stripe`, taking cards): its own flat method serves India, ₹79. */
export async function buildIndianShop (t: Test, standIn: ShiprocketStandIn, env: Env = {}, stripe?: StripeStandIn): Promise<ShopHarness> {
  const harness = await buildCatalog(t, shiprocketEnv(standIn, { ...stripe?.env, ...env }))
  const shipping = await createShippingMethod(harness, { name: 'India Post', price: inr(7900), countries: ['IN'], estimatedDays: { min: 3, max: 7 } })
  return { ...harness, shipping }
}

/** An ACTIVE product priced in rupees, with one variant of `weightGrams` (none: the shop's default weight). */
export async function indianProduct (harness: ShopHarness, name: string, price: number, weightGrams: number | null = null, stock = 20): Promise<AdminProduct & { variantId: string, sku: string }> {
  const sku = uniqueSku('IN')
  const product = await createProduct(harness, { name, variants: [{ sku, price: inr(price), stock, weightGrams }] })
  const variantId = product.variants[0]?.id
  if (variantId === undefined) throw new Error('the product has no variant')
  return { ...product, variantId, sku }
}

/** Pays a card order's PaymentIntent at the Stripe stand-in and delivers Stripe's signed event: the order is CONFIRMED afterwards. */
export async function payByCard (harness: ShopHarness, stripe: StripeStandIn, customer: Customer, order: Order): Promise<Order> {
  const intentId = order.payments[0]?.externalId
  if (intentId === undefined || intentId === null) throw new Error(`order ${order.id} has no PaymentIntent: ${JSON.stringify(order.payments)}`)
  stripe.succeed(intentId)
  const signed = stripe.intentEvent('payment_intent.succeeded', intentId)
  const delivered = await harness.app.inject({ method: 'POST', url: '/api/v1/webhooks/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': signed.signature }, payload: signed.body })
  if (delivered.statusCode !== 200) throw new Error(`Stripe's event was refused: ${delivered.body}`)
  return await eventually(async () => await customerOrder(harness, customer, order.id), (read) => read.status === 'CONFIRMED', `order ${order.id} confirmed`)
}

/** A parcel's events without their times, to compare whole. */
export function stepsOf (shipment: Shipment): Array<Omit<TrackingEvent, 'occurredAt'>> {
  return shipment.events.map(({ occurredAt, ...step }) => step)
}
