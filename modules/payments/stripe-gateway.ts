import Stripe from 'stripe'

export interface StripeGatewaySettings {
  secretKey: string
  webhookSecret: string
  /** Where the API answers, e.g. a local stand-in in tests; unset means Stripe itself. */
  apiUrl?: string
  timeoutMs: number
  webhookToleranceSeconds?: number
}

export type IntentStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED'

export interface GatewayIntent {
  id: string
  amount: number
  amountReceived: number
  /** Upper-case ISO 4217. */
  currency: string
  status: IntentStatus
  clientSecret: string | null
  failure: { code: string, message: string } | null
  metadata: Record<string, string>
}

export type RefundStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED'

export interface GatewayRefund {
  id: string
  paymentIntentId: string | null
  amount: number
  currency: string
  status: RefundStatus
  failureReason: string | null
  metadata: Record<string, string>
}

export type GatewayEvent =
  | { id: string, type: string, kind: 'intent', createdAt: Date, intent: GatewayIntent }
  | { id: string, type: string, kind: 'refund', createdAt: Date, refund: GatewayRefund }
  | { id: string, type: string, kind: 'other', createdAt: Date }

/** Stripe could not be asked or did not answer: try again later with the same idempotency key. */
export class GatewayUnavailableError extends Error {
  override name = 'GatewayUnavailableError'
}

/** Stripe answered and said no (card_declined, charge_already_refunded, ...): asking again changes nothing. */
export class GatewayRefusedError extends Error {
  override name = 'GatewayRefusedError'
  code: string

  constructor (code: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }
}

export class SignatureRejectedError extends Error {
  override name = 'SignatureRejectedError'
}

export interface PaymentGateway {
  createPaymentIntent (input: { amount: number, currency: string, metadata: Record<string, string>, idempotencyKey: string }): Promise<GatewayIntent>
  retrievePaymentIntent (id: string): Promise<GatewayIntent>
  /** Cancels; when Stripe refuses because the intent already succeeded (or is already cancelled), returns the intent as it is instead of throwing. */
  cancelPaymentIntent (id: string, idempotencyKey: string): Promise<GatewayIntent>
  createRefund (input: { paymentIntentId: string, amount: number, metadata: Record<string, string>, idempotencyKey: string, reason?: 'duplicate' | 'requested_by_customer' }): Promise<GatewayRefund>
  /** Verifies Stripe-Signature on the raw body (stripe.webhooks.constructEvent) and reads the event. */
  parseEvent (rawBody: Buffer, signature: string | undefined): GatewayEvent
}

const INTENT_STATUSES: Record<string, IntentStatus> = {
  requires_confirmation: 'PENDING',
  requires_action: 'PENDING',
  processing: 'PENDING',
  requires_capture: 'PENDING',
  succeeded: 'SUCCEEDED',
  canceled: 'CANCELLED'
}

const REFUND_STATUSES: Record<string, RefundStatus> = {
  pending: 'PENDING',
  requires_action: 'PENDING',
  succeeded: 'SUCCEEDED',
  failed: 'FAILED',
  canceled: 'FAILED'
}

function toIntent (intent: Stripe.PaymentIntent): GatewayIntent {
  const error = intent.last_payment_error
  // A declined attempt sends the intent back to requires_payment_method: only the error tells it from a fresh one.
  const status = intent.status === 'requires_payment_method'
    ? (error === null ? 'PENDING' : 'FAILED')
    : INTENT_STATUSES[intent.status] ?? 'PENDING' // Stripe's enums are open: a status we don't know is no final answer
  return {
    id: intent.id,
    amount: intent.amount,
    amountReceived: intent.amount_received,
    currency: intent.currency.toUpperCase(),
    status,
    clientSecret: intent.client_secret,
    failure: error === null ? null : { code: error.code ?? error.decline_code ?? 'payment_failed', message: error.message ?? 'The payment failed.' },
    metadata: { ...intent.metadata }
  }
}

function toRefund (refund: Stripe.Refund): GatewayRefund {
  const intent = refund.payment_intent
  return {
    id: refund.id,
    paymentIntentId: typeof intent === 'string' ? intent : intent?.id ?? null,
    amount: refund.amount,
    currency: refund.currency.toUpperCase(),
    status: REFUND_STATUSES[refund.status ?? ''] ?? 'PENDING',
    failureReason: refund.failure_reason ?? null,
    metadata: { ...refund.metadata }
  }
}

