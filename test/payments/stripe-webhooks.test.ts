import t, { type Test } from 'tap'
import { problem, validationProblem } from '../helpers/problems.js'
import { createCustomer, idempotencyKey, sellable, type Customer, type Order } from '../helpers/shop.js'
import { concurrently } from '../helpers/concurrency.js'
import { shipOrder } from '../helpers/fulfilment.js'
import { startReceiver, type Receiver } from '../helpers/webhooks.js'
import {
  adminEmail, buildPayments, intentOf, mailsTo, orderPayments, ownOrder, paymentsWhen, placeCardOrder, postStripeEvent, secondPaymentsInstance,
  signedEvent, subscribe, waitFor, webhooksReceived, type PaymentsHarness
} from '../helpers/payments.js'

// One delivery worker: webhooks leave in the order they were queued, so the shipped one comes after any order.paid.
const SERIAL_WEBHOOKS = { WEBHOOK_DELIVERY_CONCURRENCY: '1' }
const SIGNATURE_INVALID = problem(400, 'STRIPE_SIGNATURE_INVALID', 'The Stripe-Signature header does not sign this body with our webhook secret, or it is more than five minutes old.', '/api/v1/webhooks/stripe')

interface Scene { harness: PaymentsHarness, receiver: Receiver, secret: string, customer: Customer, order: Order }

async function scene (t: Test, env: Record<string, string> = {}): Promise<Scene> {
  const harness = await buildPayments(t, { ...SERIAL_WEBHOOKS, ...env })
  const receiver = await startReceiver(t)
  const secret = await subscribe(harness, receiver, ['order.paid', 'order.shipped'])
  const customer = await createCustomer(harness)
  const stool = await sellable(harness, 2500, 10)
  const order = await placeCardOrder(harness, customer, stool.variantId, 2)
  return { harness, receiver, secret, customer, order }
}

/**
 * The payment had its effect once: one applied event, one confirmation, and, once the order has shipped
 * (whose webhook and email are queued after any the payment made), one order.paid webhook and one email.
 */
async function paidOnce (t: Test, { harness, receiver, secret, customer, order }: Scene): Promise<void> {
  const payments = await orderPayments(harness, order.id)
  t.same(payments.payments.map(({ payment, events }) => [payment.status, events.map((event) => [event.type, event.outcome])]), [['SUCCEEDED', [['payment_intent.succeeded', 'APPLIED']]]], 'the event is recorded once, applied')
  t.same(payments.paid, order.total)
  const paid = await ownOrder(harness, customer, order.id)
  t.match(paid, { status: 'CONFIRMED', paymentStatus: 'PAID' })
  t.same(paid.statusHistory.map((change) => change.to), ['PENDING', 'CONFIRMED'], 'confirmed once')

  await shipOrder(harness, order.id)
  await waitFor('the order.shipped webhook', async () => webhooksReceived(receiver, secret).some((webhook) => webhook.type === 'order.shipped'))
  await waitFor('the shipped email', async () => mailsTo(harness, customer.email, /on its way/).length > 0)
  t.same(webhooksReceived(receiver, secret).map((webhook) => webhook.type).sort(), ['order.paid', 'order.shipped'], 'one order.paid webhook')
  t.equal(mailsTo(harness, customer.email, /confirmed/i).length, 1, 'one confirmation email')
}

