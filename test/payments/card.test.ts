import t from 'tap'
import { problem, PROBLEM_JSON } from '../helpers/problems.js'
import { addToCart, buildShop, checkoutBody, createCustomer, idempotencyKey, sellable, stockOf, type Customer } from '../helpers/shop.js'
import { startReceiver } from '../helpers/webhooks.js'
import { concurrently } from '../helpers/concurrency.js'
import {
  buildPayments, deliverIntentEvent, intentOf, ownOrder, payByCard, placeCardOrder, postStripeEvent, staffOrder, subscribe, webhooksReceived,
  type PaymentsHarness
} from '../helpers/payments.js'

async function startPayment (harness: PaymentsHarness, customer: Customer, id: string, key = idempotencyKey()) {
  return await harness.api.POST('/api/v1/orders/{id}/payment', { headers: { ...customer.headers, 'idempotency-key': key }, params: { path: { id } } })
}

t.test('a card checkout creates a PaymentIntent for the total; Stripe\'s signed success pays and confirms the order, announced by webhook and email', async (t) => {
  const harness = await buildPayments(t)
  const receiver = await startReceiver(t)
  const secret = await subscribe(harness, receiver, ['order.paid'])
  const customer = await createCustomer(harness)
  const stool = await sellable(harness, 2500, 10)

  const order = await placeCardOrder(harness, customer, stool.variantId, 2)
  t.match(order, { status: 'PENDING', paymentStatus: 'UNPAID', paymentMethod: 'CARD' })
  t.equal(await stockOf(harness, stool.variantId), 8, 'the stock is taken at checkout, as for cash on delivery')
  const [payment] = order.payments
  const intent = intentOf(harness, order)
  t.equal(order.payments.length, 1)
  t.same(payment, {
    id: payment?.id,
    provider: 'STRIPE',
    externalId: intent.id,
    amount: order.total,
    amountReceived: { amount: 0, currency: order.total.currency },
    status: 'PENDING',
    clientSecret: intent.client_secret,
    failure: null,
    attention: null,
    createdAt: payment?.createdAt,
    updatedAt: payment?.updatedAt
  }, 'one pending payment, with the intent\'s client secret for Stripe.js')

  const created = harness.stripe.requests.filter((request) => request.method === 'POST' && request.path === '/v1/payment_intents')
  t.equal(created.length, 1, 'one PaymentIntent asked for')
  t.same(created[0]?.body, {
    amount: String(order.total.amount),
    currency: order.total.currency.toLowerCase(),
    'metadata[order_id]': order.id,
    'metadata[order_number]': order.number,
    'metadata[payment_id]': payment?.id,
    'automatic_payment_methods[enabled]': 'true'
  }, 'for the order\'s total, in its currency (lower-case, as Stripe writes it), naming the order and the payment')
  t.type(created[0]?.idempotencyKey, 'string', 'with an Idempotency-Key, so that asking again never makes a second intent')
  t.not(created[0]?.idempotencyKey, '')
  t.same({ amount: intent.amount, currency: intent.currency, status: intent.status }, { amount: order.total.amount, currency: order.total.currency.toLowerCase(), status: 'requires_payment_method' })

  const seen = await ownOrder(harness, customer, order.id)
  t.equal(seen.payments[0]?.clientSecret, intent.client_secret, 'the customer reads the client secret on the order')
  const staff = await staffOrder(harness, order.id)
  t.equal(staff.order.payments[0]?.clientSecret, null, 'staff never see it')
  t.same({ ...staff.order.payments[0], clientSecret: intent.client_secret }, seen.payments[0], 'otherwise the same payment')

  const ack = await payByCard(harness, order)
  t.same(ack, { status: 200, contentType: 'application/json; charset=utf-8', body: { received: true, duplicate: false } })

  const paid = await ownOrder(harness, customer, order.id)
  t.match(paid, { status: 'CONFIRMED', paymentStatus: 'PAID' })
  t.same(paid.statusHistory.map((change) => [change.from, change.to, change.by]), [
    [null, 'PENDING', { role: 'CUSTOMER', id: customer.id }],
    ['PENDING', 'CONFIRMED', { role: 'SYSTEM', id: null }]
  ], 'the shop itself confirmed it, on the payment')
  t.match(paid.payments, [{ id: payment?.id, status: 'SUCCEEDED', amountReceived: order.total, clientSecret: null, failure: null }])
  t.same(paid.items, order.items)
  t.equal(await stockOf(harness, stool.variantId), 8, 'paying moves no stock')

  await receiver.waitFor(1)
  const [webhook] = webhooksReceived(receiver, secret)
  t.equal(webhook?.type, 'order.paid')
  t.match(webhook?.data, { order: { id: order.id, status: 'CONFIRMED', paymentStatus: 'PAID', total: order.total }, customer: { id: customer.id, email: customer.email } })
  t.equal(webhook?.data.order.payments[0]?.clientSecret, null, 'integrators never get the client secret')

  const placedMail = await harness.smtp.nextMessage(customer.email)
  t.match(placedMail.subject, order.number)
  const confirmedMail = await harness.smtp.nextMessage(customer.email)
  t.match(confirmedMail.subject, /confirmed/i, 'the confirmation email')
  t.match(confirmedMail.subject, order.number)
})

