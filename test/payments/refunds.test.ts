import t from 'tap'
import { problem, validationProblem } from '../helpers/problems.js'
import { createCustomer, idempotencyKey, placeOrder, sellable, type Customer, type Order } from '../helpers/shop.js'
import { adminOf, createModerator } from '../helpers/fulfilment.js'
import { concurrently } from '../helpers/concurrency.js'
import { startReceiver } from '../helpers/webhooks.js'
import {
  adminEmail, buildPayments, intentOf, mailsTo, orderPayments, ownOrder, paymentsWhen, placeCardOrder, placePaidCardOrder, postStripeEvent, subscribe, waitFor,
  webhooksReceived, type PaymentsHarness
} from '../helpers/payments.js'

interface Paid { harness: PaymentsHarness, customer: Customer, order: Order }

async function paidOrder (harness: PaymentsHarness): Promise<Paid> {
  const customer = await createCustomer(harness)
  const stool = await sellable(harness, 2500, 10)
  return { harness, customer, order: await placePaidCardOrder(harness, customer, stool.variantId, 2) }
}

async function refund (harness: PaymentsHarness, id: string, amount: number, options: { key?: string, note?: string, headers?: Record<string, string> } = {}) {
  return await harness.api.POST('/api/v1/admin/orders/{id}/refunds', {
    headers: { ...(options.headers ?? harness.staff), 'idempotency-key': options.key ?? idempotencyKey() },
    params: { path: { id } },
    body: { amount: { amount, currency: 'USD' }, ...(options.note === undefined ? {} : { note: options.note }) }
  })
}

const money = (amount: number) => ({ amount, currency: 'USD' })
const stripeRefunds = (harness: PaymentsHarness) => [...harness.stripe.refunds.values()]
const refundsFor = (id: string) => `/api/v1/admin/orders/${id}/refunds`

t.test('a full refund goes through Stripe: the order is REFUNDED, integrators and the customer hear of it', async (t) => {
  const harness = await buildPayments(t)
  const receiver = await startReceiver(t)
  const secret = await subscribe(harness, receiver, ['order.refunded'])
  const { customer, order } = await paidOrder(harness)
  const admin = await adminOf(harness)
  const intent = intentOf(harness, order)

  const { data, response } = await refund(harness, order.id, order.total.amount, { note: 'Arrived broken' })
  t.equal(response.status, 201)
  t.same(data, {
    id: data?.id,
    paymentId: order.payments[0]?.id,
    amount: order.total,
    status: 'SUCCEEDED',
    reason: 'STAFF',
    note: 'Arrived broken',
    failureReason: null,
    by: { role: 'ADMIN', id: admin.id },
    createdAt: data?.createdAt,
    updatedAt: data?.updatedAt
  })
  const sent = harness.stripe.requests.filter((request) => request.path === '/v1/refunds')
  t.equal(sent.length, 1)
  t.match(sent[0], { method: 'POST', body: { payment_intent: intent.id, amount: String(order.total.amount), 'metadata[refund_id]': data?.id, 'metadata[order_id]': order.id } })
  t.type(sent[0]?.idempotencyKey, 'string', 'with an idempotency key, so that sending it again never refunds twice')
  t.same(stripeRefunds(harness).map((made) => [made.payment_intent, made.amount, made.status]), [[intent.id, order.total.amount, 'succeeded']])

  const seen = await ownOrder(harness, customer, order.id)
  t.match(seen, { status: 'CONFIRMED', paymentStatus: 'REFUNDED', refunds: [{ id: data?.id, status: 'SUCCEEDED' }] })
  t.match(await orderPayments(harness, order.id), { paid: order.total, refunded: order.total, refundable: money(0) })

  await receiver.waitFor(1)
  t.match(webhooksReceived(receiver, secret), [{ type: 'order.refunded', data: { order: { id: order.id, paymentStatus: 'REFUNDED', refunds: [{ id: data?.id }] } } }])
  await waitFor('the refund email', async () => mailsTo(harness, customer.email, /refund/i).length === 1)
  t.match(mailsTo(harness, customer.email, /refund/i)[0], order.number)
})

