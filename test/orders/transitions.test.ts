import { setTimeout } from 'node:timers/promises'
import t from 'tap'
import type { components } from '../../openapi/schema.js'
import { settled } from '../helpers/concurrency.js'
import { problem, PROBLEM_JSON, validationProblem } from '../helpers/problems.js'
import { addToCart, buildShop, createCustomer, createCustomers, idempotencyKey, placeOrder, secondInstance, sellable, stockOf, type ShopHarness } from '../helpers/shop.js'
import { adminOf, between, collectCash, createModerator, deliverOrder, markDelivered, moveOrder, orderEntries, shipOrder, stockHistory, type OrderStatus, type StaffMember } from '../helpers/fulfilment.js'

type OrderTransition = components['schemas']['OrderTransition']

const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000'
const STAFF: OrderTransition['roles'] = ['ADMIN', 'MODERATOR']
const FROM_PENDING: OrderTransition[] = [{ to: 'CONFIRMED', roles: STAFF }, { to: 'CANCELLED', roles: ['CUSTOMER', ...STAFF, 'SYSTEM'] }]
const FROM_CONFIRMED: OrderTransition[] = [{ to: 'CANCELLED', roles: ['CUSTOMER', ...STAFF, 'SYSTEM'] }, { to: 'SHIPPED', roles: ['SYSTEM'] }]
const FROM_SHIPPED: OrderTransition[] = [{ to: 'DELIVERED', roles: ['SYSTEM'] }]
const FROM_DELIVERED: OrderTransition[] = [{ to: 'RETURN_REQUESTED', roles: ['CUSTOMER'] }]

/** The 409 for a move the machine does not allow from `status` (to `to`, or by this caller). */
function transitionRefused (instance: string, status: OrderStatus, detail: string, allowed: OrderTransition[]) {
  return { ...problem(409, 'ORDER_TRANSITION_NOT_ALLOWED', detail, instance), orderStatus: status, allowedTransitions: allowed }
}