t.test('a declined payment is recorded and the order stays payable; a new attempt gets a new intent, one at a time, and its success pays', async (t) => {
  const harness = await buildPayments(t)
  const customer = await createCustomer(harness)
  const stool = await sellable(harness, 2500, 10)
  const order = await placeCardOrder(harness, customer, stool.variantId)
  const first = intentOf(harness, order)

  harness.stripe.fail(first.id)
  const failed = await deliverIntentEvent(harness, 'payment_intent.payment_failed', first.id)
  t.same(failed.body, { received: true, duplicate: false })
  const declined = await ownOrder(harness, customer, order.id)
  t.match(declined, { status: 'PENDING', paymentStatus: 'UNPAID' })
  const error = harness.stripe.intents.get(first.id)?.last_payment_error
  t.match(declined.payments, [{ externalId: first.id, status: 'FAILED', clientSecret: null, failure: { code: error?.code, message: error?.message } }], 'Stripe\'s failure code and message on the payment')
  t.same(declined.statusHistory, order.statusHistory, 'the order does not move')

  const retryKey = idempotencyKey()
  const retry = await startPayment(harness, customer, order.id, retryKey)
  t.equal(retry.response.status, 201)
  const second = harness.stripe.intents.get(retry.data?.payments[0]?.externalId ?? '')
  t.ok(second, 'a new intent at Stripe')
  t.not(second?.id, first.id)
  t.match(retry.data, { status: 'PENDING', paymentStatus: 'UNPAID' })
  t.match(retry.data?.payments, [
    { externalId: second?.id, status: 'PENDING', amount: order.total, clientSecret: second?.client_secret, failure: null },
    { externalId: first.id, status: 'FAILED' }
  ], 'the new payment first, with its client secret; the failed one kept')
  t.same(second?.metadata, { order_id: order.id, order_number: order.number, payment_id: retry.data?.payments[0]?.id })
  t.equal(second?.amount, order.total.amount)

  const again = await startPayment(harness, customer, order.id)
  t.equal(again.response.status, 409)
  t.equal(again.response.headers.get('content-type'), PROBLEM_JSON)
  t.same(again.error, problem(409, 'PAYMENT_IN_PROGRESS', 'A card payment of this order is still pending: confirm it with its clientSecret (on the order), or wait for it to fail before starting another.', `/api/v1/orders/${order.id}/payment`))
  t.equal(harness.stripe.intents.size, 2, 'no third intent')

  const noKey = await harness.api.POST('/api/v1/orders/{id}/payment', { headers: customer.headers, params: { path: { id: order.id } } })
  t.same(noKey.error, problem(428, 'IDEMPOTENCY_KEY_REQUIRED', 'Send an Idempotency-Key header, so that retrying this request can never perform it twice.', `/api/v1/orders/${order.id}/payment`))

  const replayed = await startPayment(harness, customer, order.id, retryKey)
  t.equal(replayed.response.headers.get('idempotent-replayed'), 'true')
  t.same(replayed.data, retry.data, 'the same key answers the same attempt, and starts none')
  t.equal(harness.stripe.intents.size, 2)

  await payByCard(harness, { ...order, payments: retry.data?.payments ?? [] })
  const paid = await ownOrder(harness, customer, order.id)
  t.match(paid, { status: 'CONFIRMED', paymentStatus: 'PAID' })
  t.match(paid.payments, [{ externalId: second?.id, status: 'SUCCEEDED', amountReceived: order.total }, { externalId: first.id, status: 'FAILED' }])

  const afterPaid = await startPayment(harness, customer, order.id)
  t.same(afterPaid.error, problem(409, 'ORDER_NOT_PAYABLE', 'This order is CONFIRMED and PAID: it takes no new payment.', `/api/v1/orders/${order.id}/payment`))
  t.equal(harness.stripe.intents.size, 2)
})

