import t, { type Test } from 'tap'
import {
  createStripeGateway,
  GatewayRefusedError,
  GatewayUnavailableError,
  SignatureRejectedError,
  type PaymentGateway
} from '../../modules/payments/stripe-gateway.js'
import { startStripeStandIn, type StripeStandIn } from '../helpers/stripe-stand-in.js'

interface Harness { standIn: StripeStandIn, gateway: PaymentGateway }

async function harness (test: Test, timeoutMs = 5000): Promise<Harness> {
  const standIn = await startStripeStandIn(test)
  const gateway = createStripeGateway({ secretKey: standIn.secretKey, webhookSecret: standIn.webhookSecret, apiUrl: standIn.url, timeoutMs })
  return { standIn, gateway }
}

/** The error a promise rejects with; fails loudly if it resolves. */
async function rejectionOf (promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the call to be rejected')
}

const order = (id: string, idempotencyKey = `intent-${id}`) =>
  ({ amount: 4250, currency: 'EUR', metadata: { order_id: id }, idempotencyKey })

t.test('creating an intent sends the amount, lower-case currency, metadata and key; a replayed key creates nothing new', async (t) => {
  const { standIn, gateway } = await harness(t)
  const intent = await gateway.createPaymentIntent(order('ord_1'))
  t.match(intent, { id: /^pi_/, amount: 4250, amountReceived: 0, currency: 'EUR', status: 'PENDING', failure: null })
  t.same(intent.metadata, { order_id: 'ord_1' })
  t.equal(intent.clientSecret, standIn.intents.get(intent.id)?.client_secret)
  t.match(intent.clientSecret, new RegExp(`^${intent.id}_secret_`))
  t.same(standIn.requests, [{
    method: 'POST',
    path: '/v1/payment_intents',
    body: { amount: '4250', currency: 'eur', 'metadata[order_id]': 'ord_1', 'automatic_payment_methods[enabled]': 'true' },
    idempotencyKey: 'intent-ord_1'
  }])

  const replayed = await gateway.createPaymentIntent(order('ord_1'))
  t.same(replayed, intent, 'the same key answers with the same intent')
  t.equal(standIn.intents.size, 1, 'and Stripe created it once')

  const misused = await rejectionOf(gateway.createPaymentIntent({ ...order('ord_1'), amount: 999 }))
  t.type(misused, GatewayRefusedError)
  t.match(misused, { code: 'idempotency_error', message: /same parameters/ }, 'the key with other parameters is refused')
  t.equal(standIn.intents.size, 1)
})

t.test('retrieving reads the intent as Stripe has it: pending, succeeded, failed, or unknown', async (t) => {
  const { standIn, gateway } = await harness(t)
  const paid = await gateway.createPaymentIntent(order('ord_paid'))
  t.equal((await gateway.retrievePaymentIntent(paid.id)).status, 'PENDING')
  standIn.succeed(paid.id)
  t.match(await gateway.retrievePaymentIntent(paid.id), { id: paid.id, status: 'SUCCEEDED', amountReceived: 4250, currency: 'EUR', failure: null })
  t.match(standIn.requests.at(-1), { method: 'GET', path: `/v1/payment_intents/${paid.id}`, idempotencyKey: null })

  const declined = await gateway.createPaymentIntent(order('ord_declined'))
  standIn.fail(declined.id)
  t.match(await gateway.retrievePaymentIntent(declined.id), { status: 'FAILED', amountReceived: 0, failure: { code: 'card_declined', message: 'Your card was declined.' } })
  standIn.fail(declined.id, 'expired_card')
  t.match(await gateway.retrievePaymentIntent(declined.id), { status: 'FAILED', failure: { code: 'expired_card' } })

  const missing = await rejectionOf(gateway.retrievePaymentIntent('pi_nothing'))
  t.type(missing, GatewayRefusedError)
  t.match(missing, { code: 'resource_missing', message: "No such payment_intent: 'pi_nothing'" })
})