function isUnavailable (error: InstanceType<typeof Stripe.errors.StripeError>): boolean {
  if (error instanceof Stripe.errors.StripeConnectionError || error instanceof Stripe.errors.StripeRateLimitError) return true
  const status = error.statusCode
  // No status: the answer never came whole. 409 is Stripe's "a request with this key is still running" or a lock timeout.
  return status === undefined || status >= 500 || status === 409
}

function translate (error: unknown): unknown {
  if (!(error instanceof Stripe.errors.StripeError)) return error
  if (isUnavailable(error)) return new GatewayUnavailableError(error.message, { cause: error })
  return new GatewayRefusedError(error.code ?? error.rawType ?? error.type, error.message, { cause: error })
}

async function call<T> (request: () => Promise<T>): Promise<T> {
  try {
    return await request()
  } catch (error) {
    throw translate(error)
  }
}

function apiAddress (apiUrl: string): Pick<Stripe.StripeConfig, 'host' | 'port' | 'protocol'> {
  const url = new URL(apiUrl)
  const protocol = url.protocol.slice(0, -1)
  if (protocol !== 'http' && protocol !== 'https') throw new Error(`STRIPE_API_URL must be http or https, not ${url.protocol}`)
  // The SDK takes the host as node:http does: without an IPv6 literal's brackets.
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port === '' ? (protocol === 'http' ? 80 : 443) : Number(url.port), protocol }
}

export function createStripeGateway (settings: StripeGatewaySettings): PaymentGateway {
  const tolerance = settings.webhookToleranceSeconds ?? 300
  // Since stripe 23, a tolerance of 0 turns the timestamp check off: never let a setting do that by accident.
  if (!(tolerance > 0)) throw new Error('webhookToleranceSeconds must be positive')
  const stripe = new Stripe(settings.secretKey, {
    // Our callers retry with the same idempotency key on their own schedule; the SDK's retries would hide the outage.
    maxNetworkRetries: 0,
    timeout: settings.timeoutMs,
    telemetry: false,
    ...(settings.apiUrl === undefined ? {} : apiAddress(settings.apiUrl))
  })

  const retrievePaymentIntent = async (id: string): Promise<GatewayIntent> =>
    toIntent(await call(async () => await stripe.paymentIntents.retrieve(id)))

  return {
    async createPaymentIntent ({ amount, currency, metadata, idempotencyKey }) {
      return toIntent(await call(async () => await stripe.paymentIntents.create({
        amount,
        currency: currency.toLowerCase(),
        metadata,
        automatic_payment_methods: { enabled: true }
      }, { idempotencyKey })))
    },

    retrievePaymentIntent,

    async cancelPaymentIntent (id, idempotencyKey) {
      try {
        return toIntent(await stripe.paymentIntents.cancel(id, undefined, { idempotencyKey }))
      } catch (error) {
        // Too late (succeeded) or already done (canceled): the intent as it stands is the answer the caller needs.
        if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'payment_intent_unexpected_state') return await retrievePaymentIntent(id)
        throw translate(error)
      }
    },

    async createRefund ({ paymentIntentId, amount, metadata, idempotencyKey, reason }) {
      return toRefund(await call(async () => await stripe.refunds.create({
        payment_intent: paymentIntentId,
        amount,
        metadata,
        ...(reason === undefined ? {} : { reason })
      }, { idempotencyKey })))
    },

    parseEvent (rawBody, signature) {
      if (signature === undefined || signature === '') throw new SignatureRejectedError('the Stripe-Signature header is missing')
      let event: Stripe.Event
      try {
        event = stripe.webhooks.constructEvent(rawBody, signature, settings.webhookSecret, tolerance)
      } catch (error) {
        if (error instanceof Stripe.errors.StripeSignatureVerificationError) throw new SignatureRejectedError(error.message, { cause: error })
        throw error
      }
      const base = { id: event.id, type: event.type, createdAt: new Date(event.created * 1000) }
      if (event.type.startsWith('payment_intent.')) return { ...base, kind: 'intent', intent: toIntent(event.data.object as Stripe.PaymentIntent) }
      // charge.refund.updated carries a Refund too; charge.refunded carries the Charge and stays 'other'.
      if (event.type.startsWith('refund.') || event.type === 'charge.refund.updated') return { ...base, kind: 'refund', refund: toRefund(event.data.object as Stripe.Refund) }
      return { ...base, kind: 'other' }
    }
  }
}
