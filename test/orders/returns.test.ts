import t from 'tap'
import { ISO_INSTANT, problem, UUID_V7, validationProblem } from '../helpers/problems.js'
import { addToCart, buildShop, createCustomers, idempotencyKey, placeOrder, sellable, stockOf, type Order, type ShopHarness } from '../helpers/shop.js'
import { adminOf, between, deliverOrder, moveOrder, orderEntries, shipOrder, stockHistory } from '../helpers/fulfilment.js'

const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000'

type ReturnBody = { items: Array<{ orderItemId: string, quantity: number }>, reason: string }

async function askToReturn (harness: ShopHarness, headers: Record<string, string>, id: string, body: ReturnBody) {
  return await harness.api.POST('/api/v1/orders/{id}/return-requests', { headers, params: { path: { id } }, body })
}

/** Moves the order's delivery `hours` into the past, as if the parcel had arrived then. */
async function deliveredHoursAgo (harness: ShopHarness, id: string, hours: number): Promise<void> {
  await harness.app.orm.em.fork().execute(`update orders set delivered_at = now() - interval '${hours} hours' where id = ?`, [id])
}

async function ownOrder (harness: ShopHarness, headers: Record<string, string>, id: string): Promise<Order> {
  const { data, error } = await harness.api.GET('/api/v1/orders/{id}', { headers, params: { path: { id } } })
  if (data === undefined) throw new Error(`reading ${id} failed: ${JSON.stringify(error)}`)
  return data
}