t.test('cancelling cancels a pending intent and answers a succeeded or cancelled one with the intent as it is', async (t) => {
  const { standIn, gateway } = await harness(t)
  const pending = await gateway.createPaymentIntent(order('ord_abandoned'))
  const cancelled = await gateway.cancelPaymentIntent(pending.id, `cancel-${pending.id}`)
  t.match(cancelled, { id: pending.id, status: 'CANCELLED', amountReceived: 0 })
  t.match(standIn.requests.at(-1), { method: 'POST', path: `/v1/payment_intents/${pending.id}/cancel`, idempotencyKey: `cancel-${pending.id}` })
  t.equal(standIn.intents.get(pending.id)?.status, 'canceled')
  t.match(await gateway.cancelPaymentIntent(pending.id, 'cancel-again'), { status: 'CANCELLED' }, 'cancelling twice is no error')

  const paid = await gateway.createPaymentIntent(order('ord_paid'))
  standIn.succeed(paid.id)
  const before = standIn.requests.length
  t.match(await gateway.cancelPaymentIntent(paid.id, `cancel-${paid.id}`), { id: paid.id, status: 'SUCCEEDED', amountReceived: 4250 })
  t.same(standIn.requests.slice(before).map(({ method, path }) => `${method} ${path}`), [
    `POST /v1/payment_intents/${paid.id}/cancel`,
    `GET /v1/payment_intents/${paid.id}`
  ], 'Stripe refused the cancel, and the gateway read the intent')
  t.equal(standIn.intents.get(paid.id)?.status, 'succeeded', 'the payment stands')

  const missing = await rejectionOf(gateway.cancelPaymentIntent('pi_nothing', 'cancel-nothing'))
  t.type(missing, GatewayRefusedError)
  t.match(missing, { code: 'resource_missing' })
})

t.test('refunds: full, partial up to the charge, and more than is left is refused', async (t) => {
  const { standIn, gateway } = await harness(t)
  const full = await gateway.createPaymentIntent(order('ord_full'))
  standIn.succeed(full.id)
  const refund = await gateway.createRefund({ paymentIntentId: full.id, amount: 4250, metadata: { return_id: 'ret_1' }, idempotencyKey: 'refund-ret_1', reason: 'requested_by_customer' })
  t.same(refund, { id: refund.id, paymentIntentId: full.id, amount: 4250, currency: 'EUR', status: 'SUCCEEDED', failureReason: null, metadata: { return_id: 'ret_1' } })
  t.match(refund.id, /^re_/)
  t.match(standIn.requests.at(-1), {
    method: 'POST',
    path: '/v1/refunds',
    body: { payment_intent: full.id, amount: '4250', reason: 'requested_by_customer', 'metadata[return_id]': 'ret_1' },
    idempotencyKey: 'refund-ret_1'
  })
  t.same(await gateway.createRefund({ paymentIntentId: full.id, amount: 4250, metadata: { return_id: 'ret_1' }, idempotencyKey: 'refund-ret_1', reason: 'requested_by_customer' }), refund, 'a replayed key refunds once')
  t.equal(standIn.refunds.size, 1)
  const again = await rejectionOf(gateway.createRefund({ paymentIntentId: full.id, amount: 1, metadata: {}, idempotencyKey: 'refund-again' }))
  t.type(again, GatewayRefusedError)
  t.match(again, { code: 'charge_already_refunded' })

  const partial = await gateway.createPaymentIntent(order('ord_partial'))
  standIn.succeed(partial.id)
  t.match(await gateway.createRefund({ paymentIntentId: partial.id, amount: 1000, metadata: {}, idempotencyKey: 'refund-part-1' }), { amount: 1000, status: 'SUCCEEDED' })
  const over = await rejectionOf(gateway.createRefund({ paymentIntentId: partial.id, amount: 3251, metadata: {}, idempotencyKey: 'refund-part-2' }))
  t.type(over, GatewayRefusedError)
  t.match(over, { code: 'amount_too_large', message: /greater than unrefunded amount on charge \(32\.50 EUR\)/ })
  t.match(await gateway.createRefund({ paymentIntentId: partial.id, amount: 3250, metadata: {}, idempotencyKey: 'refund-part-3' }), { amount: 3250, status: 'SUCCEEDED' }, 'the rest is still refundable')
  t.notOk('reason' in (standIn.requests.at(-1)?.body ?? {}), 'no reason is sent when none is given')

  const unpaid = await gateway.createPaymentIntent(order('ord_unpaid'))
  const early = await rejectionOf(gateway.createRefund({ paymentIntentId: unpaid.id, amount: 100, metadata: {}, idempotencyKey: 'refund-unpaid' }))
  t.type(early, GatewayRefusedError)
  t.match(early, { code: 'payment_intent_unexpected_state' })
})

