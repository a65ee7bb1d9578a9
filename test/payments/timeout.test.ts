import t from 'tap'
import { createCustomer, idempotencyKey, placeOrder, sellable, stockOf, type Customer, type Order } from '../helpers/shop.js'
import { concurrently } from '../helpers/concurrency.js'
import {
  adminEmail, buildPayments, deliverIntentEvent, intentOf, mailsTo, orderPayments, ownOrder, paymentsWhen, placeCardOrder, placedMinutesAgo,
  secondPaymentsInstance, waitFor, type PaymentsHarness
} from '../helpers/payments.js'

const TIMEOUT = { PAYMENT_TIMEOUT_MINUTES: '15' }
const JOB = 'expire-unpaid-card-orders'
const SPEC_REASON = 'the spec\'s RefundReason: OVERPAYMENT is "a payment arrived for an order already paid or cancelled"; CANCELLATION is "a paid order was cancelled"'

function cancelRequests (harness: PaymentsHarness, intentId: string) {
  return harness.stripe.requests.filter((request) => request.method === 'POST' && request.path === `/v1/payment_intents/${intentId}/cancel`)
}

async function startPayment (harness: PaymentsHarness, customer: Customer, id: string) {
  const { data, error } = await harness.api.POST('/api/v1/orders/{id}/payment', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, params: { path: { id } } })
  if (data === undefined) throw new Error(`a new attempt failed: ${JSON.stringify(error)}`)
  return data
}

t.test('an unpaid card order older than the timeout is cancelled by the shop, restocked, its intent cancelled; younger and cash orders are not', async (t) => {
  const harness = await buildPayments(t, TIMEOUT)
  const customer = await createCustomer(harness)
  const stool = await sellable(harness, 2500, 10)
  const old = await placeCardOrder(harness, customer, stool.variantId, 2)
  const young = await placeCardOrder(harness, customer, stool.variantId, 1)
  const cash = await placeOrder(harness, customer, stool.variantId, 1)
  harness.stripe.failNext(1)
  const neverStarted = await placeCardOrder(harness, customer, stool.variantId, 1)
  await placedMinutesAgo(harness, neverStarted.id, 16)
  await placedMinutesAgo(harness, old.id, 16)
  await placedMinutesAgo(harness, young.id, 14)
  await placedMinutesAgo(harness, cash.id, 60)
  const youngBefore = await ownOrder(harness, customer, young.id)
  const cashBefore = await ownOrder(harness, customer, cash.id)
  t.equal(await stockOf(harness, stool.variantId), 5)

  t.equal(await harness.app.runJobOnce(JOB), true)
  const expired = await ownOrder(harness, customer, old.id)
  t.match(expired, { status: 'CANCELLED', paymentStatus: 'UNPAID', payments: [{ id: old.payments[0]?.id, status: 'CANCELLED', clientSecret: null }] })
  t.same(expired.statusHistory.map((change) => [change.from, change.to, change.by]), [
    [null, 'PENDING', { role: 'CUSTOMER', id: customer.id }],
    ['PENDING', 'CANCELLED', { role: 'SYSTEM', id: null }]
  ], 'cancelled by the shop itself')
  t.match(expired.statusHistory[1]?.note, /15 minutes/)
  t.equal(await stockOf(harness, stool.variantId), 8, 'its two units are back, and the unit of the order whose payment never started')
  t.match(await ownOrder(harness, customer, neverStarted.id), { status: 'CANCELLED', payments: [{ status: 'FAILED', failure: { code: 'provider_unavailable' } }] })
  const intent = intentOf(harness, old)
  t.equal(intent.status, 'canceled', 'its intent is cancelled at Stripe, so nobody can pay it any more')
  t.equal(cancelRequests(harness, intent.id).length, 1)
  t.type(cancelRequests(harness, intent.id)[0]?.idempotencyKey, 'string')
  t.match(await nextMailAbout(harness, customer.email, new RegExp(`cancelled \\(order ${old.number}\\)`)), /cancelled/, 'the customer is told')

  t.same(await ownOrder(harness, customer, young.id), youngBefore, 'within the timeout: untouched')
  t.equal(intentOf(harness, young).status, 'requires_payment_method')
  t.same(await ownOrder(harness, customer, cash.id), cashBefore, 'cash on delivery has no payment timeout')

  t.equal(await harness.app.runJobOnce(JOB), true)
  t.equal(await stockOf(harness, stool.variantId), 8, 'running again changes nothing')
  t.equal(cancelRequests(harness, intent.id).length, 1)
})

/** The subject of the next email to `to` whose subject matches, skipping the others. */
async function nextMailAbout (harness: PaymentsHarness, to: string, subject: RegExp): Promise<string> {
  for (;;) {
    const mail = await harness.smtp.nextMessage(to)
    if (subject.test(mail.subject ?? '')) return mail.subject ?? ''
  }
}