t.test('Stripe down at checkout: the order is placed with a failed payment, and a new attempt starts once Stripe answers', async (t) => {
  const harness = await buildPayments(t, { COD_MAX_AMOUNT: '3' })
  const customer = await createCustomer(harness)
  const stool = await sellable(harness, 2500, 10)

  harness.stripe.failNext(1)
  const order = await placeCardOrder(harness, customer, stool.variantId)
  t.match(order, { status: 'PENDING', paymentStatus: 'UNPAID', paymentMethod: 'CARD' }, 'placed all the same (and a card order is not held to COD_MAX_AMOUNT)')
  t.equal(order.payments.length, 1)
  t.match(order.payments[0], { provider: 'STRIPE', status: 'FAILED', externalId: null, clientSecret: null, failure: { code: 'provider_unavailable' } })
  t.equal(harness.stripe.intents.size, 0)
  t.equal(await stockOf(harness, stool.variantId), 9)

  harness.stripe.failNext(1)
  const key = idempotencyKey()
  const down = await startPayment(harness, customer, order.id, key)
  t.equal(down.response.status, 503)
  t.equal(down.response.headers.get('retry-after'), '5')
  t.same(down.error, problem(503, 'PAYMENT_PROVIDER_UNAVAILABLE', 'The card payment could not be started because Stripe did not answer; try again in a moment.', `/api/v1/orders/${order.id}/payment`))

  const retried = await startPayment(harness, customer, order.id, key)
  t.equal(retried.response.status, 201, 'the same key, retried, is performed now that Stripe answers')
  const intent = harness.stripe.intents.get(retried.data?.payments[0]?.externalId ?? '')
  t.ok(intent)
  t.match(retried.data?.payments[0], { status: 'PENDING', clientSecret: intent?.client_secret, amount: order.total })
  t.same(retried.data?.payments.slice(1).map((payment) => [payment.status, payment.failure?.code]), [['FAILED', 'provider_unavailable'], ['FAILED', 'provider_unavailable']], 'the failed attempts stay on record')

  await payByCard(harness, { ...order, payments: retried.data?.payments ?? [] })
  t.match(await ownOrder(harness, customer, order.id), { status: 'CONFIRMED', paymentStatus: 'PAID' })
})