t.test('an event that is not signed with our secret, or signed too long ago, is refused and changes nothing', async (t) => {
  const { harness, customer, order } = await scene(t)
  const before = await ownOrder(harness, customer, order.id)
  const intent = intentOf(harness, order)
  // What a forger would send: the intent, paid in full; Stripe itself never saw a payment.
  const forged = { ...structuredClone(intent), status: 'succeeded', amount_received: intent.amount, latest_charge: 'ch_forged' }
  const genuine = signedEvent(harness, 'payment_intent.succeeded', forged)
  const now = Math.floor(Date.now() / 1000)

  const deliveries: Array<[string, { body: string, signature?: string }]> = [
    ['a body changed after signing', { body: genuine.body.replace(/"amount_received": \d+/, '"amount_received": 1'), signature: genuine.signature }],
    ['signed with another secret', signedEvent(harness, 'payment_intent.succeeded', forged, { secret: 'whsec_someoneelsesSecretThatIsNotOurs0000' })],
    ['signed more than five minutes ago', signedEvent(harness, 'payment_intent.succeeded', forged, { timestamp: now - 301 })],
    ['signed an hour ago, with an old event', signedEvent(harness, 'payment_intent.succeeded', forged, { timestamp: now - 3600, created: now - 3600 })],
    ['with an empty Stripe-Signature', { body: genuine.body, signature: '' }],
    ['with a signature that is no signature', { body: genuine.body, signature: 'v1=deadbeef' }]
  ]
  for (const [what, delivery] of deliveries) {
    const answer = await postStripeEvent(harness.app, delivery)
    t.equal(answer.status, 400, what)
    t.same(answer.body, SIGNATURE_INVALID, what)
  }
  // The spec declares the header required, so its absence is refused by validation, before any signature check.
  const unsigned = await postStripeEvent(harness.app, { body: genuine.body })
  t.equal(unsigned.status, 400, 'without Stripe-Signature')
  t.same(unsigned.body, validationProblem('/api/v1/webhooks/stripe', [{ pointer: '/headers/stripe-signature', detail: "must have required property 'stripe-signature'" }]))

  t.same(await ownOrder(harness, customer, order.id), before, 'the order is as it was: unpaid')
  t.same((await orderPayments(harness, order.id)).payments.map(({ events }) => events), [[]], 'no event recorded')
  t.same(harness.stripe.intents.get(intent.id)?.status, 'requires_payment_method')

  const real = await postStripeEvent(harness.app, { body: genuine.body, signature: genuine.signature })
  t.same(real.body, { received: true, duplicate: false }, 'the same body with its own signature is taken')
})

t.test('the same event delivered twice has its effect once; the repeat answers duplicate', async (t) => {
  const s = await scene(t)
  s.harness.stripe.succeed(intentOf(s.harness, s.order).id)
  const event = s.harness.stripe.intentEvent('payment_intent.succeeded', intentOf(s.harness, s.order).id)
  const first = await postStripeEvent(s.harness.app, event)
  t.same(first.body, { received: true, duplicate: false })
  const second = await postStripeEvent(s.harness.app, event)
  t.same(second, { status: 200, contentType: 'application/json; charset=utf-8', body: { received: true, duplicate: true } })
  await paidOnce(t, s)
})

t.test('ten concurrent deliveries of one event: one applies it, nine are duplicates', async (t) => {
  const s = await scene(t)
  const intent = s.harness.stripe.succeed(intentOf(s.harness, s.order).id)
  const event = s.harness.stripe.intentEvent('payment_intent.succeeded', intent.id)
  const answers = await concurrently(10, async () => await postStripeEvent(s.harness.app, event))
  t.same(answers.map((answer) => answer.status), Array(10).fill(200))
  t.equal(answers.filter((answer) => answer.body.duplicate === false).length, 1, 'exactly one not a duplicate')
  await paidOnce(t, s)
})

t.test('two instances receiving the same event at once: one effect', async (t) => {
  const s = await scene(t)
  const other = await secondPaymentsInstance(t, s.harness)
  const intent = s.harness.stripe.succeed(intentOf(s.harness, s.order).id)
  const event = s.harness.stripe.intentEvent('payment_intent.succeeded', intent.id)
  const answers = await concurrently(6, async (index) => await postStripeEvent(index % 2 === 0 ? s.harness.app : other.app, event))
  t.same(answers.map((answer) => answer.status), Array(6).fill(200))
  t.equal(answers.filter((answer) => answer.body.duplicate === false).length, 1, 'exactly one instance applied it')
  await paidOnce(t, s)
})

