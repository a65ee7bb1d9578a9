import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import type { components } from '../../openapi/schema.js'
import type { Env } from './build.js'
import type { ApiClient } from './client.js'
import { addToCart, buildShop, checkoutBody, idempotencyKey, secondInstance, type Customer, type Order, type ShopHarness } from './shop.js'
import { startStripeStandIn, type EventOptions, type SignedEvent, type StandInIntent, type StripeStandIn } from './stripe-stand-in.js'
import { verify, type Receiver } from './webhooks.js'

/** Card payments, refunds and Stripe's events, for the tests in test/payments. */

export type OrderPayments = components['schemas']['OrderPayments']
export type AdminOrder = components['schemas']['AdminOrder']

export interface PaymentsHarness extends ShopHarness {
  stripe: StripeStandIn
  /** The environment the app was built with, for a second instance on the same database. */
  env: Env
}

/** A shop whose card payments go to a Stripe stand-in on loopback. */
export async function buildPayments (t: Test, env: Env = {}): Promise<PaymentsHarness> {
  const stripe = await startStripeStandIn(t)
  const shopEnv = { ...stripe.env, ...env }
  const harness = await buildShop(t, shopEnv)
  return { ...harness, stripe, env: { ...shopEnv, SMTP_URL: harness.smtp.url } }
}

/** Another instance of the app on the harness's database, talking to the same stand-in and mail server. */
export async function secondPaymentsInstance (t: Test, harness: PaymentsHarness): Promise<{ app: FastifyInstance, api: ApiClient }> {
  return await secondInstance(t, harness, harness.env)
}

/** Adds `quantity` of the variant to the customer's cart and checks out paying by card: the order as the customer sees it. */
export async function placeCardOrder (harness: ShopHarness, customer: Customer, variantId: string, quantity = 1): Promise<Order> {
  await addToCart(harness.api, customer.headers, variantId, quantity)
  const body = { ...await checkoutBody(harness, customer), paymentMethod: 'CARD' as const }
  const { data, error } = await harness.api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body })
  if (data === undefined) throw new Error(`card checkout failed: ${JSON.stringify(error)}`)
  return data
}

/** The stand-in's PaymentIntent of the order's newest payment. */
export function intentOf (harness: PaymentsHarness, order: Order): StandInIntent {
  const externalId = order.payments[0]?.externalId
  const intent = externalId == null ? undefined : harness.stripe.intents.get(externalId)
  if (intent === undefined) throw new Error(`the newest payment of order ${order.id} has no intent at the stand-in`)
  return intent
}

export interface StripeDelivery {
  status: number
  contentType: string | undefined
  body: any
}

/** Posts an event to the Stripe webhook route as Stripe would: the raw body, signed in Stripe-Signature (none when `signature` is undefined). */
export async function postStripeEvent (app: FastifyInstance, event: { body: string, signature?: string | undefined }): Promise<StripeDelivery> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/webhooks/stripe',
    headers: { 'content-type': 'application/json', ...(event.signature === undefined ? {} : { 'stripe-signature': event.signature }) },
    payload: event.body
  })
  return { status: response.statusCode, contentType: response.headers['content-type'] as string | undefined, body: response.json() }
}

/** Signs Stripe's event about the intent as the stand-in has it now, and delivers it (to `app`, the harness's by default). */
export async function deliverIntentEvent (harness: PaymentsHarness, type: string, intentId: string, options: EventOptions = {}, app: FastifyInstance = harness.app): Promise<StripeDelivery> {
  return await postStripeEvent(app, harness.stripe.intentEvent(type, intentId, options))
}

/** The customer pays the order's newest intent at Stripe, and Stripe tells the app: the delivery's answer. */
export async function payByCard (harness: PaymentsHarness, order: Order): Promise<StripeDelivery> {
  const intent = harness.stripe.succeed(intentOf(harness, order).id)
  const delivery = await deliverIntentEvent(harness, 'payment_intent.succeeded', intent.id)
  if (delivery.status !== 200) throw new Error(`Stripe's payment_intent.succeeded was answered ${delivery.status}: ${JSON.stringify(delivery.body)}`)
  return delivery
}