t.test('within the window a customer asks to return some of what was delivered; an admin accepts and the returned units restock, recorded as a return', async (t) => {
  const harness = await buildShop(t)
  const { api } = harness
  const admin = await adminOf(harness)
  const stool = await sellable(harness, 2500, 10, 'Walnut Stool')
  const lamp = await sellable(harness, 1200, 10, 'Brass Lamp')
  const [customer] = await createCustomers(harness, 1)
  await addToCart(api, customer!.headers, lamp.variantId, 1)
  const order = await placeOrder(harness, customer!, stool.variantId, 3)
  const stoolLine = order.items.find((item) => item.variantId === stool.variantId)!
  const lampLine = order.items.find((item) => item.variantId === lamp.variantId)!
  await deliverOrder(harness, order.id)
  const delivered = await ownOrder(harness, customer!.headers, order.id)

  const started = Date.now()
  const asked = await askToReturn(harness, { ...customer!.headers, 'idempotency-key': idempotencyKey() }, order.id, { items: [{ orderItemId: stoolLine.id, quantity: 2 }], reason: '  Too wobbly  ' })
  const ended = Date.now()
  t.equal(asked.response.status, 201)
  const request = asked.data?.returnRequests[0]
  t.match(request?.id, UUID_V7)
  t.match(request?.createdAt, ISO_INSTANT)
  t.ok(between(request?.createdAt ?? '', started, ended))
  t.same(asked.data?.returnRequests, [{ id: request?.id, status: 'REQUESTED', reason: 'Too wobbly', items: [{ orderItemId: stoolLine.id, quantity: 2 }], createdAt: request?.createdAt, decidedAt: null, decisionNote: null }], 'the request, with the items, quantities and reason')
  t.equal(asked.data?.status, 'RETURN_REQUESTED')
  const askedAt = asked.data?.statusHistory.at(-1)
  t.same(asked.data?.statusHistory, [...delivered.statusHistory, { from: 'DELIVERED', to: 'RETURN_REQUESTED', at: askedAt?.at, by: { role: 'CUSTOMER', id: customer!.id }, note: null }])
  t.same(asked.data?.items.map((item) => item.returnedQuantity), [0, 0], 'nothing is returned until staff decide')
  t.equal(await stockOf(harness, stool.variantId), 7, 'no stock moves on a request')

  const another = await askToReturn(harness, customer!.headers, order.id, { items: [{ orderItemId: lampLine.id, quantity: 1 }], reason: 'And the lamp' })
  t.equal(another.response.status, 409, 'one open request at a time')
  t.equal(another.error?.code, 'ORDER_TRANSITION_NOT_ALLOWED')

  const decidedFrom = Date.now()
  const accepted = await api.PATCH('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id: order.id } }, body: { status: 'RETURNED', note: 'Checked: unused' } })
  const decidedTo = Date.now()
  t.equal(accepted.response.status, 200)
  const decided = accepted.data!.order
  t.equal(decided.status, 'RETURNED')
  t.same(decided.returnRequests, [{ ...request, status: 'ACCEPTED', decidedAt: decided.returnRequests[0]?.decidedAt, decisionNote: 'Checked: unused' }], 'the request is accepted, with the note')
  t.ok(between(decided.returnRequests[0]?.decidedAt ?? '', decidedFrom, decidedTo), 'decided when the admin decided')
  t.same(decided.statusHistory.at(-1), { from: 'RETURN_REQUESTED', to: 'RETURNED', at: decided.statusHistory.at(-1)?.at, by: { role: 'ADMIN', id: admin.id }, note: 'Checked: unused' })
  t.same(decided.items.map((item) => [item.id, item.quantity, item.returnedQuantity]), order.items.map((item) => [item.id, item.quantity, item.id === stoolLine.id ? 2 : 0]), 'two stools returned, the lamp kept')
  t.same(accepted.data?.allowedTransitions, [], 'a returned order moves no further')

  t.equal(await stockOf(harness, stool.variantId), 9, 'the two returned stools are back on the shelf')
  t.equal(await stockOf(harness, lamp.variantId), 9, 'the kept lamp is not')
  const [returned] = orderEntries(await stockHistory(harness, stool.variantId))
  t.same(returned && { ...returned, id: '', createdAt: '' }, { id: '', variantId: stool.variantId, kind: 'RETURN', before: 7, after: 9, change: 2, reason: `Order ${order.number} returned`, orderId: order.id, actor: { role: 'ADMIN', id: admin.id }, createdAt: '' }, 'recorded as a return of this order, by the admin')
  t.ok(between(returned?.createdAt ?? '', decidedFrom, decidedTo))
  t.same(orderEntries(await stockHistory(harness, lamp.variantId)).map((entry) => entry.kind), ['CHECKOUT'], 'no return entry for the lamp')

  t.same(await ownOrder(harness, customer!.headers, order.id), decided, 'the customer sees the decision')
  const more = await askToReturn(harness, customer!.headers, order.id, { items: [{ orderItemId: stoolLine.id, quantity: 1 }], reason: 'The third one too' })
  t.equal(more.response.status, 409, 'a returned order takes no further request')
  t.same(more.error, { ...problem(409, 'ORDER_TRANSITION_NOT_ALLOWED', 'The order is RETURNED: it can no longer change status.', `/api/v1/orders/${order.id}/return-requests`), orderStatus: 'RETURNED', allowedTransitions: [] })
})

t.test('an admin rejects a return: nothing restocks, the order is delivered again, and the customer may ask again', async (t) => {
  const harness = await buildShop(t)
  const { api } = harness
  const admin = await adminOf(harness)
  const stool = await sellable(harness, 2500, 10)
  const [customer] = await createCustomers(harness, 1)
  const order = await placeOrder(harness, customer!, stool.variantId, 2)
  const line = order.items[0]!
  await deliverOrder(harness, order.id, { paid: true })

  const first = await askToReturn(harness, customer!.headers, order.id, { items: [{ orderItemId: line.id, quantity: 2 }], reason: 'Scratched' })
  t.equal(first.response.status, 201)
  const rejected = await api.PATCH('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id: order.id } }, body: { status: 'DELIVERED', note: 'Scratched by use' } })
  t.equal(rejected.response.status, 200)
  const decided = rejected.data!.order
  t.equal(decided.status, 'DELIVERED')
  t.equal(decided.paymentStatus, 'PAID', 'still paid')
  t.match(decided.returnRequests, [{ status: 'REJECTED', decisionNote: 'Scratched by use', decidedAt: ISO_INSTANT }])
  t.same(decided.statusHistory.at(-1), { from: 'RETURN_REQUESTED', to: 'DELIVERED', at: decided.statusHistory.at(-1)?.at, by: { role: 'ADMIN', id: admin.id }, note: 'Scratched by use' })
  t.same(decided.items.map((item) => item.returnedQuantity), [0])
  t.same(rejected.data?.allowedTransitions, [{ to: 'RETURN_REQUESTED', roles: ['CUSTOMER'] }])
  t.equal(await stockOf(harness, stool.variantId), 8, 'nothing restocked')
  t.same(orderEntries(await stockHistory(harness, stool.variantId)).map((entry) => entry.kind), ['CHECKOUT'], 'no return in the stock history')

  const second = await askToReturn(harness, customer!.headers, order.id, { items: [{ orderItemId: line.id, quantity: 2 }], reason: 'It really was scratched on arrival' })
  t.equal(second.response.status, 201, 'rejected units can be asked for again')
  t.same(second.data?.returnRequests.map((request) => [request.status, request.reason]), [['REJECTED', 'Scratched'], ['REQUESTED', 'It really was scratched on arrival']], 'both requests, oldest first')
  await moveOrder(harness, order.id, 'RETURNED')
  t.equal(await stockOf(harness, stool.variantId), 10, 'the accepted second request restocks both')
})

t.test('the window is RETURN_WINDOW_DAYS from delivery, as configured: one day here', async (t) => {
  const harness = await buildShop(t, { RETURN_WINDOW_DAYS: '1' })
  const stool = await sellable(harness, 2500, 20)
  const [customer] = await createCustomers(harness, 1)
  const orders: Order[] = []
  for (let index = 0; index < 3; index++) {
    const order = await placeOrder(harness, customer!, stool.variantId, 1)
    await deliverOrder(harness, order.id)
    orders.push(order)
  }
  const [late, inTime, rejected] = orders as [Order, Order, Order]
  const body = (order: Order): ReturnBody => ({ items: [{ orderItemId: order.items[0]!.id, quantity: 1 }], reason: 'Not as pictured' })
  const closed = (order: Order) => ({ ...problem(409, 'RETURN_WINDOW_CLOSED', "Returns are accepted within 1 day of delivery; this order's window has closed.", `/api/v1/orders/${order.id}/return-requests`), returnWindowDays: 1 })

  await deliveredHoursAgo(harness, late.id, 25)
  const tooLate = await askToReturn(harness, customer!.headers, late.id, body(late))
  t.equal(tooLate.response.status, 409, 'delivered 25 hours ago: too late')
  t.same(tooLate.error, closed(late))
  const unchanged = await ownOrder(harness, customer!.headers, late.id)
  t.equal(unchanged.status, 'DELIVERED')
  t.same(unchanged.returnRequests, [], 'nothing was written')

  await deliveredHoursAgo(harness, inTime.id, 23)
  t.equal((await askToReturn(harness, customer!.headers, inTime.id, body(inTime))).response.status, 201, 'delivered 23 hours ago: still in time')

  // A rejected request does not open the window again: it runs from the delivery.
  t.equal((await askToReturn(harness, customer!.headers, rejected.id, body(rejected))).response.status, 201)
  await deliveredHoursAgo(harness, rejected.id, 30)
  await moveOrder(harness, rejected.id, 'DELIVERED')
  const again = await askToReturn(harness, customer!.headers, rejected.id, body(rejected))
  t.same(again.error, closed(rejected), 'asking again after a rejection, once the window has closed')
  t.equal(await stockOf(harness, stool.variantId), 17)
})

t.test('refused return requests: before delivery, more than was bought, an item of another order, unknown orders; each changes nothing', async (t) => {
  const harness = await buildShop(t)
  const stool = await sellable(harness, 2500, 20)
  const [customer, other] = await createCustomers(harness, 2)
  const pending = await placeOrder(harness, customer!, stool.variantId, 1)
  const shipped = await placeOrder(harness, customer!, stool.variantId, 1)
  await moveOrder(harness, shipped.id, 'CONFIRMED')
  await shipOrder(harness, shipped.id)
  const cancelled = await placeOrder(harness, customer!, stool.variantId, 1)
  await moveOrder(harness, cancelled.id, 'CANCELLED')
  const order = await placeOrder(harness, customer!, stool.variantId, 2)
  await deliverOrder(harness, order.id)
  const othersOrder = await placeOrder(harness, other!, stool.variantId, 1)
  await deliverOrder(harness, othersOrder.id)
  const line = order.items[0]!
  const path = `/api/v1/orders/${order.id}/return-requests`
  const before = await ownOrder(harness, customer!.headers, order.id)
  const stock = await stockOf(harness, stool.variantId)

  const notYet: Array<[string, Order, string]> = [
    ['pending', pending, 'The order is PENDING: it cannot move to RETURN_REQUESTED (here, or by you). From PENDING it may move to CONFIRMED (ADMIN, MODERATOR), CANCELLED (CUSTOMER, ADMIN, MODERATOR, SYSTEM).'],
    ['shipped', shipped, 'The order is SHIPPED: it cannot move to RETURN_REQUESTED (here, or by you). From SHIPPED it may move to DELIVERED (SYSTEM).'],
    ['cancelled', cancelled, 'The order is CANCELLED: it can no longer change status.']
  ]
  for (const [what, early, detail] of notYet) {
    const refused = await askToReturn(harness, customer!.headers, early.id, { items: [{ orderItemId: early.items[0]!.id, quantity: 1 }], reason: 'Never mind' })
    t.equal(refused.response.status, 409, `not delivered but ${what}`)
    t.equal(refused.error?.code, 'ORDER_TRANSITION_NOT_ALLOWED')
    t.equal(refused.error?.detail, detail)
  }

  const tooMany = await askToReturn(harness, customer!.headers, order.id, { items: [{ orderItemId: line.id, quantity: 3 }], reason: 'All of them' })
  t.equal(tooMany.response.status, 409, 'three of two')
  t.same(tooMany.error, { ...problem(409, 'RETURN_QUANTITY_EXCEEDED', 'At most 2 of this item can still be returned.', path), orderItemId: line.id, returnable: 2 })

  const foreignItem = await askToReturn(harness, customer!.headers, order.id, { items: [{ orderItemId: othersOrder.items[0]!.id, quantity: 1 }], reason: 'Wrong one' })
  t.same(foreignItem.error, validationProblem(path, [{ pointer: '/body/items/0/orderItemId', detail: 'is not an item of this order' }]), 'an item of another order')
  const unknownItem = await askToReturn(harness, customer!.headers, order.id, { items: [{ orderItemId: line.id, quantity: 1 }, { orderItemId: UNKNOWN_ID, quantity: 1 }], reason: 'Wrong one' })
  t.same(unknownItem.error, validationProblem(path, [{ pointer: '/body/items/1/orderItemId', detail: 'is not an item of this order' }]), 'an item of no order')
  const twice = await askToReturn(harness, customer!.headers, order.id, { items: [{ orderItemId: line.id, quantity: 1 }, { orderItemId: line.id, quantity: 2 }], reason: 'Split up' })
  t.same(twice.error, validationProblem(path, [{ pointer: '/body/items/1/orderItemId', detail: 'names an item already in the list' }]), 'one item listed twice, which would let 1 + 2 pass for 2')

  const invalid: Array<[string, unknown, string]> = [
    ['no items', { items: [], reason: 'Nothing' }, '/body/items'],
    ['a quantity of 0', { items: [{ orderItemId: line.id, quantity: 0 }], reason: 'None' }, '/body/items/0/quantity'],
    ['a fractional quantity', { items: [{ orderItemId: line.id, quantity: 1.5 }], reason: 'Half' }, '/body/items/0/quantity'],
    ['a quantity as text', { items: [{ orderItemId: line.id, quantity: '1' }], reason: 'One' }, '/body/items/0/quantity'],
    ['no reason', { items: [{ orderItemId: line.id, quantity: 1 }] }, '/body/reason'],
    ['a blank reason', { items: [{ orderItemId: line.id, quantity: 1 }], reason: '   ' }, '/body/reason'],
    ['a reason of 1001 characters', { items: [{ orderItemId: line.id, quantity: 1 }], reason: 'x'.repeat(1001) }, '/body/reason'],
    ['an item id that is no id', { items: [{ orderItemId: 'line-1', quantity: 1 }], reason: 'Broken' }, '/body/items/0/orderItemId'],
    ['an unknown property', { items: [{ orderItemId: line.id, quantity: 1 }], reason: 'Broken', refund: 'cash' }, '/body/refund']
  ]
  for (const [what, body, pointer] of invalid) {
    const { response, error } = await askToReturn(harness, customer!.headers, order.id, body as ReturnBody)
    t.equal(response.status, 400, what)
    t.ok(error?.errors?.some((failure) => failure.pointer === pointer), `${what}: ${pointer} is named (${JSON.stringify(error?.errors)})`)
  }

  const notFound = (id: string) => problem(404, 'NOT_FOUND', 'No order has this id.', `/api/v1/orders/${id}/return-requests`)
  t.same((await askToReturn(harness, customer!.headers, UNKNOWN_ID, { items: [{ orderItemId: line.id, quantity: 1 }], reason: 'Broken' })).error, notFound(UNKNOWN_ID), 'an unknown order')
  t.same((await askToReturn(harness, customer!.headers, othersOrder.id, { items: [{ orderItemId: othersOrder.items[0]!.id, quantity: 1 }], reason: 'Broken' })).error, notFound(othersOrder.id), "another customer's delivered order")
  t.equal((await askToReturn(harness, harness.staff, order.id, { items: [{ orderItemId: line.id, quantity: 1 }], reason: 'Broken' })).response.status, 403, 'staff do not ask for returns')
  t.equal((await askToReturn(harness, {}, order.id, { items: [{ orderItemId: line.id, quantity: 1 }], reason: 'Broken' })).response.status, 401)

  t.same(await ownOrder(harness, customer!.headers, order.id), before, 'the order is as it was')
  t.equal((await ownOrder(harness, other!.headers, othersOrder.id)).returnRequests.length, 0, "the other customer's order too")
  t.equal(await stockOf(harness, stool.variantId), stock)

  const key = idempotencyKey()
  const body = { items: [{ orderItemId: line.id, quantity: 2 }], reason: 'Both broken' }
  const asked = await askToReturn(harness, { ...customer!.headers, 'idempotency-key': key }, order.id, body)
  t.equal(asked.response.status, 201, 'all that was bought may be returned')
  const replay = await askToReturn(harness, { ...customer!.headers, 'idempotency-key': key }, order.id, body)
  t.equal(replay.response.status, 201)
  t.equal(replay.response.headers.get('idempotent-replayed'), 'true', 'a retried request is the same answer')
  t.same(replay.data, asked.data)
  t.equal((await ownOrder(harness, customer!.headers, order.id)).returnRequests.length, 1, 'and only one request')
})