t.test('paid at Stripe before the timeout ran, the webhook not yet in: the order is paid and confirmed, not cancelled; the late webhook is harmless', async (t) => {
  const harness = await buildPayments(t, TIMEOUT)
  const customer = await createCustomer(harness)
  const stool = await sellable(harness, 2500, 10)
  const order = await placeCardOrder(harness, customer, stool.variantId, 2)
  await placedMinutesAgo(harness, order.id, 20)
  const intent = harness.stripe.succeed(intentOf(harness, order).id)

  t.equal(await harness.app.runJobOnce(JOB), true)
  const paid = await ownOrder(harness, customer, order.id)
  t.match(paid, { status: 'CONFIRMED', paymentStatus: 'PAID', payments: [{ status: 'SUCCEEDED', amountReceived: order.total }], refunds: [] })
  t.same(paid.statusHistory.map((change) => [change.to, change.by.role]), [['PENDING', 'CUSTOMER'], ['CONFIRMED', 'SYSTEM']], 'never cancelled')
  t.equal(await stockOf(harness, stool.variantId), 8, 'the stock stays sold')
  t.equal(intent.status, 'succeeded', 'Stripe refused to cancel a paid intent')

  const late = await deliverIntentEvent(harness, 'payment_intent.succeeded', intent.id)
  t.same(late.body, { received: true, duplicate: false })
  t.same(await ownOrder(harness, customer, order.id), paid, 'the late webhook changes nothing')
  const [record] = (await orderPayments(harness, order.id)).payments
  t.same(record?.events.map((event) => [event.type, event.outcome]), [['payment_intent.succeeded', 'IGNORED']])
  t.equal(harness.stripe.refunds.size, 0, 'nothing refunded')
})

t.test('a success arriving after the timeout cancelled the order is refunded: never paid and cancelled in the end', async (t) => {
  const harness = await buildPayments(t, TIMEOUT)
  const customer = await createCustomer(harness)
  const stool = await sellable(harness, 2500, 10)
  const order = await placeCardOrder(harness, customer, stool.variantId)
  const first = intentOf(harness, order)
  harness.stripe.fail(first.id)
  await deliverIntentEvent(harness, 'payment_intent.payment_failed', first.id)
  const retried = await startPayment(harness, customer, order.id)
  const second = intentOf(harness, retried)
  await placedMinutesAgo(harness, order.id, 30)

  t.equal(await harness.app.runJobOnce(JOB), true)
  t.match(await ownOrder(harness, customer, order.id), { status: 'CANCELLED', paymentStatus: 'UNPAID', payments: [{ status: 'CANCELLED' }, { status: 'FAILED' }] })
  t.equal(second.status, 'canceled', 'the open attempt is cancelled at Stripe')
  t.equal(first.status, 'canceled', 'and so is the declined one, which Stripe would still let the customer pay')

  // The customer, in a tab left open, pays the first intent after all.
  harness.stripe.succeed(first.id)
  t.same((await deliverIntentEvent(harness, 'payment_intent.succeeded', first.id)).body, { received: true, duplicate: false })
  const settled = await paymentsWhen(harness, order.id, 'the refund to succeed', (payments) => payments.refunds.some((refund) => refund.status === 'SUCCEEDED'))
  t.same(settled.paid, order.total)
  t.same(settled.refunded, order.total, 'all of it given back')
  t.same(settled.refundable, { amount: 0, currency: order.total.currency })
  t.match(settled.refunds, [{ paymentId: order.payments[0]?.id, amount: order.total, status: 'SUCCEEDED', by: { role: 'SYSTEM', id: null } }])
  t.equal(settled.refunds[0]?.reason, 'OVERPAYMENT', SPEC_REASON)
  const atStripe = [...harness.stripe.refunds.values()]
  t.same(atStripe.map((refund) => [refund.payment_intent, refund.amount, refund.status]), [[first.id, order.total.amount, 'succeeded']], 'refunded once, at Stripe')
  t.match(await ownOrder(harness, customer, order.id), { status: 'CANCELLED', paymentStatus: 'REFUNDED' })
  t.equal(await stockOf(harness, stool.variantId), 10, 'the stock stays restored')
})

t.test('cancelled while Stripe had already taken the payment: the background cancel finds it paid and refunds it; the late webhook is harmless', async (t) => {
  const harness = await buildPayments(t, TIMEOUT)
  const customer = await createCustomer(harness)
  const stool = await sellable(harness, 2500, 10)
  const order = await placeCardOrder(harness, customer, stool.variantId)
  const intent = harness.stripe.succeed(intentOf(harness, order).id)

  const cancelled = await harness.api.POST('/api/v1/orders/{id}/cancel', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, params: { path: { id: order.id } }, body: {} })
  t.match(cancelled.data, { status: 'CANCELLED', paymentStatus: 'UNPAID' })
  const settled = await paymentsWhen(harness, order.id, 'the refund to succeed', (payments) => payments.refunds.some((refund) => refund.status === 'SUCCEEDED'))
  t.match(settled, { paid: order.total, refunded: order.total, payments: [{ payment: { status: 'SUCCEEDED' } }], refunds: [{ amount: order.total, status: 'SUCCEEDED', by: { role: 'SYSTEM', id: null } }] })
  t.match(await ownOrder(harness, customer, order.id), { status: 'CANCELLED', paymentStatus: 'REFUNDED' })

  t.same((await deliverIntentEvent(harness, 'payment_intent.succeeded', intent.id)).body, { received: true, duplicate: false })
  const after = await orderPayments(harness, order.id)
  t.same(after.refunds, settled.refunds, 'no second refund')
  t.equal(harness.stripe.refunds.size, 1)
  t.match(await ownOrder(harness, customer, order.id), { status: 'CANCELLED', paymentStatus: 'REFUNDED' })
})