t.test('events out of order: a failure reported after the success changes nothing, and is recorded as ignored', async (t) => {
  const { harness, customer, order } = await scene(t)
  const intent = intentOf(harness, order)
  const now = Math.floor(Date.now() / 1000)
  // At Stripe the first try was declined, the second paid; the deliveries arrive the other way round.
  harness.stripe.fail(intent.id)
  const failed = harness.stripe.intentEvent('payment_intent.payment_failed', intent.id, { created: now - 30 })
  harness.stripe.succeed(intent.id)
  const succeeded = harness.stripe.intentEvent('payment_intent.succeeded', intent.id, { created: now })

  t.same((await postStripeEvent(harness.app, succeeded)).body, { received: true, duplicate: false })
  const paid = await ownOrder(harness, customer, order.id)
  t.same((await postStripeEvent(harness.app, failed)).body, { received: true, duplicate: false }, 'the late failure is received')
  const after = await ownOrder(harness, customer, order.id)
  t.match(after, { status: 'CONFIRMED', paymentStatus: 'PAID', payments: [{ status: 'SUCCEEDED', failure: null, amountReceived: order.total }] })
  t.same(after, paid, 'and changes nothing')
  const canceled = structuredClone({ ...harness.stripe.intents.get(intent.id), status: 'canceled' })
  t.same((await postStripeEvent(harness.app, signedEvent(harness, 'payment_intent.canceled', canceled))).body, { received: true, duplicate: false })
  t.same(await ownOrder(harness, customer, order.id), paid, 'nor does a cancellation after the success')

  const [record] = (await orderPayments(harness, order.id)).payments
  t.same(record?.events.map((event) => [event.type, event.outcome]), [
    ['payment_intent.payment_failed', 'IGNORED'],
    ['payment_intent.succeeded', 'APPLIED'],
    ['payment_intent.canceled', 'IGNORED']
  ], 'every event recorded, oldest first, the late ones ignored')
  t.match(record?.events[0]?.detail, /already succeeded/)
})

t.test('an event about an intent that is not ours is acknowledged and changes nothing', async (t) => {
  const { harness, customer, order } = await scene(t)
  const before = await ownOrder(harness, customer, order.id)
  const intent = intentOf(harness, order)
  const stranger = { ...structuredClone(intent), id: 'pi_someoneelses000000000000', metadata: {}, status: 'succeeded', amount_received: intent.amount }
  const event = signedEvent(harness, 'payment_intent.succeeded', stranger)
  t.same(await postStripeEvent(harness.app, event), { status: 200, contentType: 'application/json; charset=utf-8', body: { received: true, duplicate: false } })
  t.same((await postStripeEvent(harness.app, event)).body, { received: true, duplicate: true }, 'recorded all the same: a redelivery is a duplicate')
  // Our payment's id in its metadata, but another intent than the payment's own: still not ours to take.
  const impostor = { ...stranger, id: 'pi_impostor0000000000000000', metadata: { ...intent.metadata } }
  t.same((await postStripeEvent(harness.app, signedEvent(harness, 'payment_intent.succeeded', impostor))).body, { received: true, duplicate: false })
  t.same((await postStripeEvent(harness.app, signedEvent(harness, 'charge.succeeded', { id: 'ch_1', object: 'charge' }))).body, { received: true, duplicate: false }, 'an event we do not handle is acknowledged')

  t.same(await ownOrder(harness, customer, order.id), before, 'the order is as it was')
  t.same((await orderPayments(harness, order.id)).payments.map(({ events }) => events), [[]], 'nothing recorded against our payment')
})