async function staffRead (harness: ShopHarness, id: string) {
  const read = await harness.api.GET('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id } } })
  if (read.data === undefined) throw new Error(`reading ${id} failed: ${JSON.stringify(read.error)}`)
  return { order: read.data, etag: read.response.headers.get('etag') ?? '' }
}

t.test('staff confirm an order, and it ships and is delivered with its parcel: each move is recorded with who made it and when; the cash collected pays it', async (t) => {
  const harness = await buildShop(t)
  const { api } = harness
  const admin = await adminOf(harness)
  const moderator = await createModerator(harness)
  const stool = await sellable(harness, 2500, 10)
  const customer = await createCustomer(harness)
  const order = await placeOrder(harness, customer, stool.variantId, 2)
  t.equal(order.paymentStatus, 'UNPAID')

  let { etag } = await staffRead(harness, order.id)
  const started = Date.now()
  const confirmed = await api.PATCH('/api/v1/admin/orders/{id}', { headers: admin.headers, params: { path: { id: order.id } }, body: { status: 'CONFIRMED', note: '   ' } })
  t.equal(confirmed.response.status, 200)
  const entry = confirmed.data!.order.statusHistory.at(-1)!
  t.same(entry, { from: 'PENDING', to: 'CONFIRMED', at: entry.at, by: { role: 'ADMIN', id: admin.id }, note: null }, 'recorded with who; only spaces are no note')
  t.ok(between(entry.at, started, Date.now()), `recorded when it was made (${entry.at})`)
  t.same(confirmed.data!.allowedTransitions, FROM_CONFIRMED, 'what may follow: the parcels ship it')
  const newTag = confirmed.response.headers.get('etag')
  t.match(newTag, /^"\d+"$/)
  t.not(newTag, etag, 'a new version')
  t.equal((await staffRead(harness, order.id)).etag, newTag, 'the ETag a read then shows')
  etag = newTag ?? ''

  const parcel = await shipOrder(harness, order.id, moderator.headers, '  Sent with the morning van  ')
  const shipped = (await staffRead(harness, order.id)).order
  t.equal(shipped.order.status, 'SHIPPED', 'every unit in a parcel: shipped')
  t.same(shipped.order.statusHistory.at(-1), { from: 'CONFIRMED', to: 'SHIPPED', at: shipped.order.statusHistory.at(-1)?.at, by: { role: 'MODERATOR', id: moderator.id }, note: 'Sent with the morning van' }, 'shipped by whoever made the last parcel')
  t.same(shipped.allowedTransitions, FROM_SHIPPED)
  t.equal(shipped.order.paymentStatus, 'UNPAID', 'cash on delivery: nothing paid yet')

  await collectCash(harness, order.id, moderator.headers)
  await markDelivered(harness, parcel.id, moderator.headers)
  const delivered = (await staffRead(harness, order.id)).order
  t.equal(delivered.order.status, 'DELIVERED', 'its only parcel delivered: delivered')
  t.equal(delivered.order.statusHistory.at(-1)?.by.role, 'MODERATOR')
  t.same(delivered.allowedTransitions, FROM_DELIVERED)

  const mine = await api.GET('/api/v1/orders/{id}', { headers: customer.headers, params: { path: { id: order.id } } })
  t.equal(mine.data?.status, 'DELIVERED')
  t.equal(mine.data?.paymentStatus, 'PAID', 'the cash taken at the door is recorded')
  t.same(mine.data?.statusHistory, delivered.order.statusHistory, 'the customer sees the same history')
  t.same(mine.data?.shipments.map((shipment) => shipment.status), ['DELIVERED'], 'and the parcel')
  t.same(mine.data?.items, order.items, 'the items are as they were bought')
  t.equal(await stockOf(harness, stool.variantId), 8, 'confirming, shipping and delivering move no stock')
  t.same(orderEntries(await stockHistory(harness, stool.variantId)).map((entry) => [entry.kind, entry.orderId]), [['CHECKOUT', order.id]], 'only the sale is in the stock history')
})

t.test('staff cancel an order before it ships, from PENDING or CONFIRMED: every unit of every line is back on the shelf, recorded against the order', async (t) => {
  const harness = await buildShop(t)
  const { api } = harness
  const admin = await adminOf(harness)
  const moderator = await createModerator(harness)
  const stool = await sellable(harness, 2500, 10, 'Walnut Stool')
  const lamp = await sellable(harness, 1200, 6, 'Brass Lamp')
  const customer = await createCustomer(harness)
  await addToCart(api, customer.headers, lamp.variantId, 2)
  const pending = await placeOrder(harness, customer, stool.variantId, 3)
  t.equal(pending.items.length, 2, 'an order of two lines')
  const confirmed = await placeOrder(harness, customer, stool.variantId, 4)
  await moveOrder(harness, confirmed.id, 'CONFIRMED')
  t.same([await stockOf(harness, stool.variantId), await stockOf(harness, lamp.variantId)], [3, 4])

  const cases: Array<[typeof pending, StaffMember, OrderStatus]> = [[pending, admin, 'PENDING'], [confirmed, moderator, 'CONFIRMED']]
  for (const [order, who, from] of cases) {
    const started = Date.now()
    const cancelled = await api.PATCH('/api/v1/admin/orders/{id}', { headers: who.headers, params: { path: { id: order.id } }, body: { status: 'CANCELLED', note: 'Out of paint' } })
    const ended = Date.now()
    t.equal(cancelled.response.status, 200, `cancelled from ${from}`)
    t.equal(cancelled.data?.order.status, 'CANCELLED')
    t.equal(cancelled.data?.order.paymentStatus, 'UNPAID', 'nothing was paid, nothing to refund')
    t.same(cancelled.data?.allowedTransitions, [], 'a cancelled order moves no further')
    const entry = cancelled.data?.order.statusHistory.at(-1)
    t.same(entry, { from, to: 'CANCELLED', at: entry?.at, by: { role: who === admin ? 'ADMIN' : 'MODERATOR', id: who.id }, note: 'Out of paint' })
    t.ok(between(entry?.at ?? '', started, ended))
  }
  t.equal(await stockOf(harness, stool.variantId), 10, 'every stool is back')
  t.equal(await stockOf(harness, lamp.variantId), 6, 'and every lamp')

  const stools = orderEntries(await stockHistory(harness, stool.variantId))
  t.same(stools.map((entry) => [entry.kind, entry.orderId, entry.before, entry.after, entry.change, entry.actor]), [
    ['CANCELLATION', confirmed.id, 6, 10, 4, { role: 'MODERATOR', id: moderator.id }],
    ['CANCELLATION', pending.id, 3, 6, 3, { role: 'ADMIN', id: admin.id }],
    ['CHECKOUT', confirmed.id, 7, 3, -4, { role: 'CUSTOMER', id: customer.id }],
    ['CHECKOUT', pending.id, 10, 7, -3, { role: 'CUSTOMER', id: customer.id }]
  ], 'each cancellation recorded, newest first, against its order, by who cancelled')
  t.equal(stools[0]?.reason, `Order ${confirmed.number} cancelled`)
  const lamps = orderEntries(await stockHistory(harness, lamp.variantId))
  t.same(lamps.map((entry) => [entry.kind, entry.orderId, entry.before, entry.after]), [['CANCELLATION', pending.id, 4, 6], ['CHECKOUT', pending.id, 6, 4]])

  const again = await api.PATCH('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id: pending.id } }, body: { status: 'CANCELLED' } })
  t.equal(again.response.status, 409)
  t.same(again.error, transitionRefused(`/api/v1/admin/orders/${pending.id}`, 'CANCELLED', 'The order is CANCELLED: it can no longer change status.', []))
  t.equal(await stockOf(harness, stool.variantId), 10, 'a second cancellation restocks nothing')
})

t.test('a move the machine does not allow is a 409 naming the moves allowed from the current status, and changes nothing', async (t) => {
  const harness = await buildShop(t)
  const { api } = harness
  const stool = await sellable(harness, 2500, 20)
  const customer = await createCustomer(harness)
  const pending = await placeOrder(harness, customer, stool.variantId, 1)
  const confirmed = await placeOrder(harness, customer, stool.variantId, 1)
  await moveOrder(harness, confirmed.id, 'CONFIRMED')
  const shipped = await placeOrder(harness, customer, stool.variantId, 1)
  await moveOrder(harness, shipped.id, 'CONFIRMED')
  await shipOrder(harness, shipped.id)
  const delivered = await placeOrder(harness, customer, stool.variantId, 1)
  await deliverOrder(harness, delivered.id)
  const stock = await stockOf(harness, stool.variantId)
  const before = await Promise.all([pending, confirmed, shipped, delivered].map(async (order) => await staffRead(harness, order.id)))

  const refusals: Array<[string, string, OrderStatus, OrderStatus, OrderTransition[]]> = [
    ['skipping confirmation', pending.id, 'PENDING', 'SHIPPED', FROM_PENDING],
    ['straight to delivered', pending.id, 'PENDING', 'DELIVERED', FROM_PENDING],
    ['to the status it has', pending.id, 'PENDING', 'PENDING', FROM_PENDING],
    ['a return nobody asked for', pending.id, 'PENDING', 'RETURNED', FROM_PENDING],
    ['shipping, which the parcels do', confirmed.id, 'CONFIRMED', 'SHIPPED', FROM_CONFIRMED],
    ['cancelling what has shipped', shipped.id, 'SHIPPED', 'CANCELLED', FROM_SHIPPED],
    ['delivering, which the parcels do', shipped.id, 'SHIPPED', 'DELIVERED', FROM_SHIPPED],
    ['back to confirmed', shipped.id, 'SHIPPED', 'CONFIRMED', FROM_SHIPPED],
    ['asking for a return, which only the customer does', delivered.id, 'DELIVERED', 'RETURN_REQUESTED', FROM_DELIVERED],
    ['accepting a return never asked for', delivered.id, 'DELIVERED', 'RETURNED', FROM_DELIVERED]
  ]
  for (const [what, id, status, to, allowed] of refusals) {
    const { response, error } = await api.PATCH('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id } }, body: { status: to } })
    t.equal(response.status, 409, what)
    t.equal(response.headers.get('content-type'), PROBLEM_JSON)
    const named = allowed.map((move) => `${move.to} (${move.roles.join(', ')})`).join(', ')
    t.same(error, transitionRefused(`/api/v1/admin/orders/${id}`, status, `The order is ${status}: it cannot move to ${to} (here, or by you). From ${status} it may move to ${named}.`, allowed), what)
  }
  const shippedRefusal = await api.PATCH('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id: shipped.id } }, body: { status: 'CANCELLED' } })
  t.equal(shippedRefusal.error?.detail, 'The order is SHIPPED: it cannot move to CANCELLED (here, or by you). From SHIPPED it may move to DELIVERED (SYSTEM).', 'the detail reads as a sentence')

  const after = await Promise.all([pending, confirmed, shipped, delivered].map(async (order) => await staffRead(harness, order.id)))
  t.same(after, before, 'no order changed: same status, history and ETag')
  t.equal(await stockOf(harness, stool.variantId), stock, 'no stock moved')
})

t.test('PATCH /admin/orders/{id}: bad input is a 400, an unknown order a 404, customers and strangers are refused', async (t) => {
  const harness = await buildShop(t)
  const { api } = harness
  const stool = await sellable(harness, 2500, 10)
  const customer = await createCustomer(harness)
  const order = await placeOrder(harness, customer, stool.variantId, 1)
  const path = `/api/v1/admin/orders/${order.id}`
  const before = await staffRead(harness, order.id)

  const invalid: Array<[string, unknown, string]> = [
    ['an unknown status', { status: 'LOST' }, '/body/status'],
    ['no status', { note: 'Nothing to say' }, '/body/status'],
    ['a note of 501 characters', { status: 'CONFIRMED', note: 'x'.repeat(501) }, '/body/note'],
    ['a status that is not a string', { status: 1 }, '/body/status'],
    ['an unknown property', { status: 'CONFIRMED', paymentStatus: 'PAID' }, '/body/paymentStatus']
  ]
  for (const [what, body, pointer] of invalid) {
    const { response, error } = await api.PATCH('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id: order.id } }, body: body as never })
    t.equal(response.status, 400, what)
    t.equal(error?.code, 'VALIDATION_FAILED', what)
    t.ok(error?.errors?.some((failure) => failure.pointer === pointer), `${what}: ${pointer} is named (${JSON.stringify(error?.errors)})`)
  }
  const notAnId = await api.PATCH('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id: 'order-1' } }, body: { status: 'CONFIRMED' } })
  t.same(notAnId.error, validationProblem('/api/v1/admin/orders/order-1', [{ pointer: '/params/id', detail: notAnId.error?.errors?.[0]?.detail ?? '' }]))

  const unknown = await api.PATCH('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id: UNKNOWN_ID } }, body: { status: 'CONFIRMED' } })
  t.equal(unknown.response.status, 404)
  t.same(unknown.error, problem(404, 'NOT_FOUND', 'No order has this id.', `/api/v1/admin/orders/${UNKNOWN_ID}`))

  const asCustomer = await api.PATCH('/api/v1/admin/orders/{id}', { headers: customer.headers, params: { path: { id: order.id } }, body: { status: 'CANCELLED' } })
  t.equal(asCustomer.response.status, 401, "a customer's token is refused, even on their own order")
  t.same(asCustomer.error, problem(401, 'INVALID_TOKEN', 'Staff operations need a staff access token.', path))
  const anonymous = await api.PATCH('/api/v1/admin/orders/{id}', { params: { path: { id: order.id } }, body: { status: 'CONFIRMED' } })
  t.equal(anonymous.response.status, 401)
  t.equal(anonymous.response.headers.get('www-authenticate'), 'Bearer')

  t.same(await staffRead(harness, order.id), before, 'the order is untouched')
  t.equal(await stockOf(harness, stool.variantId), 9)
})

t.test('With If-Match, a move based on a version that has changed is a 412 and writes nothing; of two moves from one version, one wins', async (t) => {
  const harness = await buildShop(t)
  const { api } = harness
  const other = await secondInstance(t, harness)
  const stool = await sellable(harness, 2500, 10)
  const customer = await createCustomer(harness)
  const order = await placeOrder(harness, customer, stool.variantId, 2)
  const path = `/api/v1/admin/orders/${order.id}`
  const seen = await staffRead(harness, order.id)

  const confirmed = await api.PATCH('/api/v1/admin/orders/{id}', { headers: { ...harness.staff, 'if-match': seen.etag }, params: { path: { id: order.id } }, body: { status: 'CONFIRMED' } })
  t.equal(confirmed.response.status, 200, 'the ETag of the current version lets the move through')
  const current = confirmed.response.headers.get('etag') ?? ''

  for (const stale of [seen.etag, 'W/' + current, '"not-a-version"']) {
    const refused = await api.PATCH('/api/v1/admin/orders/{id}', { headers: { ...harness.staff, 'if-match': stale }, params: { path: { id: order.id } }, body: { status: 'CANCELLED' } })
    t.equal(refused.response.status, 412, `If-Match: ${stale}`)
    t.same(refused.error, problem(412, 'PRECONDITION_FAILED', 'The resource has changed since the version named in If-Match; fetch it again and reapply the change.', path))
  }
  const unchanged = await staffRead(harness, order.id)
  t.equal(unchanged.order.order.status, 'CONFIRMED', 'the stale cancellation did not happen')
  t.equal(unchanged.etag, current)
  t.equal(await stockOf(harness, stool.variantId), 8, 'nothing was restocked')
  t.equal(unchanged.order.order.statusHistory.length, 2)

  // A 412 is checked before the machine: a stale tag on a move that would be refused anyway is still a 412.
  const staleAndForbidden = await api.PATCH('/api/v1/admin/orders/{id}', { headers: { ...harness.staff, 'if-match': seen.etag }, params: { path: { id: order.id } }, body: { status: 'DELIVERED' } })
  t.equal(staleAndForbidden.response.status, 412)
  const listed = await api.PATCH('/api/v1/admin/orders/{id}', { headers: { ...harness.staff, 'if-match': `"0", ${current}` }, params: { path: { id: order.id } }, body: { status: 'CANCELLED' } })
  t.equal(listed.response.status, 200, 'a list of tags that includes the current one matches')
  t.equal(await stockOf(harness, stool.variantId), 10, 'the cancellation restocked')

  // Two staff on two instances, both looking at the pending order, one confirming and one cancelling it: only the first to arrive is applied.
  const racing = await placeOrder(harness, customer, stool.variantId, 1)
  const base = await staffRead(harness, racing.id)
  const [first, second] = await settled([
    api.PATCH('/api/v1/admin/orders/{id}', { headers: { ...harness.staff, 'if-match': base.etag }, params: { path: { id: racing.id } }, body: { status: 'CONFIRMED' } }),
    other.api.PATCH('/api/v1/admin/orders/{id}', { headers: { ...harness.staff, 'if-match': base.etag }, params: { path: { id: racing.id } }, body: { status: 'CANCELLED' } })
  ])
  if (first === undefined || second === undefined) throw new Error('two answers were awaited')
  t.same([first.response.status, second.response.status].sort(), [200, 412], 'one 200, one 412')
  const winner: OrderStatus = first.response.status === 200 ? 'CONFIRMED' : 'CANCELLED'
  const final = await staffRead(harness, racing.id)
  t.equal(final.order.order.status, winner)
  t.same(final.order.order.statusHistory.map((change) => change.to), ['PENDING', winner], 'only the winner is recorded')
  t.equal(await stockOf(harness, stool.variantId), winner === 'CANCELLED' ? 10 : 9, 'stock agrees with the winner')
})

t.test('moderators make every staff move but the return decisions, which are for admins', async (t) => {
  const harness = await buildShop(t)
  const { api } = harness
  const admin = await adminOf(harness)
  const moderator = await createModerator(harness)
  const stool = await sellable(harness, 2500, 10)
  const customer = await createCustomer(harness)
  const order = await placeOrder(harness, customer, stool.variantId, 2)
  await moveOrder(harness, order.id, 'CONFIRMED', moderator.headers)
  await markDelivered(harness, (await shipOrder(harness, order.id, moderator.headers)).id, moderator.headers)
  const cancelled = await placeOrder(harness, customer, stool.variantId, 1)
  t.equal((await moveOrder(harness, cancelled.id, 'CANCELLED', moderator.headers)).order.status, 'CANCELLED', 'a moderator cancels')

  const requested = await api.POST('/api/v1/orders/{id}/return-requests', { headers: customer.headers, params: { path: { id: order.id } }, body: { items: [{ orderItemId: order.items[0]!.id, quantity: 1 }], reason: 'Too tall' } })
  t.equal(requested.response.status, 201)
  const returnMoves: OrderTransition[] = [{ to: 'RETURNED', roles: ['ADMIN'] }, { to: 'DELIVERED', roles: ['ADMIN'] }]
  t.same((await staffRead(harness, order.id)).order.allowedTransitions, returnMoves, 'the spec reserves the return decisions for admins')
  for (const to of ['RETURNED', 'DELIVERED'] as const) {
    const refused = await api.PATCH('/api/v1/admin/orders/{id}', { headers: moderator.headers, params: { path: { id: order.id } }, body: { status: to } })
    t.equal(refused.response.status, 409, `a moderator cannot move a return to ${to}`)
    t.same(refused.error, transitionRefused(`/api/v1/admin/orders/${order.id}`, 'RETURN_REQUESTED', `The order is RETURN_REQUESTED: it cannot move to ${to} (here, or by you). From RETURN_REQUESTED it may move to RETURNED (ADMIN), DELIVERED (ADMIN).`, returnMoves))
  }
  t.equal(await stockOf(harness, stool.variantId), 8, 'nothing restocked by the refused decision')
  const accepted = await moveOrder(harness, order.id, 'RETURNED')
  t.equal(accepted.order.status, 'RETURNED', 'an admin decides')
  t.same(accepted.order.statusHistory.map((change) => [change.to, change.by]), [
    ['PENDING', { role: 'CUSTOMER', id: customer.id }],
    ['CONFIRMED', { role: 'MODERATOR', id: moderator.id }],
    ['SHIPPED', { role: 'MODERATOR', id: moderator.id }],
    ['DELIVERED', { role: 'MODERATOR', id: moderator.id }],
    ['RETURN_REQUESTED', { role: 'CUSTOMER', id: customer.id }],
    ['RETURNED', { role: 'ADMIN', id: admin.id }]
  ])
  t.equal(await stockOf(harness, stool.variantId), 9, 'the returned unit is back')
})

t.test('customers cancel their own order before it ships: the stock returns, recorded as a cancellation of that order; once shipped, a 409', async (t) => {
  const harness = await buildShop(t)
  const { api } = harness
  const stool = await sellable(harness, 2500, 20)
  const customer = await createCustomer(harness)
  const pending = await placeOrder(harness, customer, stool.variantId, 3)
  const confirmed = await placeOrder(harness, customer, stool.variantId, 2)
  await moveOrder(harness, confirmed.id, 'CONFIRMED')
  t.equal(await stockOf(harness, stool.variantId), 15)

  const key = idempotencyKey()
  const started = Date.now()
  const cancelled = await api.POST('/api/v1/orders/{id}/cancel', { headers: { ...customer.headers, 'idempotency-key': key }, params: { path: { id: pending.id } }, body: { reason: '  Ordered the wrong size ' } })
  const ended = Date.now()
  t.equal(cancelled.response.status, 200)
  const entry = cancelled.data?.statusHistory.at(-1)
  t.same(cancelled.data, { ...pending, status: 'CANCELLED', statusHistory: [...pending.statusHistory, { from: 'PENDING', to: 'CANCELLED', at: entry?.at, by: { role: 'CUSTOMER', id: customer.id }, note: 'Ordered the wrong size' }], updatedAt: cancelled.data?.updatedAt }, 'the order, cancelled, with why')
  t.ok(between(entry?.at ?? '', started, ended))
  t.equal(await stockOf(harness, stool.variantId), 18, 'its three units are back')

  const replay = await api.POST('/api/v1/orders/{id}/cancel', { headers: { ...customer.headers, 'idempotency-key': key }, params: { path: { id: pending.id } }, body: { reason: '  Ordered the wrong size ' } })
  t.equal(replay.response.status, 200)
  t.equal(replay.response.headers.get('idempotent-replayed'), 'true', 'a retried cancellation is the same answer')
  t.same(replay.data, cancelled.data)

  const fromConfirmed = await api.POST('/api/v1/orders/{id}/cancel', { headers: customer.headers, params: { path: { id: confirmed.id } }, body: { reason: '   ' } })
  t.equal(fromConfirmed.response.status, 200, 'a confirmed order can still be cancelled, with a reason of only spaces')
  t.same(fromConfirmed.data?.statusHistory.at(-1)?.note, null, 'which is no reason')
  t.equal(await stockOf(harness, stool.variantId), 20)

  const history = orderEntries(await stockHistory(harness, stool.variantId))
  t.same(history.map((adjustment) => [adjustment.kind, adjustment.orderId, adjustment.before, adjustment.after, adjustment.actor]), [
    ['CANCELLATION', confirmed.id, 18, 20, { role: 'CUSTOMER', id: customer.id }],
    ['CANCELLATION', pending.id, 15, 18, { role: 'CUSTOMER', id: customer.id }],
    ['CHECKOUT', confirmed.id, 17, 15, { role: 'CUSTOMER', id: customer.id }],
    ['CHECKOUT', pending.id, 20, 17, { role: 'CUSTOMER', id: customer.id }]
  ], 'each cancellation recorded once, against its order, the replay adding none')

  const shipped = await placeOrder(harness, customer, stool.variantId, 4)
  await moveOrder(harness, shipped.id, 'CONFIRMED')
  const parcel = await shipOrder(harness, shipped.id)
  const late = await api.POST('/api/v1/orders/{id}/cancel', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, params: { path: { id: shipped.id } }, body: { reason: 'Changed my mind' } })
  t.equal(late.response.status, 409, 'too late once shipped')
  t.same(late.error, transitionRefused(`/api/v1/orders/${shipped.id}/cancel`, 'SHIPPED', 'The order is SHIPPED: it cannot move to CANCELLED (here, or by you). From SHIPPED it may move to DELIVERED (SYSTEM).', FROM_SHIPPED))
  await markDelivered(harness, parcel.id)
  const delivered = await api.POST('/api/v1/orders/{id}/cancel', { headers: customer.headers, params: { path: { id: shipped.id } }, body: {} })
  t.same(delivered.error, transitionRefused(`/api/v1/orders/${shipped.id}/cancel`, 'DELIVERED', 'The order is DELIVERED: it cannot move to CANCELLED (here, or by you). From DELIVERED it may move to RETURN_REQUESTED (CUSTOMER).', FROM_DELIVERED))
  const twice = await api.POST('/api/v1/orders/{id}/cancel', { headers: customer.headers, params: { path: { id: pending.id } }, body: {} })
  t.same(twice.error, transitionRefused(`/api/v1/orders/${pending.id}/cancel`, 'CANCELLED', 'The order is CANCELLED: it can no longer change status.', []))
  const longReason = await api.POST('/api/v1/orders/{id}/cancel', { headers: customer.headers, params: { path: { id: confirmed.id } }, body: { reason: 'x'.repeat(501) } })
  t.equal(longReason.error?.code, 'VALIDATION_FAILED')
  t.equal(await stockOf(harness, stool.variantId), 16, 'the refused cancellations returned nothing')
  t.equal((await api.GET('/api/v1/orders/{id}', { headers: customer.headers, params: { path: { id: shipped.id } } })).data?.status, 'DELIVERED')
})

t.test('a customer cancelling while staff ship, on two instances, 20 times: one wins each time, the other is a clean 409, and the stock agrees with the winner', async (t) => {
  const ROUNDS = 20
  const harness = await buildShop(t)
  const other = await secondInstance(t, harness)
  const stool = await sellable(harness, 1500, 100)
  const customers = await createCustomers(harness, ROUNDS)
  const orders = []
  for (const customer of customers) {
    const order = await placeOrder(harness, customer, stool.variantId, 2)
    await moveOrder(harness, order.id, 'CONFIRMED')
    orders.push(order)
  }
  let expected = 100 - 2 * ROUNDS
  t.equal(await stockOf(harness, stool.variantId), expected)

  const winners: OrderStatus[] = []
  for (const [round, order] of orders.entries()) {
    const customer = customers[round]!
    const [customerApi, staffApi] = round % 2 === 0 ? [harness.api, other.api] : [other.api, harness.api]
    // The cancellation does more before it reaches the order's lock (its idempotency key, the customer's
    // lookup), so in some rounds the shipment starts a millisecond or two later, for both to win some rounds.
    const cancelling = customerApi.POST('/api/v1/orders/{id}/cancel', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, params: { path: { id: order.id } }, body: { reason: 'Found it cheaper' } })
    const shipping = (async () => {
      await setTimeout(round % 3)
      return await staffApi.POST('/api/v1/admin/orders/{id}/shipments', { headers: harness.staff, params: { path: { id: order.id } }, body: { carrier: 'manual', items: order.items.map((item) => ({ orderItemId: item.id, quantity: item.quantity })) } })
    })()
    await settled<unknown>([cancelling, shipping])
    const [cancel, ship] = [await cancelling, await shipping]
    t.same([cancel.response.status, ship.response.status].sort(), cancel.response.status === 200 ? [200, 409] : [201, 409], `round ${round}: one wins and the other is a 409`)
    const winner: OrderStatus = cancel.response.status === 200 ? 'CANCELLED' : 'SHIPPED'
    winners.push(winner)
    if (winner === 'CANCELLED') {
      t.same(ship.error, { ...problem(409, 'ORDER_NOT_SHIPPABLE', 'The order is CANCELLED: parcels are made for CONFIRMED orders.', `/api/v1/admin/orders/${order.id}/shipments`), orderStatus: 'CANCELLED' }, `round ${round}: shipping a cancelled order is refused`)
      expected += 2
    } else {
      t.same(cancel.error, transitionRefused(`/api/v1/orders/${order.id}/cancel`, 'SHIPPED', 'The order is SHIPPED: it cannot move to CANCELLED (here, or by you). From SHIPPED it may move to DELIVERED (SYSTEM).', FROM_SHIPPED), `round ${round}: cancelling a shipped order is refused`)
    }
    const final = await staffRead(harness, order.id)
    t.equal(final.order.order.status, winner)
    t.same(final.order.order.statusHistory.map((change) => change.to), ['PENDING', 'CONFIRMED', winner], `round ${round}: only the winner is recorded`)
    t.equal(await stockOf(harness, stool.variantId), expected, `round ${round}: restocked only if cancelled`)
  }
  t.comment(`${winners.filter((winner) => winner === 'CANCELLED').length} cancellations won, ${winners.filter((winner) => winner === 'SHIPPED').length} shipments`)

  const history = orderEntries(await stockHistory(harness, stool.variantId))
  for (const [round, order] of orders.entries()) {
    const cancellations = history.filter((entry) => entry.kind === 'CANCELLATION' && entry.orderId === order.id)
    t.equal(cancellations.length, winners[round] === 'CANCELLED' ? 1 : 0, `round ${round}: ${winners[round] === 'CANCELLED' ? 'one cancellation' : 'no cancellation'} in the stock history`)
  }
})