t.test('the timeout run from two instances at once cancels the order once', async (t) => {
  const harness = await buildPayments(t, TIMEOUT)
  const other = await secondPaymentsInstance(t, harness)
  const customer = await createCustomer(harness)
  const stool = await sellable(harness, 2500, 10)
  const orders = [await placeCardOrder(harness, customer, stool.variantId, 2), await placeCardOrder(harness, customer, stool.variantId, 1)]
  for (const order of orders) await placedMinutesAgo(harness, order.id, 20)
  t.equal(await stockOf(harness, stool.variantId), 7)

  const ran = await concurrently(4, async (index) => await (index % 2 === 0 ? harness.app : other.app).runJobOnce(JOB))
  t.ok(ran.includes(true), 'one of them ran it')
  for (const order of orders) {
    const seen = await ownOrder(harness, customer, order.id)
    t.same(seen.statusHistory.map((change) => change.to), ['PENDING', 'CANCELLED'], 'cancelled once')
    t.equal(cancelRequests(harness, intentOf(harness, order).id).length, 1, 'its intent cancelled once')
  }
  t.equal(await stockOf(harness, stool.variantId), 10, 'restocked once')
})

t.test('Stripe unreachable when the timeout runs: the order waits for the next run, which cancels it', async (t) => {
  const harness = await buildPayments(t, TIMEOUT)
  const customer = await createCustomer(harness)
  const stool = await sellable(harness, 2500, 10)
  const order = await placeCardOrder(harness, customer, stool.variantId)
  await placedMinutesAgo(harness, order.id, 20)
  const before = await ownOrder(harness, customer, order.id)

  harness.stripe.failNext(1)
  t.equal(await harness.app.runJobOnce(JOB), true)
  t.same(await ownOrder(harness, customer, order.id), before, 'not cancelled while Stripe may still take the payment')
  t.equal(await stockOf(harness, stool.variantId), 9)

  t.equal(await harness.app.runJobOnce(JOB), true)
  t.match(await ownOrder(harness, customer, order.id), { status: 'CANCELLED', payments: [{ status: 'CANCELLED' }] })
  t.equal(intentOf(harness, order).status, 'canceled')
  t.equal(await stockOf(harness, stool.variantId), 10)
})

t.test('a payment flagged for a wrong amount is flagged to the admins once, not again on every timeout run', async (t) => {
  const harness = await buildPayments(t, TIMEOUT)
  const admin = await adminEmail(harness)
  const customer = await createCustomer(harness)
  const stool = await sellable(harness, 2500, 10)
  const flagged = await placeCardOrder(harness, customer, stool.variantId)
  const later = await placeCardOrder(harness, customer, stool.variantId)
  const attentionMails = (order: Order) => mailsTo(harness, admin, new RegExp(`^Payment needs attention: order ${order.number}$`))
  // Stripe took less than the payment's amount: the payment is not taken, and staff are told.
  const flag = async (order: Order) => {
    const intent = harness.stripe.succeed(intentOf(harness, order).id)
    intent.amount_received = intent.amount - 100
    t.same((await deliverIntentEvent(harness, 'payment_intent.succeeded', intent.id)).body, { received: true, duplicate: false })
  }

  await flag(flagged)
  const [record] = (await orderPayments(harness, flagged.id)).payments
  t.match(record, { payment: { status: 'FAILED', failure: { code: 'amount_mismatch' }, attention: /received for a payment of/ }, events: [{ outcome: 'FLAGGED' }] })
  await placedMinutesAgo(harness, flagged.id, 20)
  t.equal(await harness.app.runJobOnce(JOB), true)
  t.equal(await harness.app.runJobOnce(JOB), true)
  t.match(await ownOrder(harness, customer, flagged.id), { status: 'CANCELLED', paymentStatus: 'UNPAID', payments: [{ status: 'FAILED' }] }, 'refused as payment, the order expires like any unpaid one (staff settle the money at Stripe)')

  // Another order's flag, emailed after whatever the runs sent.
  await flag(later)
  await waitFor('the later order\'s flag email', async () => attentionMails(later).length === 1)
  t.same(attentionMails(flagged), [`Payment needs attention: order ${flagged.number}`], 'the admins were told once of the flagged payment')
})
