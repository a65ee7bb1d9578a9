import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'
import Stripe from 'stripe'

export type StandInRefundStatus = 'pending' | 'succeeded' | 'failed'

export interface StandInRequest {
  method: string
  path: string
  /** The form body as the SDK encodes it: `metadata[order_id]` and friends are flat keys. */
  body: Record<string, string>
  idempotencyKey: string | null
}

export interface StandInIntent {
  id: string
  object: 'payment_intent'
  amount: number
  amount_received: number
  automatic_payment_methods: { enabled: boolean, allow_redirects: 'always' } | null
  canceled_at: number | null
  cancellation_reason: string | null
  client_secret: string
  created: number
  currency: string
  last_payment_error: { type: 'card_error', code: string, decline_code?: string, message: string } | null
  latest_charge: string | null
  livemode: false
  metadata: Record<string, string>
  status: 'requires_payment_method' | 'succeeded' | 'canceled'
}

export interface StandInRefund {
  id: string
  object: 'refund'
  amount: number
  charge: string
  created: number
  currency: string
  failure_reason: string | null
  metadata: Record<string, string>
  payment_intent: string
  reason: string | null
  status: StandInRefundStatus
}

export interface SignedEvent { body: string, signature: string }
export interface EventOptions {
  id?: string
  /** The event's `created`, in seconds. */
  created?: number
  /** The signature's `t=`, in seconds: an old one makes a stale delivery. */
  timestamp?: number
  /** Signs with another secret than the stand-in's, as a forged delivery would. */
  secret?: string
}

export interface StripeStandIn {
  url: string
  secretKey: string
  webhookSecret: string
  /** What the app reads to talk to this stand-in. */
  env: Record<string, string>
  requests: StandInRequest[]
  intents: Map<string, StandInIntent>
  refunds: Map<string, StandInRefund>
  /** The customer paid: succeeded, with a charge for the whole amount. */
  succeed: (intentId: string) => StandInIntent
  /** The customer's attempt was declined: back to requires_payment_method, with the error. */
  fail: (intentId: string, code?: string) => StandInIntent
  setNextRefundStatus: (status: StandInRefundStatus) => void
  /** A pending refund's later outcome, as Stripe reports it in refund.updated / refund.failed. */
  settleRefund: (refundId: string, status: 'succeeded' | 'failed') => StandInRefund
  /** Answers the next `count` requests with `status` (500 by default), as an outage would. */
  failNext: (count: number, status?: number) => void
  /** Never answers the next `count` requests, so clients run into their timeout. */
  hangNext: (count: number) => void
  signEvent: (type: string, object: object, options?: EventOptions) => SignedEvent
  intentEvent: (type: string, intentId: string, options?: EventOptions) => SignedEvent
  refundEvent: (type: string, refundId: string, options?: EventOptions) => SignedEvent
  close: () => Promise<void>
}

interface Answer { status: number, body: object }
interface StandInOptions { secretKey?: string, webhookSecret?: string, refundStatus?: StandInRefundStatus }

const newId = (prefix: string): string => `${prefix}_${randomBytes(12).toString('hex')}`
const now = (): number => Math.floor(Date.now() / 1000)

const refusal = (status: number, message: string, extra: { code?: string, param?: string, type?: string } = {}): Answer =>
  ({ status, body: { error: { type: 'invalid_request_error', message, ...extra } } })
const missing = (kind: string, id: string, param: string): Answer =>
  refusal(404, `No such ${kind}: '${id}'`, { code: 'resource_missing', param })
const unexpectedState = (intent: StandInIntent, action: string, allowed: string): Answer =>
  refusal(400, `You cannot ${action} this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be ${action === 'cancel' ? 'canceled' : 'refunded'}: ${allowed}.`, { code: 'payment_intent_unexpected_state' })