t.test('a new attempt only for the customer\'s own card order', async (t) => {
  const harness = await buildPayments(t)
  const [owner, other] = [await createCustomer(harness), await createCustomer(harness)]
  const stool = await sellable(harness, 2500, 10)
  harness.stripe.failNext(1)
  const order = await placeCardOrder(harness, owner, stool.variantId)

  const foreign = await startPayment(harness, other, order.id)
  t.equal(foreign.response.status, 404)
  t.same(foreign.error, problem(404, 'NOT_FOUND', 'No order has this id.', `/api/v1/orders/${order.id}/payment`), 'another customer\'s order is simply not found')
  const unknown = '01900000-0000-7000-8000-000000000000'
  t.same((await startPayment(harness, owner, unknown)).error, problem(404, 'NOT_FOUND', 'No order has this id.', `/api/v1/orders/${unknown}/payment`))
  t.equal(harness.stripe.intents.size, 0, 'no intent made for either')
  t.match(await ownOrder(harness, owner, order.id), { payments: [{ status: 'FAILED' }] })

  await addToCart(harness.api, owner.headers, stool.variantId)
  const cod = await harness.api.POST('/api/v1/checkout', { headers: { ...owner.headers, 'idempotency-key': idempotencyKey() }, body: await checkoutBody(harness, owner) })
  const codOrder = cod.data?.id ?? ''
  t.same((await startPayment(harness, owner, codOrder)).error, problem(409, 'ORDER_NOT_PAYABLE', 'This order is paid cash on delivery.', `/api/v1/orders/${codOrder}/payment`))
})

t.test('without Stripe configured cards are refused; COD_MAX_AMOUNT refuses a larger cash order; neither writes anything', async (t) => {
  const harness = await buildShop(t, { COD_MAX_AMOUNT: '3' })
  const customer = await createCustomer(harness)
  const stool = await sellable(harness, 2500, 10)
  await addToCart(harness.api, customer.headers, stool.variantId, 2)
  const cartBefore = (await harness.api.GET('/api/v1/cart', { headers: customer.headers })).data
  const body = await checkoutBody(harness, customer)

  const card = await harness.api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body: { ...body, paymentMethod: 'CARD' } })
  t.equal(card.response.status, 409)
  t.same(card.error, problem(409, 'PAYMENT_METHOD_UNAVAILABLE', 'Card payments are not available in this shop; pay cash on delivery (COD).', '/api/v1/checkout'))

  const cash = await harness.api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body })
  t.equal(cash.response.status, 409)
  t.same(cash.error, { ...problem(409, 'COD_LIMIT_EXCEEDED', 'Cash on delivery is available for orders of at most 3 (minor units); pay by card.', '/api/v1/checkout'), codMaxAmount: 3 })

  t.equal(await stockOf(harness, stool.variantId), 10, 'no stock taken')
  t.same((await harness.api.GET('/api/v1/cart', { headers: customer.headers })).data, cartBefore, 'the cart is as it was')
  t.same((await harness.api.GET('/api/v1/orders', { headers: customer.headers })).data?.items, [], 'no order')

  const event = await postStripeEvent(harness.app, { body: JSON.stringify({ id: 'evt_1', type: 'payment_intent.succeeded' }), signature: 't=1,v1=00' })
  t.same(event.body, problem(404, 'NOT_FOUND', 'Card payments are not configured in this shop.', '/api/v1/webhooks/stripe'), 'nor does the shop take Stripe\'s events')
})

t.test('new attempts started at the same moment: one starts, the others find it in progress', async (t) => {
  const harness = await buildPayments(t)
  const customer = await createCustomer(harness)
  const stool = await sellable(harness, 2500, 10)
  harness.stripe.failNext(1)
  const order = await placeCardOrder(harness, customer, stool.variantId)
  const answers = await concurrently(6, async () => await startPayment(harness, customer, order.id))
  const started = answers.filter((answer) => answer.response.status === 201)
  t.equal(started.length, 1, 'one attempt started')
  for (const answer of answers.filter((each) => each.response.status !== 201)) {
    t.same(answer.error, problem(409, 'PAYMENT_IN_PROGRESS', 'A card payment of this order is still pending: confirm it with its clientSecret (on the order), or wait for it to fail before starting another.', `/api/v1/orders/${order.id}/payment`))
  }
  t.equal(harness.stripe.intents.size, 1, 'one intent at Stripe')
  const seen = await ownOrder(harness, customer, order.id)
  t.same(seen.payments.map((payment) => payment.status), ['PENDING', 'FAILED'])
})
