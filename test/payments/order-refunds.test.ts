import t from 'tap'
import { problem, validationProblem } from '../helpers/problems.js'
import { addToCart, createCustomer, idempotencyKey, placeOrder, sellable, stockOf } from '../helpers/shop.js'
import { markDelivered, moveOrder, shipOrder } from '../helpers/fulfilment.js'
import { startReceiver } from '../helpers/webhooks.js'
import { concurrently } from '../helpers/concurrency.js'
import {
  buildPayments, intentOf, mailsTo, orderPayments, ownOrder, paymentsWhen, placeCardOrder, placePaidCardOrder, postStripeEvent, subscribe, waitFor,
  webhooksReceived,
  type PaymentsHarness
} from '../helpers/payments.js'

// One delivery worker: webhooks leave in the order they were queued, so nothing queued before the last one is still on its way.
const SERIAL_WEBHOOKS = { WEBHOOK_DELIVERY_CONCURRENCY: '1' }
const money = (amount: number) => ({ amount, currency: 'USD' })
const refunded = (harness: PaymentsHarness, id: string) =>
  paymentsWhen(harness, id, 'the background refund to succeed', (payments) => payments.refunds.length > 0 && payments.refunds.every((refund) => refund.status === 'SUCCEEDED'))

async function cashPayment (harness: PaymentsHarness, id: string, amount: number, key = idempotencyKey()) {
  return await harness.api.POST('/api/v1/admin/orders/{id}/cod-payment', { headers: { ...harness.staff, 'idempotency-key': key }, params: { path: { id } }, body: { amount: money(amount) } })
}

for (const by of ['customer', 'staff'] as const) {
  t.test(`a paid card order cancelled by the ${by} is refunded in full through Stripe, in the background`, async (t) => {
    const harness = await buildPayments(t, SERIAL_WEBHOOKS)
    const receiver = await startReceiver(t)
    const secret = await subscribe(harness, receiver, ['order.cancelled', 'order.refunded'])
    const customer = await createCustomer(harness)
    const stool = await sellable(harness, 2500, 10)
    const order = await placePaidCardOrder(harness, customer, stool.variantId, 2)
    const intent = intentOf(harness, order)

    if (by === 'customer') {
      const cancelled = await harness.api.POST('/api/v1/orders/{id}/cancel', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, params: { path: { id: order.id } }, body: { reason: 'Ordered twice' } })
      t.match(cancelled.data, { status: 'CANCELLED', paymentStatus: 'PAID' }, 'cancelled at once; the refund follows')
    } else {
      t.match((await moveOrder(harness, order.id, 'CANCELLED')).order, { status: 'CANCELLED', paymentStatus: 'PAID' })
    }
    t.equal(await stockOf(harness, stool.variantId), 10, 'restocked')

    const settled = await refunded(harness, order.id)
    t.match(settled, { paid: order.total, refunded: order.total, refundable: money(0) })
    t.match(settled.refunds, [{ paymentId: order.payments[0]?.id, amount: order.total, status: 'SUCCEEDED', reason: 'CANCELLATION', by: { role: 'SYSTEM', id: null } }])
    t.equal(settled.refunds.length, 1)
    t.same([...harness.stripe.refunds.values()].map((made) => [made.payment_intent, made.amount, made.status]), [[intent.id, order.total.amount, 'succeeded']], 'one refund at Stripe, of all of it')
    t.match(await ownOrder(harness, customer, order.id), { status: 'CANCELLED', paymentStatus: 'REFUNDED' })

    await waitFor('the order.refunded webhook', async () => webhooksReceived(receiver, secret).some((webhook) => webhook.type === 'order.refunded'))
    t.same(webhooksReceived(receiver, secret).map((webhook) => webhook.type), ['order.cancelled', 'order.refunded'], 'one of each: the refund is no second cancellation')
    await waitFor('the refund email', async () => mailsTo(harness, customer.email, /refund/i).length > 0)
    t.equal(mailsTo(harness, customer.email, /cancelled/i).length, 1)
  })
}

t.test('an unpaid card order cancelled by its customer has its intent cancelled at Stripe, and nothing refunded', async (t) => {
  const harness = await buildPayments(t)
  const customer = await createCustomer(harness)
  const stool = await sellable(harness, 2500, 10)
  const order = await placeCardOrder(harness, customer, stool.variantId)
  const intent = intentOf(harness, order)
  const cancelled = await harness.api.POST('/api/v1/orders/{id}/cancel', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, params: { path: { id: order.id } }, body: {} })
  t.match(cancelled.data, { status: 'CANCELLED', paymentStatus: 'UNPAID' })
  await waitFor('the intent to be cancelled at Stripe', async () => intent.status === 'canceled')
  const payments = await paymentsWhen(harness, order.id, 'the payment to be cancelled', (found) => found.payments[0]?.payment.status === 'CANCELLED')
  t.match(payments, { paid: money(0), refunds: [] })
  t.equal(harness.stripe.refunds.size, 0)
  t.match(await ownOrder(harness, customer, order.id), { status: 'CANCELLED', paymentStatus: 'UNPAID', payments: [{ status: 'CANCELLED', clientSecret: null }] })
})