t.test('refund statuses: pending, and failed with its reason', async (t) => {
  const { standIn, gateway } = await harness(t)
  const intent = await gateway.createPaymentIntent(order('ord_slow'))
  standIn.succeed(intent.id)
  standIn.setNextRefundStatus('pending')
  const pending = await gateway.createRefund({ paymentIntentId: intent.id, amount: 2000, metadata: {}, idempotencyKey: 'refund-slow' })
  t.match(pending, { status: 'PENDING', failureReason: null })
  standIn.setNextRefundStatus('failed')
  t.match(await gateway.createRefund({ paymentIntentId: intent.id, amount: 2250, metadata: {}, idempotencyKey: 'refund-failing' }), { status: 'FAILED', failureReason: 'declined' })
  t.match(await gateway.createRefund({ paymentIntentId: intent.id, amount: 2250, metadata: {}, idempotencyKey: 'refund-after-failure' }), { status: 'SUCCEEDED' }, 'a failed refund leaves the amount refundable')
})

t.test('an outage is GatewayUnavailableError, asked once; the same key then goes through once', async (t) => {
  const { standIn, gateway } = await harness(t)
  standIn.failNext(1, 500)
  const outage = await rejectionOf(gateway.createPaymentIntent(order('ord_outage')))
  t.type(outage, GatewayUnavailableError)
  t.equal(standIn.requests.length, 1, 'the SDK did not retry by itself')
  t.equal(standIn.intents.size, 0)

  standIn.failNext(1, 429)
  t.type(await rejectionOf(gateway.createPaymentIntent(order('ord_outage'))), GatewayUnavailableError, 'rate limited')
  standIn.failNext(1, 503)
  t.type(await rejectionOf(gateway.retrievePaymentIntent('pi_whatever')), GatewayUnavailableError)

  const intent = await gateway.createPaymentIntent(order('ord_outage'))
  t.equal((await gateway.createPaymentIntent(order('ord_outage'))).id, intent.id)
  t.equal(standIn.intents.size, 1)
})

t.test('a stand-in that never answers is GatewayUnavailableError after timeoutMs', async (t) => {
  const { standIn, gateway } = await harness(t, 300)
  standIn.hangNext(1)
  const started = performance.now()
  const timedOut = await rejectionOf(gateway.createPaymentIntent(order('ord_hang')))
  const elapsed = performance.now() - started
  t.type(timedOut, GatewayUnavailableError)
  t.match(timedOut, { message: /timeout/ })
  t.ok(elapsed >= 290 && elapsed < 3000, `gave up after ${Math.round(elapsed)} ms`)
  t.equal(standIn.requests.length, 1, 'and did not ask again')
  t.match(await gateway.createPaymentIntent(order('ord_hang')), { status: 'PENDING' }, 'the next request is answered')
})

t.test('an unreachable Stripe is GatewayUnavailableError; a wrong secret key is refused', async (t) => {
  const { standIn, gateway } = await harness(t)
  const wrongKey = createStripeGateway({ secretKey: 'sk_test_wrong', webhookSecret: standIn.webhookSecret, apiUrl: standIn.url, timeoutMs: 5000 })
  const unauthorised = await rejectionOf(wrongKey.createPaymentIntent(order('ord_key')))
  t.type(unauthorised, GatewayRefusedError)
  t.match(unauthorised, { message: /Invalid API Key/ })
  t.equal(standIn.intents.size, 0)

  await standIn.close()
  t.type(await rejectionOf(gateway.retrievePaymentIntent('pi_gone')), GatewayUnavailableError)
})