t.test('a partial refund leaves the rest refundable; more than is left, nothing, or an unpaid order is refused and writes nothing', async (t) => {
  const harness = await buildPayments(t)
  const { customer, order } = await paidOrder(harness)
  const first = await refund(harness, order.id, 1000)
  t.match(first.data, { amount: money(1000), status: 'SUCCEEDED' })
  t.match(await ownOrder(harness, customer, order.id), { paymentStatus: 'PARTIALLY_REFUNDED' })
  const left = order.total.amount - 1000
  t.match(await orderPayments(harness, order.id), { refunded: money(1000), refundable: money(left) })
  const before = await orderPayments(harness, order.id)

  const over = await refund(harness, order.id, left + 1)
  t.equal(over.response.status, 409)
  t.same(over.error, { ...problem(409, 'REFUND_EXCEEDS_PAYMENT', `At most ${left} (USD minor units) of this order can still be refunded in one refund; refunds never add up to more than was paid.`, refundsFor(order.id)), refundable: left })
  const zero = await refund(harness, order.id, 0)
  t.same(zero.error, validationProblem(refundsFor(order.id), [{ pointer: '/body/amount/amount', detail: 'must be above 0' }]))
  const euros = await harness.api.POST('/api/v1/admin/orders/{id}/refunds', { headers: { ...harness.staff, 'idempotency-key': idempotencyKey() }, params: { path: { id: order.id } }, body: { amount: { amount: 100, currency: 'EUR' } } })
  t.same(euros.error, validationProblem(refundsFor(order.id), [{ pointer: '/body/amount/currency', detail: 'must be the shop\'s currency, USD' }]))
  t.same(await orderPayments(harness, order.id), before, 'nothing written')
  t.equal(stripeRefunds(harness).length, 1, 'nothing sent to Stripe')

  const rest = await refund(harness, order.id, left)
  t.match(rest.data, { amount: money(left), status: 'SUCCEEDED' })
  t.match(await ownOrder(harness, customer, order.id), { paymentStatus: 'REFUNDED' })
  const nothingLeft = await refund(harness, order.id, 1)
  t.same(nothingLeft.error, { ...problem(409, 'REFUND_EXCEEDS_PAYMENT', 'Nothing of this order can be refunded: nothing was paid, or everything paid is refunded or being refunded.', refundsFor(order.id)), refundable: 0 })

  const stool = await sellable(harness, 900, 5, 'Unpaid Stool')
  const unpaid = await placeCardOrder(harness, customer, stool.variantId)
  t.same((await refund(harness, unpaid.id, 100)).error, { ...problem(409, 'REFUND_EXCEEDS_PAYMENT', 'Nothing of this order can be refunded: nothing was paid, or everything paid is refunded or being refunded.', refundsFor(unpaid.id)), refundable: 0 }, 'an unpaid order has nothing to refund')
  const cash = await placeOrder(harness, customer, stool.variantId)
  t.equal((await refund(harness, cash.id, 100)).error?.code, 'REFUND_EXCEEDS_PAYMENT', 'nor has cash not yet collected')
})

t.test('ten concurrent partial refunds that together pass the payment: what succeeds never adds up to more than was paid', async (t) => {
  const harness = await buildPayments(t)
  const { order } = await paidOrder(harness)
  const part = Math.floor(order.total.amount / 4) + 1 // four would pass the total: at most three fit
  const answers = await concurrently(10, async () => await refund(harness, order.id, part))
  const made = answers.filter((answer) => answer.response.status === 201)
  const refused = answers.filter((answer) => answer.response.status !== 201)
  t.equal(made.length, Math.floor(order.total.amount / part), 'as many as fit')
  t.ok(made.length * part <= order.total.amount)
  for (const answer of refused) t.match(answer.error, { status: 409, code: 'REFUND_EXCEEDS_PAYMENT' })
  const payments = await orderPayments(harness, order.id)
  t.equal(payments.refunded.amount, made.length * part)
  t.equal(payments.refunded.amount + payments.refundable.amount, order.total.amount)
  t.equal(stripeRefunds(harness).reduce((sum, made) => sum + made.amount, 0), made.length * part, 'and Stripe refunded exactly that')
})