t.test('accepting a return refunds the returned items\' value and the shipping share staff chose', async (t) => {
  const harness = await buildPayments(t)
  const customer = await createCustomer(harness)
  const stool = await sellable(harness, 2500, 10, 'Walnut Stool')
  const lamp = await sellable(harness, 1200, 10, 'Brass Lamp')
  await addToCart(harness.api, customer.headers, lamp.variantId, 1)
  const order = await placePaidCardOrder(harness, customer, stool.variantId, 3)
  const stoolLine = order.items.find((item) => item.variantId === stool.variantId)
  const shipment = await shipOrder(harness, order.id)
  await markDelivered(harness, shipment.id)
  const asked = await harness.api.POST('/api/v1/orders/{id}/return-requests', { headers: customer.headers, params: { path: { id: order.id } }, body: { items: [{ orderItemId: stoolLine?.id ?? '', quantity: 2 }], reason: 'Too wobbly' } })
  t.equal(asked.response.status, 201)

  const tooMuch = await harness.api.PATCH('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id: order.id } }, body: { status: 'RETURNED', refundShipping: money(order.shippingTotal.amount + 1) } })
  t.same(tooMuch.error, validationProblem(`/api/v1/admin/orders/${order.id}`, [{ pointer: '/body/refundShipping/amount', detail: `must not be above the ${order.shippingTotal.amount} paid for shipping` }]))
  t.equal(harness.stripe.refunds.size, 0)

  const shippingShare = 200
  const accepted = await harness.api.PATCH('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id: order.id } }, body: { status: 'RETURNED', refundShipping: money(shippingShare) } })
  t.match(accepted.data?.order, { status: 'RETURNED' })
  const due = 2 * (stoolLine?.unitPrice.amount ?? 0) + shippingShare
  const settled = await refunded(harness, order.id)
  t.match(settled.refunds, [{ amount: money(due), reason: 'RETURN', status: 'SUCCEEDED', by: { role: 'SYSTEM', id: null } }])
  t.equal(settled.refunds.length, 1)
  t.match(settled, { paid: order.total, refunded: money(due), refundable: money(order.total.amount - due) })
  t.same([...harness.stripe.refunds.values()].map((made) => [made.payment_intent, made.amount]), [[intentOf(harness, order).id, due]])
  t.match(await ownOrder(harness, customer, order.id), { status: 'RETURNED', paymentStatus: 'PARTIALLY_REFUNDED' })
})

t.test('cash on delivery: collected once the order has shipped, once, for its total; a staff refund of it is recorded without Stripe', async (t) => {
  const harness = await buildPayments(t, SERIAL_WEBHOOKS)
  const receiver = await startReceiver(t)
  const secret = await subscribe(harness, receiver, ['order.shipped', 'order.paid', 'order.refunded'])
  const customer = await createCustomer(harness)
  const stool = await sellable(harness, 2500, 10)
  const order = await placeOrder(harness, customer, stool.variantId, 2)
  const instance = `/api/v1/admin/orders/${order.id}/cod-payment`

  t.same((await cashPayment(harness, order.id, order.total.amount)).error, problem(409, 'COD_NOT_COLLECTABLE', 'The order is PENDING: cash is collected once it has shipped.', instance))
  await moveOrder(harness, order.id, 'CONFIRMED')
  t.same((await cashPayment(harness, order.id, order.total.amount)).error, problem(409, 'COD_NOT_COLLECTABLE', 'The order is CONFIRMED: cash is collected once it has shipped.', instance))
  await shipOrder(harness, order.id)
  t.same((await cashPayment(harness, order.id, order.total.amount - 1)).error, { ...problem(409, 'COD_AMOUNT_MISMATCH', `Cash on delivery is collected for the order's total, ${order.total.amount}; record exactly that.`, instance), total: order.total.amount })
  t.match(await orderPayments(harness, order.id), { payments: [], paid: money(0) }, 'nothing recorded for the refusals')

  // Two couriers' apps, or a double tap: recorded once.
  const keys = [idempotencyKey(), idempotencyKey(), idempotencyKey(), idempotencyKey()]
  const attempts = await concurrently(keys.length, async (index) => await cashPayment(harness, order.id, order.total.amount, keys[index]))
  const winner = attempts.findIndex((attempt) => attempt.response.status === 201)
  t.equal(attempts.filter((attempt) => attempt.response.status === 201).length, 1, 'one collection recorded')
  for (const attempt of attempts.filter((each) => each.response.status !== 201)) t.same(attempt.error, problem(409, 'COD_NOT_COLLECTABLE', 'The cash for this order was already recorded.', instance))
  const key = keys[winner]
  const collected = attempts[winner]!
  t.same(collected.data, {
    id: collected.data?.id,
    provider: 'CASH',
    externalId: null,
    amount: order.total,
    amountReceived: order.total,
    status: 'SUCCEEDED',
    clientSecret: null,
    failure: null,
    attention: null,
    createdAt: collected.data?.createdAt,
    updatedAt: collected.data?.updatedAt
  })
  t.match(await ownOrder(harness, customer, order.id), { status: 'SHIPPED', paymentStatus: 'PAID' })
  t.same((await cashPayment(harness, order.id, order.total.amount, key)).data, collected.data, 'the same key answers the same payment')
  t.same((await cashPayment(harness, order.id, order.total.amount)).error, problem(409, 'COD_NOT_COLLECTABLE', 'The cash for this order was already recorded.', instance), 'a second collection is refused')

  const card = await placePaidCardOrder(harness, customer, stool.variantId)
  t.same((await cashPayment(harness, card.id, card.total.amount)).error, problem(409, 'COD_NOT_COLLECTABLE', 'This order is paid by card, not cash on delivery.', `/api/v1/admin/orders/${card.id}/cod-payment`))

  const requestsBefore = harness.stripe.requests.length
  const cashBack = await harness.api.POST('/api/v1/admin/orders/{id}/refunds', { headers: { ...harness.staff, 'idempotency-key': idempotencyKey() }, params: { path: { id: order.id } }, body: { amount: money(1000), note: 'Handed back at the door' } })
  t.equal(cashBack.response.status, 201)
  t.match(cashBack.data, { paymentId: collected.data?.id, amount: money(1000), status: 'SUCCEEDED', reason: 'STAFF', note: 'Handed back at the door' })
  t.equal(harness.stripe.requests.length, requestsBefore, 'Stripe is not asked')
  t.match(await orderPayments(harness, order.id), { paid: order.total, refunded: money(1000), refundable: money(order.total.amount - 1000) })
  t.match(await ownOrder(harness, customer, order.id), { status: 'SHIPPED', paymentStatus: 'PARTIALLY_REFUNDED' })

  await waitFor('the order.refunded webhook', async () => webhooksReceived(receiver, secret).some((webhook) => webhook.type === 'order.refunded' && webhook.data.order.id === order.id))
  const aboutCash = webhooksReceived(receiver, secret).filter((webhook) => webhook.data.order.id === order.id).map((webhook) => webhook.type)
  t.same(aboutCash, ['order.shipped', 'order.paid', 'order.refunded'], 'each once: collecting and refunding cash ship nothing again')
})

t.test('a cancellation and the payment\'s success at the same moment: the order ends cancelled and refunded in full, once', async (t) => {
  const harness = await buildPayments(t)
  const customer = await createCustomer(harness)
  const stool = await sellable(harness, 2500, 10)
  const order = await placeCardOrder(harness, customer, stool.variantId)
  const intent = harness.stripe.succeed(intentOf(harness, order).id)
  const [cancelled, delivered] = await Promise.all([
    harness.api.POST('/api/v1/orders/{id}/cancel', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, params: { path: { id: order.id } }, body: {} }),
    postStripeEvent(harness.app, harness.stripe.intentEvent('payment_intent.succeeded', intent.id))
  ])
  t.equal(cancelled.response.status, 200, 'paid or not yet, the order could be cancelled')
  t.same(delivered.body, { received: true, duplicate: false })
  const settled = await refunded(harness, order.id)
  t.match(settled, { paid: order.total, refunded: order.total, refundable: money(0), payments: [{ payment: { status: 'SUCCEEDED' } }] })
  t.equal(settled.refunds.length, 1, 'one refund')
  t.same([...harness.stripe.refunds.values()].map((made) => [made.payment_intent, made.amount]), [[intent.id, order.total.amount]])
  t.match(await ownOrder(harness, customer, order.id), { status: 'CANCELLED', paymentStatus: 'REFUNDED' })
  t.equal(await stockOf(harness, stool.variantId), 10)
})