t.test('parseEvent reads signed intent, refund and other events', async (t) => {
  const { standIn, gateway } = await harness(t)
  const intent = await gateway.createPaymentIntent(order('ord_events'))
  standIn.succeed(intent.id)
  const created = Math.floor(Date.now() / 1000) - 60
  const paid = standIn.intentEvent('payment_intent.succeeded', intent.id, { id: 'evt_paid', created })
  t.same(gateway.parseEvent(Buffer.from(paid.body), paid.signature), {
    id: 'evt_paid',
    type: 'payment_intent.succeeded',
    kind: 'intent',
    createdAt: new Date(created * 1000),
    intent: { ...intent, status: 'SUCCEEDED', amountReceived: 4250 }
  })

  standIn.setNextRefundStatus('pending')
  const refund = await gateway.createRefund({ paymentIntentId: intent.id, amount: 4250, metadata: { return_id: 'ret_9' }, idempotencyKey: 'refund-ret_9' })
  standIn.settleRefund(refund.id, 'failed')
  for (const type of ['refund.failed', 'charge.refund.updated']) {
    const event = standIn.refundEvent(type, refund.id)
    t.match(gateway.parseEvent(Buffer.from(event.body), event.signature), { type, kind: 'refund', refund: { ...refund, status: 'FAILED', failureReason: 'declined' } }, type)
  }

  const other = standIn.signEvent('charge.refunded', { id: 'ch_1', object: 'charge' }, { id: 'evt_other' })
  const parsed = gateway.parseEvent(Buffer.from(other.body), other.signature)
  t.same(Object.keys(parsed).sort(), ['createdAt', 'id', 'kind', 'type'])
  t.match(parsed, { id: 'evt_other', type: 'charge.refunded', kind: 'other' })
})

t.test('parseEvent rejects a tampered body, a wrong secret, a stale timestamp and a missing header', async (t) => {
  const { standIn, gateway } = await harness(t)
  const intent = await gateway.createPaymentIntent(order('ord_forged'))
  const signed = standIn.intentEvent('payment_intent.succeeded', intent.id)
  const rejects = (body: string, signature: string | undefined, message: string): void => {
    t.throws(() => gateway.parseEvent(Buffer.from(body), signature), SignatureRejectedError, message)
  }
  const tampered = signed.body.replace('"amount": 4250', '"amount": 1')
  t.not(tampered, signed.body)
  rejects(tampered, signed.signature, 'a tampered body')
  const forged = standIn.intentEvent('payment_intent.succeeded', intent.id, { secret: 'whsec_someone_else' })
  rejects(forged.body, forged.signature, 'a body signed with another secret')
  const now = Math.floor(Date.now() / 1000)
  const stale = standIn.intentEvent('payment_intent.succeeded', intent.id, { timestamp: now - 301 })
  rejects(stale.body, stale.signature, 'a signature older than the 300 s tolerance')
  rejects(signed.body, undefined, 'no Stripe-Signature header')
  rejects(signed.body, '', 'an empty Stripe-Signature header')
  rejects(signed.body, 'garbage', 'a header that is no signature')

  const recent = standIn.intentEvent('payment_intent.succeeded', intent.id, { timestamp: now - 200 })
  t.equal(gateway.parseEvent(Buffer.from(recent.body), recent.signature).kind, 'intent', 'a delivery within the tolerance is read')
  const strict = createStripeGateway({ secretKey: standIn.secretKey, webhookSecret: standIn.webhookSecret, apiUrl: standIn.url, timeoutMs: 5000, webhookToleranceSeconds: 60 })
  t.throws(() => strict.parseEvent(Buffer.from(recent.body), recent.signature), SignatureRejectedError, 'the tolerance is configurable')
  t.throws(() => createStripeGateway({ secretKey: 'sk', webhookSecret: 'whsec_x', timeoutMs: 5000, webhookToleranceSeconds: 0 }), /positive/, 'a zero tolerance, which the SDK reads as "no check", is refused')
})