t.test('a replayed Idempotency-Key answers the same refund, made once at Stripe; a moderator or a customer may not refund', async (t) => {
  const harness = await buildPayments(t)
  const { customer, order } = await paidOrder(harness)
  const key = idempotencyKey()
  const first = await refund(harness, order.id, 700, { key })
  const again = await refund(harness, order.id, 700, { key })
  t.equal(again.response.status, 201)
  t.equal(again.response.headers.get('idempotent-replayed'), 'true')
  t.same(again.data, first.data, 'the same refund')
  t.equal(stripeRefunds(harness).length, 1, 'made once at Stripe')
  const otherBody = await refund(harness, order.id, 800, { key })
  t.same(otherBody.error, problem(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different request; use a new key for a new request.', refundsFor(order.id)))

  const moderator = await createModerator(harness)
  const byModerator = await refund(harness, order.id, 100, { headers: moderator.headers })
  t.equal(byModerator.response.status, 403)
  t.same(byModerator.error, problem(403, 'FORBIDDEN', 'This operation requires one of the roles ADMIN.', refundsFor(order.id)))
  t.same((await refund(harness, order.id, 100, { headers: customer.headers })).error, problem(401, 'INVALID_TOKEN', 'Staff operations need a staff access token.', refundsFor(order.id)), 'a customer\'s token is no staff token')
  const noKey = await harness.api.POST('/api/v1/admin/orders/{id}/refunds', { headers: harness.staff, params: { path: { id: order.id } }, body: { amount: money(100) } })
  t.equal(noKey.response.status, 428)
  t.match(await orderPayments(harness, order.id), { refunded: money(700), refunds: [{ id: first.data?.id }] })
  t.equal((await orderPayments(harness, order.id)).refunds.length, 1)
})

t.test('a refund Stripe refuses fails and its amount is refundable again', async (t) => {
  const harness = await buildPayments(t)
  const { customer, order } = await paidOrder(harness)
  const intent = intentOf(harness, order)

  harness.stripe.failNext(1, 400)
  const refused = await refund(harness, order.id, 1500)
  t.equal(refused.response.status, 201, 'answered as Stripe left it')
  t.match(refused.data, { amount: money(1500), status: 'FAILED', failureReason: /An unknown error occurred/ })
  t.match(await orderPayments(harness, order.id), { refunded: money(0), refundable: order.total })
  t.match(await ownOrder(harness, customer, order.id), { paymentStatus: 'PAID' })

  // Someone refunded part of the charge in Stripe's dashboard: Stripe refuses a refund of all we think is left.
  const dashboard = await fetch(`${harness.stripe.url}/v1/refunds`, { method: 'POST', headers: { authorization: `Bearer ${harness.stripe.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ payment_intent: intent.id, amount: '1000' }) })
  t.equal(dashboard.status, 200)
  const tooMuch = await refund(harness, order.id, order.total.amount)
  t.match(tooMuch.data, { status: 'FAILED', failureReason: /^amount_too_large: / })
  t.match(await orderPayments(harness, order.id), { refundable: order.total })

  const fine = await refund(harness, order.id, 500)
  t.match(fine.data, { status: 'SUCCEEDED' })
  t.match(await orderPayments(harness, order.id), { refunded: money(500), refundable: money(order.total.amount - 500) })
  t.same((await orderPayments(harness, order.id)).refunds.map((made) => made.status), ['FAILED', 'FAILED', 'SUCCEEDED'])
})

t.test('a refund Stripe answers pending is settled by its refund.updated event; one that fails later gives its amount back', async (t) => {
  const harness = await buildPayments(t)
  const receiver = await startReceiver(t)
  const secret = await subscribe(harness, receiver, ['order.refunded'])
  const { customer, order } = await paidOrder(harness)

  harness.stripe.setNextRefundStatus('pending')
  const pending = await refund(harness, order.id, 2000)
  t.match(pending.data, { status: 'PENDING', amount: money(2000) })
  t.match(await ownOrder(harness, customer, order.id), { paymentStatus: 'PAID' }, 'nothing refunded yet')
  t.match(await orderPayments(harness, order.id), { refunded: money(0), refundable: money(order.total.amount - 2000) }, 'but it already counts against what may be refunded')
  const [atStripe] = stripeRefunds(harness)
  harness.stripe.settleRefund(atStripe?.id ?? '', 'succeeded')
  const event = harness.stripe.refundEvent('refund.updated', atStripe?.id ?? '')
  t.same((await postStripeEvent(harness.app, event)).body, { received: true, duplicate: false })
  t.same((await postStripeEvent(harness.app, event)).body, { received: true, duplicate: true })
  t.match(await ownOrder(harness, customer, order.id), { paymentStatus: 'PARTIALLY_REFUNDED', refunds: [{ id: pending.data?.id, status: 'SUCCEEDED' }] })
  const [record] = (await orderPayments(harness, order.id)).payments
  t.match(record?.events.at(-1), { type: 'refund.updated', outcome: 'APPLIED', refundId: pending.data?.id })
  await receiver.waitFor(1)
  t.match(webhooksReceived(receiver, secret), [{ type: 'order.refunded', data: { order: { id: order.id, paymentStatus: 'PARTIALLY_REFUNDED' } } }])

  harness.stripe.setNextRefundStatus('pending')
  const later = await refund(harness, order.id, 1000)
  const laterAtStripe = stripeRefunds(harness).find((made) => made.metadata.refund_id === later.data?.id)
  harness.stripe.settleRefund(laterAtStripe?.id ?? '', 'failed')
  t.same((await postStripeEvent(harness.app, harness.stripe.refundEvent('refund.failed', laterAtStripe?.id ?? ''))).body, { received: true, duplicate: false })
  const after = await orderPayments(harness, order.id)
  t.match(after.refunds.find((made) => made.id === later.data?.id), { status: 'FAILED', failureReason: 'declined' })
  t.match(after, { refunded: money(2000), refundable: money(order.total.amount - 2000) }, 'its amount is refundable again')
})

t.test('a refund Stripe could not be reached for stays pending and is sent again, with the same key, by the resubmission job', async (t) => {
  const harness = await buildPayments(t)
  const { customer, order } = await paidOrder(harness)
  harness.stripe.failNext(1)
  const waiting = await refund(harness, order.id, 1200)
  t.match(waiting.data, { status: 'PENDING', failureReason: null })
  t.equal(stripeRefunds(harness).length, 0)

  t.equal(await harness.app.runJobOnce('resubmit-provider-calls'), true)
  t.equal(stripeRefunds(harness).length, 0, 'not before it has waited a while (it may still be on its way)')
  await harness.app.orm.em.fork().execute('update refunds set created_at = now() - interval \'5 minutes\' where id = ?', [waiting.data?.id])
  t.equal(await harness.app.runJobOnce('resubmit-provider-calls'), true)
  const settled = await paymentsWhen(harness, order.id, 'the resubmitted refund', (payments) => payments.refunds[0]?.status === 'SUCCEEDED')
  t.same(settled.refunded, money(1200))
  const sent = harness.stripe.requests.filter((request) => request.path === '/v1/refunds')
  t.equal(sent.length, 2)
  t.equal(sent[0]?.idempotencyKey, sent[1]?.idempotencyKey, 'the same idempotency key both times')
  t.equal(stripeRefunds(harness).length, 1)
  t.match(await ownOrder(harness, customer, order.id), { paymentStatus: 'PARTIALLY_REFUNDED' })
})

t.test('a refund Stripe reports failed after it succeeded (an expired card) undoes it: the order is paid again, and every admin is told', async (t) => {
  const harness = await buildPayments(t)
  const admin = await adminEmail(harness)
  const { customer, order } = await paidOrder(harness)
  const made = await refund(harness, order.id, order.total.amount)
  t.match(made.data, { status: 'SUCCEEDED' })
  t.match(await ownOrder(harness, customer, order.id), { paymentStatus: 'REFUNDED' })

  const atStripe = stripeRefunds(harness)[0]!
  const failed = harness.stripe.signEvent('refund.failed', { ...atStripe, status: 'failed', failure_reason: 'expired_or_canceled_card' })
  t.same((await postStripeEvent(harness.app, failed)).body, { received: true, duplicate: false })
  const after = await orderPayments(harness, order.id)
  t.match(after.refunds, [{ id: made.data?.id, status: 'FAILED', failureReason: 'expired_or_canceled_card' }])
  t.match(after, { refunded: money(0), refundable: order.total }, 'the money is the shop\'s again, and refundable')
  t.match(after.payments[0]?.payment.attention, /failed: expired_or_canceled_card/, 'the payment says why staff must look')
  t.match(await ownOrder(harness, customer, order.id), { paymentStatus: 'PAID', payments: [{ attention: null }] }, 'the customer sees it paid, not the staff note')
  await waitFor('the admins\' email', async () => mailsTo(harness, admin, new RegExp(`^Payment needs attention: order ${order.number}$`)).length === 1)
})