t.test('a success for another amount or currency than the payment\'s is not taken as payment: flagged to staff', async (t) => {
  const { harness, customer, order } = await scene(t)
  const admin = await adminEmail(harness)
  const stool = await sellable(harness, 1000, 10, 'Brass Lamp')
  const second = await placeCardOrder(harness, customer, stool.variantId)
  const cases: Array<[string, Order, (intent: object & { amount: number, currency: string }) => object]> = [
    ['less received than the payment', order, (intent) => ({ ...intent, amount_received: intent.amount - 1 })],
    ['another currency', second, (intent) => ({ ...intent, currency: intent.currency === 'eur' ? 'usd' : 'eur' })]
  ]
  for (const [what, target, change] of cases) {
    const intent = harness.stripe.succeed(intentOf(harness, target).id)
    const reported = change(structuredClone(intent)) as { amount_received: number, currency: string }
    const answer = await postStripeEvent(harness.app, signedEvent(harness, 'payment_intent.succeeded', reported))
    t.same(answer.body, { received: true, duplicate: false }, what)

    const seen = await ownOrder(harness, customer, target.id)
    t.match(seen, { status: 'PENDING', paymentStatus: 'UNPAID' }, `${what}: the order stays unpaid`)
    const reason = `Stripe reported ${reported.amount_received} ${reported.currency.toUpperCase()} received for a payment of ${target.total.amount} ${target.total.currency}.`
    t.match(seen.payments, [{ status: 'FAILED', failure: { code: 'amount_mismatch' }, amountReceived: { amount: 0 }, attention: null }], `${what}: the payment is refused; why staff must look is for staff only`)
    const [record] = (await orderPayments(harness, target.id)).payments
    t.match(record, { payment: { attention: reason }, events: [{ type: 'payment_intent.succeeded', outcome: 'FLAGGED', detail: reason }] })

    const mail = await harness.smtp.nextMessage(admin)
    t.match(mail.subject, target.number, `${what}: the admins are emailed`)
    t.match(mail.text, reason)
  }
  t.equal(mailsTo(harness, customer.email, /confirmed/i).length, 0, 'the customer hears of no confirmation')
})

t.test('paid twice (an old attempt paid after the new one): the second payment is refunded, the order stays paid, announced once', async (t) => {
  const { harness, receiver, secret, customer, order } = await scene(t)
  const first = intentOf(harness, order)
  harness.stripe.fail(first.id)
  await postStripeEvent(harness.app, harness.stripe.intentEvent('payment_intent.payment_failed', first.id))
  const { data: retried } = await harness.api.POST('/api/v1/orders/{id}/payment', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, params: { path: { id: order.id } } })
  const second = intentOf(harness, retried ?? order)
  t.not(second.id, first.id)

  harness.stripe.succeed(second.id)
  t.same((await postStripeEvent(harness.app, harness.stripe.intentEvent('payment_intent.succeeded', second.id))).body, { received: true, duplicate: false })
  // The customer, in a tab left open, pays the declined intent again: Stripe takes it.
  harness.stripe.succeed(first.id)
  t.same((await postStripeEvent(harness.app, harness.stripe.intentEvent('payment_intent.succeeded', first.id))).body, { received: true, duplicate: false })

  const payments = await paymentsWhen(harness, order.id, 'the second payment\'s refund', (found) => found.refunds[0]?.status === 'SUCCEEDED')
  t.match(payments, { paid: { amount: 2 * order.total.amount }, refunded: order.total, refundable: order.total })
  t.match(payments.refunds, [{ paymentId: order.payments[0]?.id, amount: order.total, reason: 'OVERPAYMENT', status: 'SUCCEEDED', by: { role: 'SYSTEM', id: null } }], 'the payment nobody owed is refunded')
  t.equal(payments.refunds.length, 1)
  t.same([...harness.stripe.refunds.values()].map((refund) => [refund.payment_intent, refund.amount]), [[first.id, order.total.amount]])
  const seen = await ownOrder(harness, customer, order.id)
  t.match(seen, { status: 'CONFIRMED', paymentStatus: 'PAID' }, 'still paid, by the other payment')
  t.same(seen.statusHistory.map((change) => change.to), ['PENDING', 'CONFIRMED'])

  await shipOrder(harness, order.id)
  await waitFor('the order.shipped webhook', async () => webhooksReceived(receiver, secret).some((webhook) => webhook.type === 'order.shipped'))
  t.same(webhooksReceived(receiver, secret).map((webhook) => webhook.type).sort(), ['order.paid', 'order.shipped'], 'one order.paid')
})
