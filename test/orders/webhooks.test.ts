import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { buildShop, createCustomer, idempotencyKey, placeOrder, sellable, type ShopHarness } from '../helpers/shop.js'
import { deliverOrder } from '../helpers/fulfilment.js'
import { startReceiver, verify, type Receiver } from '../helpers/webhooks.js'

async function subscribe (harness: ShopHarness, receiver: Receiver, eventTypes: string[]): Promise<string> {
  const { data, error } = await harness.api.POST('/api/v1/admin/webhooks', { headers: harness.staff, body: { url: receiver.url, eventTypes: eventTypes as never } })
  if (data === undefined) throw new Error(`subscribing failed: ${JSON.stringify(error)}`)
  return data.secret
}

/**
 * Every event the receiver got so far, verified with the endpoint's secret, after a pause for stragglers;
 * in the order they happened (deliveries run in parallel and may arrive in any order; event ids are UUIDv7).
 */
async function settledEvents (receiver: Receiver, secret: string, count: number) {
  await receiver.waitFor(count)
  await sleep(1000)
  return receiver.received.map((request) => ({ id: String(request.headers['webhook-id']), ...verify(secret, request) })).sort((a, b) => a.id.localeCompare(b.id))
}

t.test('integrators hear of an order placed, shipped, delivered and paid, with the order and its customer, signed', async (t) => {
  const harness = await buildShop(t)
  const receiver = await startReceiver(t)
  const secret = await subscribe(harness, receiver, ['order.placed', 'order.paid', 'order.shipped', 'order.delivered', 'order.cancelled'])
  const customer = await createCustomer(harness)
  const product = await sellable(harness)
  const order = await placeOrder(harness, customer, product.variantId, 2)
  await deliverOrder(harness, order.id, { paid: true })

  const events = await settledEvents(receiver, secret, 4)
  t.same(events.map((event) => event.type), ['order.placed', 'order.shipped', 'order.paid', 'order.delivered'], 'confirming is no integration event; the cash collected at the door is a payment')
  t.equal(new Set(events.map((event) => event.id)).size, 4, 'each event has its own id')
  const placed = events[0]
  t.match(placed?.data, { order: { id: order.id, number: order.number, status: 'PENDING', total: order.total, items: [{ variantId: product.variantId, quantity: 2 }] }, customer: { id: customer.id, email: customer.email, name: 'Test Customer' } })
  t.same(placed?.data.order, order, 'the order as the customer was shown it at checkout')
  t.match(events[3]?.data, { order: { id: order.id, status: 'DELIVERED', paymentStatus: 'PAID' } })
})

t.test('a cancellation is an integration event; a refused change and a rolled-back checkout are none', async (t) => {
  const harness = await buildShop(t)
  const receiver = await startReceiver(t)
  const secret = await subscribe(harness, receiver, ['order.placed', 'order.cancelled'])
  const customer = await createCustomer(harness)
  const product = await sellable(harness, 2500, 1)
  const order = await placeOrder(harness, customer, product.variantId)
  const refused = await harness.api.PATCH('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id: order.id } }, body: { status: 'DELIVERED' } })
  t.equal(refused.response.status, 409)
  const cancelled = await harness.api.POST('/api/v1/orders/{id}/cancel', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, params: { path: { id: order.id } }, body: { reason: 'Changed my mind' } })
  t.equal(cancelled.response.status, 200)
  const events = await settledEvents(receiver, secret, 2)
  t.same(events.map((event) => [event.type, event.data.order.id, event.data.order.status]), [['order.placed', order.id, 'PENDING'], ['order.cancelled', order.id, 'CANCELLED']])
})

t.test('inventory.low_stock when a sale or an adjustment takes a variant to the threshold or below, once per fall', async (t) => {
  const harness = await buildShop(t, { LOW_STOCK_THRESHOLD: '3' })
  const receiver = await startReceiver(t)
  const secret = await subscribe(harness, receiver, ['inventory.low_stock'])
  const customer = await createCustomer(harness)
  const product = await sellable(harness, 1000, 6)
  await placeOrder(harness, customer, product.variantId, 2) // 6 → 4: above
  await placeOrder(harness, customer, product.variantId, 1) // 4 → 3: falls to the threshold
  await placeOrder(harness, customer, product.variantId, 1) // 3 → 2: already low
  const fell = await settledEvents(receiver, secret, 1)
  t.same(fell.map((event) => event.data), [{ variantId: product.variantId, productId: product.id, sku: product.variants[0]?.sku, stock: 3, threshold: 3 }])

  const adjust = async (body: { setTo: number, reason: string }) => {
    const answer = await harness.api.POST('/api/v1/admin/variants/{id}/stock-adjustments', { headers: { ...harness.staff, 'idempotency-key': idempotencyKey() }, params: { path: { id: product.variantId } }, body })
    t.equal(answer.response.status, 201)
  }
  await adjust({ setTo: 20, reason: 'Restocked' })
  await adjust({ setTo: 1, reason: 'Damaged in the warehouse' })
  const again = await settledEvents(receiver, secret, 2)
  t.same(again.map((event) => [event.type, event.data.stock]), [['inventory.low_stock', 3], ['inventory.low_stock', 1]], 'a restock and a new fall alert again')
})

t.test('an endpoint that hangs does not hold up the deliveries to another', async (t) => {
  const harness = await buildShop(t, { WEBHOOK_TIMEOUT_MS: '5000' })
  let answeredSlowly = false
  const hanging = createServer((request, response) => {
    request.resume()
    setTimeout(() => { answeredSlowly = true; response.writeHead(200).end() }, 3000)
  })
  await new Promise<void>((resolve) => { hanging.listen(0, '127.0.0.1', resolve) })
  t.teardown(async () => { hanging.closeAllConnections(); await new Promise((resolve) => hanging.close(resolve)) })
  const { data: slow } = await harness.api.POST('/api/v1/admin/webhooks', { headers: harness.staff, body: { url: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/slow`, eventTypes: ['order.placed'] } })
  t.ok(slow)
  const receiver = await startReceiver(t)
  const secret = await subscribe(harness, receiver, ['order.placed'])
  const customers = [await createCustomer(harness), await createCustomer(harness)]
  const product = await sellable(harness)
  for (const customer of customers) await placeOrder(harness, customer, product.variantId)
  await receiver.waitFor(2)
  t.notOk(answeredSlowly, 'both events reached the quick endpoint while the slow one was still answering')
  t.same(receiver.received.map((request) => verify(secret, request).type), ['order.placed', 'order.placed'])
})