/** Stripe refuses parameters it does not know, which is how it catches a misspelled one: so does the stand-in. */
function unknownParameter (body: Record<string, string>, allowed: RegExp): Answer | undefined {
  const unknown = Object.keys(body).find((key) => !allowed.test(key))
  return unknown === undefined ? undefined : refusal(400, `Received unknown parameter: ${unknown}`, { code: 'parameter_unknown', param: unknown })
}

function metadataOf (body: Record<string, string>): Record<string, string> {
  const metadata: Record<string, string> = {}
  for (const [key, value] of Object.entries(body)) {
    const name = /^metadata\[(.+)\]$/.exec(key)?.[1]
    if (name !== undefined) metadata[name] = value
  }
  return metadata
}

function positiveInteger (body: Record<string, string>, param: string): number | Answer {
  const value = body[param]
  if (value === undefined) return refusal(400, `Missing required param: ${param}.`, { code: 'parameter_missing', param })
  const number = Number(value)
  return Number.isInteger(number) && number >= 1 ? number : refusal(400, `Invalid integer: ${value}`, { code: 'parameter_invalid_integer', param })
}

/** A Stripe API look-alike on loopback for the endpoints the payment gateway uses, closed on teardown. */
export async function startStripeStandIn (t: Test, options: StandInOptions = {}): Promise<StripeStandIn> {
  const secretKey = options.secretKey ?? `sk_test_${randomBytes(16).toString('hex')}`
  const webhookSecret = options.webhookSecret ?? `whsec_${randomBytes(24).toString('base64url')}`
  const requests: StandInRequest[] = []
  const intents = new Map<string, StandInIntent>()
  const refunds = new Map<string, StandInRefund>()
  const charges = new Map<string, { amount: number, refunded: number }>()
  // Stripe replays the first answer to a key, as it was then, and refuses the key with other parameters.
  const replays = new Map<string, { endpoint: string, parameters: string, status: number, json: string }>()
  let nextRefundStatus: StandInRefundStatus | undefined
  let failures: { count: number, status: number } = { count: 0, status: 500 }
  let hangs = 0

  const createIntent = (body: Record<string, string>): Answer => {
    const unknown = unknownParameter(body, /^(amount|currency|description|metadata\[.+\]|automatic_payment_methods\[(enabled|allow_redirects)\]|expand\[\d*\])$/)
    if (unknown !== undefined) return unknown
    const amount = positiveInteger(body, 'amount')
    if (typeof amount !== 'number') return amount
    const currency = body.currency
    if (currency === undefined) return refusal(400, 'Missing required param: currency.', { code: 'parameter_missing', param: 'currency' })
    if (!/^[a-z]{3}$/i.test(currency)) return refusal(400, `Invalid currency: ${currency}.`, { param: 'currency' })
    const id = newId('pi')
    const intent: StandInIntent = {
      id,
      object: 'payment_intent',
      amount,
      amount_received: 0,
      automatic_payment_methods: body['automatic_payment_methods[enabled]'] === 'true' ? { enabled: true, allow_redirects: 'always' } : null,
      canceled_at: null,
      cancellation_reason: null,
      client_secret: `${id}_secret_${randomBytes(12).toString('hex')}`,
      created: now(),
      currency: currency.toLowerCase(),
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: metadataOf(body),
      status: 'requires_payment_method'
    }
    intents.set(id, intent)
    return { status: 200, body: intent }
  }

  const cancelIntent = (intent: StandInIntent, body: Record<string, string>): Answer => {
    if (intent.status !== 'requires_payment_method') return unexpectedState(intent, 'cancel', 'requires_payment_method, requires_capture, requires_confirmation, requires_action, processing')
    Object.assign(intent, { status: 'canceled', canceled_at: now(), cancellation_reason: body.cancellation_reason ?? null })
    return { status: 200, body: intent }
  }

  const createRefund = (body: Record<string, string>): Answer => {
    const unknown = unknownParameter(body, /^(payment_intent|amount|reason|metadata\[.+\]|expand\[\d*\])$/)
    if (unknown !== undefined) return unknown
    const intentId = body.payment_intent
    if (intentId === undefined) return refusal(400, 'Missing required param: payment_intent.', { code: 'parameter_missing', param: 'payment_intent' })
    const intent = intents.get(intentId)
    if (intent === undefined) return missing('payment_intent', intentId, 'payment_intent')
    if (intent.status !== 'succeeded' || intent.latest_charge === null) return unexpectedState(intent, 'refund', 'succeeded')
    const charge = charges.get(intent.latest_charge)!
    const left = charge.amount - charge.refunded
    if (left === 0) return refusal(400, `Charge ${intent.latest_charge} has already been refunded.`, { code: 'charge_already_refunded' })
    const amount = body.amount === undefined ? left : positiveInteger(body, 'amount')
    if (typeof amount !== 'number') return amount
    const money = (minor: number): string => `${(minor / 100).toFixed(2)} ${intent.currency.toUpperCase()}`
    if (amount > left) return refusal(400, `Refund amount (${money(amount)}) is greater than unrefunded amount on charge (${money(left)})`, { code: 'amount_too_large', param: 'amount' })
    const reason = body.reason ?? null
    if (reason !== null && !['duplicate', 'fraudulent', 'requested_by_customer'].includes(reason)) {
      return refusal(400, 'Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer', { param: 'reason' })
    }
    const status = nextRefundStatus ?? options.refundStatus ?? 'succeeded'
    nextRefundStatus = undefined
    if (status !== 'failed') charge.refunded += amount
    const refund: StandInRefund = {
      id: newId('re'),
      object: 'refund',
      amount,
      charge: intent.latest_charge,
      created: now(),
      currency: intent.currency,
      failure_reason: status === 'failed' ? 'declined' : null,
      metadata: metadataOf(body),
      payment_intent: intent.id,
      reason,
      status
    }
    refunds.set(refund.id, refund)
    return { status: 200, body: refund }
  }

  const route = (method: string, path: string, body: Record<string, string>): Answer => {
    if (method === 'POST' && path === '/v1/payment_intents') return createIntent(body)
    if (method === 'POST' && path === '/v1/refunds') return createRefund(body)
    const [, id, action] = /^\/v1\/payment_intents\/([^/]+)(\/cancel)?$/.exec(path) ?? []
    if (id !== undefined && (method === 'GET' || (method === 'POST' && action !== undefined))) {
      const intent = intents.get(id)
      if (intent === undefined) return missing('payment_intent', id, 'intent')
      return action === undefined ? { status: 200, body: intent } : cancelIntent(intent, body)
    }
    return refusal(404, `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`)
  }

  const answer = (request: IncomingMessage, response: ServerResponse, raw: string): void => {
    const url = new URL(request.url ?? '/', 'http://stand-in')
    const method = request.method ?? 'GET'
    const body = Object.fromEntries(new URLSearchParams(method === 'GET' ? url.search : raw))
    const key = request.headers['idempotency-key']
    const idempotencyKey = typeof key === 'string' ? key : null
    requests.push({ method, path: url.pathname, body, idempotencyKey })
    const send = (status: number, json: string, headers: Record<string, string> = {}): void => {
      response.writeHead(status, { 'content-type': 'application/json', 'request-id': newId('req'), ...(idempotencyKey === null ? {} : { 'idempotency-key': idempotencyKey }), ...headers }).end(json)
    }
    if (hangs > 0) { hangs--; return }
    if (failures.count > 0) {
      failures.count--
      const error = failures.status === 429
        ? { type: 'invalid_request_error', code: 'rate_limit', message: 'Request rate limit exceeded.' }
        : { type: 'api_error', message: 'An unknown error occurred' }
      send(failures.status, JSON.stringify({ error }))
      return
    }
    if (request.headers.authorization !== `Bearer ${secretKey}`) {
      send(401, JSON.stringify({ error: { type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_********' } }))
      return
    }
    const endpoint = `${method} ${url.pathname}`
    const parameters = JSON.stringify(Object.entries(body).sort(([a], [b]) => a.localeCompare(b)))
    const earlier = method === 'POST' && idempotencyKey !== null ? replays.get(idempotencyKey) : undefined
    if (earlier !== undefined) {
      if (earlier.endpoint === endpoint && earlier.parameters === parameters) {
        send(earlier.status, earlier.json, { 'idempotent-replayed': 'true' })
      } else {
        send(400, JSON.stringify({ error: { type: 'idempotency_error', message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.` } }))
      }
      return
    }
    const { status, body: result } = route(method, url.pathname, body)
    const json = JSON.stringify(result)
    // Like Stripe, a request refused for its parameters saves nothing: the caller may fix them and reuse the key.
    const validationFailed = status === 400 && /^parameter_/.test((result as { error?: { code?: string } }).error?.code ?? '')
    if (method === 'POST' && idempotencyKey !== null && !validationFailed) replays.set(idempotencyKey, { endpoint, parameters, status, json })
    send(status, json)
  }

  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => { answer(request, response, Buffer.concat(chunks).toString('utf8')) })
  })
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  let closed: Promise<void> | undefined
  const close = async (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => { resolve() })
    })
    await closed
  }
  t.teardown(close)
  const { port } = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`

  const intentOf = (id: string): StandInIntent => {
    const intent = intents.get(id)
    if (intent === undefined) throw new Error(`the stand-in has no payment intent ${id}`)
    return intent
  }
  const refundOf = (id: string): StandInRefund => {
    const refund = refunds.get(id)
    if (refund === undefined) throw new Error(`the stand-in has no refund ${id}`)
    return refund
  }
  const signEvent = (type: string, object: object, event: EventOptions = {}): SignedEvent => {
    const body = JSON.stringify({
      id: event.id ?? newId('evt'),
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: event.created ?? now(),
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type
    }, null, 2)
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: event.secret ?? webhookSecret, timestamp: event.timestamp ?? now() })
    return { body, signature }
  }

  return {
    url,
    secretKey,
    webhookSecret,
    env: { STRIPE_API_URL: url, STRIPE_SECRET_KEY: secretKey, STRIPE_WEBHOOK_SECRET: webhookSecret },
    requests,
    intents,
    refunds,
    succeed (intentId) {
      const intent = intentOf(intentId)
      const charge = newId('ch')
      charges.set(charge, { amount: intent.amount, refunded: 0 })
      return Object.assign(intent, { status: 'succeeded', amount_received: intent.amount, latest_charge: charge, last_payment_error: null })
    },
    fail (intentId, code = 'card_declined') {
      const intent = intentOf(intentId)
      const lastPaymentError: StandInIntent['last_payment_error'] = code === 'card_declined'
        ? { type: 'card_error', code, decline_code: 'generic_decline', message: 'Your card was declined.' }
        : { type: 'card_error', code, message: `The payment failed: ${code}.` }
      return Object.assign(intent, { status: 'requires_payment_method', latest_charge: newId('ch'), last_payment_error: lastPaymentError })
    },
    setNextRefundStatus (status) { nextRefundStatus = status },
    settleRefund (refundId, status) {
      const refund = refundOf(refundId)
      if (refund.status !== 'pending') throw new Error(`refund ${refundId} is ${refund.status}, not pending`)
      // A failed refund gives the amount back to the charge, so it can be refunded again.
      if (status === 'failed') charges.get(refund.charge)!.refunded -= refund.amount
      return Object.assign(refund, { status, failure_reason: status === 'failed' ? 'declined' : null })
    },
    failNext (count, status = 500) { failures = { count, status } },
    hangNext (count) { hangs = count },
    signEvent,
    intentEvent: (type, intentId, event) => signEvent(type, structuredClone(intentOf(intentId)), event),
    refundEvent: (type, refundId, event) => signEvent(type, structuredClone(refundOf(refundId)), event),
    close
  }
}