/** A card order placed and paid: the order as the customer sees it, CONFIRMED and PAID. */
export async function placePaidCardOrder (harness: PaymentsHarness, customer: Customer, variantId: string, quantity = 1): Promise<Order> {
  const order = await placeCardOrder(harness, customer, variantId, quantity)
  await payByCard(harness, order)
  return await ownOrder(harness, customer, order.id)
}

/** Re-signs an event object (a changed copy of an intent, say) as Stripe's event of `type`. */
export function signedEvent (harness: PaymentsHarness, type: string, object: object, options: EventOptions = {}): SignedEvent {
  return harness.stripe.signEvent(type, object, options)
}

export async function ownOrder (harness: { api: ApiClient }, customer: Customer, id: string): Promise<Order> {
  const { data, error } = await harness.api.GET('/api/v1/orders/{id}', { headers: customer.headers, params: { path: { id } } })
  if (data === undefined) throw new Error(`reading order ${id} failed: ${JSON.stringify(error)}`)
  return data
}

export async function staffOrder (harness: ShopHarness, id: string): Promise<AdminOrder> {
  const { data, error } = await harness.api.GET('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id } } })
  if (data === undefined) throw new Error(`reading order ${id} as staff failed: ${JSON.stringify(error)}`)
  return data
}

/** `GET /admin/orders/{id}/payments`: the order's payments with Stripe's events, its refunds, what is left to refund. */
export async function orderPayments (harness: ShopHarness, id: string): Promise<OrderPayments> {
  const { data, error } = await harness.api.GET('/api/v1/admin/orders/{id}/payments', { headers: harness.staff, params: { path: { id } } })
  if (data === undefined) throw new Error(`reading the payments of ${id} failed: ${JSON.stringify(error)}`)
  return data
}

/**
 * Polls `check` until it answers something other than undefined (or false), for work the app finishes in
 * the background (the outbox); rejects with `what` after `timeoutMs`.
 */
export async function waitFor<T> (what: string, check: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(100)
  }
}

/** The order's payments once `done` says they got there. */
export async function paymentsWhen (harness: ShopHarness, id: string, what: string, done: (payments: OrderPayments) => boolean, timeoutMs?: number): Promise<OrderPayments> {
  return await waitFor(what, async () => {
    const payments = await orderPayments(harness, id)
    return done(payments) ? payments : undefined
  }, timeoutMs)
}

/** Moves the order's placing `minutes` into the past, as if the customer had checked out then. */
export async function placedMinutesAgo (harness: { app: FastifyInstance }, id: string, minutes: number): Promise<void> {
  await harness.app.orm.em.fork().execute('update orders set placed_at = now() - make_interval(mins => ?) where id = ?', [minutes, id])
}

/** The email address of the harness's admin. */
export async function adminEmail (harness: ShopHarness): Promise<string> {
  const { data, error } = await harness.api.GET('/api/v1/me', { headers: harness.staff })
  if (data === undefined) throw new Error(`reading the admin failed: ${JSON.stringify(error)}`)
  return data.email
}

/** Subscribes the receiver to `eventTypes`: the endpoint's signing secret. */
export async function subscribe (harness: ShopHarness, receiver: Receiver, eventTypes: Array<components['schemas']['WebhookEventType']>): Promise<string> {
  const { data, error } = await harness.api.POST('/api/v1/admin/webhooks', { headers: harness.staff, body: { url: receiver.url, eventTypes } })
  if (data === undefined) throw new Error(`subscribing failed: ${JSON.stringify(error)}`)
  return data.secret
}

/** Every webhook the receiver got so far, verified with the endpoint's secret. */
export function webhooksReceived (receiver: Receiver, secret: string): Array<{ type: string, data: Record<string, any> }> {
  return receiver.received.map((request) => verify(secret, request))
}

/** The messages the SMTP catcher received for `to` whose subject matches. */
export function mailsTo (harness: ShopHarness, to: string, subject: RegExp): string[] {
  return harness.smtp.messages
    .filter((mail, index) => harness.smtp.recipients[index]?.includes(to.toLowerCase()) === true && subject.test(mail.subject ?? ''))
    .map((mail) => mail.subject ?? '')
}
