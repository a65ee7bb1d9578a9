import t from 'tap'
import { concurrently } from '../helpers/concurrency.js'
import { adminOf, collectCash, markDelivered, moveOrder, shipItems } from '../helpers/fulfilment.js'
import { ISO_INSTANT, JSON_TYPE, problem, PROBLEM_JSON, UUID_V7, validationProblem } from '../helpers/problems.js'
import {
  confirmedOrder as confirmedOrderTo, customerOrder, mailTo, patchShipment, postShipment, settledEvents, settledSubjects, shipmentPath, shipmentsPath, staffOrder, stepsOf, subscribe, UNKNOWN_ID, unitsOf
} from '../helpers/shipments.js'
import { buildShop, createCustomer, idempotencyKey, placeOrder, sellable, stockOf, US_ADDRESS, type Customer, type Order, type ShopHarness } from '../helpers/shop.js'

const STAFF_TOKEN = problem(401, 'INVALID_TOKEN', 'Staff operations need a staff access token.', '')
const FROM_CONFIRMED = [{ to: 'CANCELLED', roles: ['CUSTOMER', 'ADMIN', 'MODERATOR', 'SYSTEM'] }, { to: 'SHIPPED', roles: ['SYSTEM'] }]
const FROM_SHIPPED = [{ to: 'DELIVERED', roles: ['SYSTEM'] }]

let tracking = 0
/** A tracking number no other parcel of this file has. */
const trackingNumber = (): string => `JD${String(process.pid).padStart(7, '0')}${String(++tracking).padStart(4, '0')}`

/** A confirmed order of `lines` by `customer`, to the US. */
const confirmedOrder = async (harness: ShopHarness, customer: Customer, lines: Array<{ variantId: string, quantity: number }>): Promise<Order> =>
  await confirmedOrderTo(harness, customer, lines, US_ADDRESS)

function itemOf (order: Order, variantId: string): Order['items'][number] {
  const item = order.items.find((candidate) => candidate.variantId === variantId)
  if (item === undefined) throw new Error(`order ${order.id} has no item of ${variantId}`)
  return item
}

const placedSubject = (order: Order): string => `Thank you for your order (order ${order.number})`
const shippedSubject = (order: Order): string => `Your order is on its way (order ${order.number})`

t.test('an order ships in parcels: two of three units leave it CONFIRMED, the rest ship it; one email lists both parcels, integrators hear order.shipped once', async (t) => {
  const harness = await buildShop(t)
  const subscription = await subscribe(t, harness, ['order.placed', 'order.shipped'])
  const admin = await adminOf(harness)
  const customer = await createCustomer(harness)
  const stool = await sellable(harness, 2500, 10, 'Walnut Stool')
  const lamp = await sellable(harness, 4000, 10, 'Brass Lamp')
  const order = await confirmedOrder(harness, customer, [{ variantId: stool.variantId, quantity: 3 }, { variantId: lamp.variantId, quantity: 1 }])
  const stools = itemOf(order, stool.variantId)
  const lamps = itemOf(order, lamp.variantId)

  const dhl = { service: 'DHL Express', trackingNumber: trackingNumber(), trackingUrl: 'https://www.dhl.com/track?id=0034043416' }
  const first = await postShipment(harness, order.id, { carrier: 'manual', items: [{ orderItemId: stools.id, quantity: 2 }], ...dhl })
  t.equal(first.response.status, 201)
  t.equal(first.response.headers.get('content-type'), JSON_TYPE)
  const parcel = first.data!
  t.equal(first.response.headers.get('location'), shipmentPath(parcel.id))
  t.same(parcel, {
    id: parcel.id,
    orderId: order.id,
    carrier: 'manual',
    ...dhl,
    status: 'IN_TRANSIT',
    items: [{ orderItemId: stools.id, quantity: 2 }],
    events: [{ status: 'IN_TRANSIT', description: 'Handed to DHL Express', location: null, occurredAt: parcel.events[0]?.occurredAt, source: 'STAFF' }],
    deliveredAt: null,
    createdAt: parcel.createdAt,
    updatedAt: parcel.updatedAt
  }, 'a manual parcel is on its way as soon as it is made, with what staff typed')
  t.match(parcel, { id: UUID_V7, createdAt: ISO_INSTANT, updatedAt: ISO_INSTANT, events: [{ occurredAt: ISO_INSTANT }] })
  const partly = await staffOrder(harness, order.id)
  t.equal(partly.order.status, 'CONFIRMED', 'a unit is still to ship')
  t.same(partly.order.shipments, [parcel])
  t.same(partly.order.statusHistory.map((change) => change.to), ['PENDING', 'CONFIRMED'], 'the first parcel moves nothing')

  const ups = { service: 'UPS Ground', trackingNumber: trackingNumber() }
  const second = await postShipment(harness, order.id, { carrier: 'manual', items: [{ orderItemId: lamps.id, quantity: 1 }, { orderItemId: stools.id, quantity: 1 }], ...ups, note: '  The rest, in a second box  ' })
  t.equal(second.response.status, 201)
  t.match(second.data, { ...ups, trackingUrl: null, status: 'IN_TRANSIT', items: [{ orderItemId: lamps.id, quantity: 1 }, { orderItemId: stools.id, quantity: 1 }] })
  const shipped = await staffOrder(harness, order.id)
  t.equal(shipped.order.status, 'SHIPPED', 'every unit is in a parcel')
  t.same(shipped.order.shipments, [parcel, second.data], 'both parcels, oldest first')
  t.same(shipped.order.statusHistory.at(-1), { from: 'CONFIRMED', to: 'SHIPPED', at: shipped.order.statusHistory.at(-1)?.at, by: { role: 'ADMIN', id: admin.id }, note: 'The rest, in a second box' }, 'shipped by whoever made the last parcel, with the note')
  t.same(shipped.allowedTransitions, FROM_SHIPPED)

  const subjects = await settledSubjects(harness, customer.email, [placedSubject(order), `Your order is confirmed (order ${order.number})`, shippedSubject(order)])
  t.same(subjects, [placedSubject(order), `Your order is confirmed (order ${order.number})`, shippedSubject(order)].sort(), 'the first parcel emails nothing; the last one emails the shipment, once')
  const text = mailTo(harness, customer.email, shippedSubject(order))?.text ?? ''
  t.match(text, `Carrier: DHL Express, tracking number ${dhl.trackingNumber}`)
  t.match(text, `Track it with DHL Express: ${dhl.trackingUrl}`)
  t.match(text, `Carrier: UPS Ground, tracking number ${ups.trackingNumber}`)
  t.notMatch(text, 'Track it with UPS Ground', 'no link for a parcel without a tracking URL')
  t.match(text, 'Note from the shop: The rest, in a second box')

  const events = await settledEvents(subscription, 2)
  t.same(events.map((event) => [event.type, event.data.order.id]), [['order.placed', order.id], ['order.shipped', order.id]], 'order.shipped once, for the last parcel')
  t.match(events[1]?.data, { order: { status: 'SHIPPED', shipments: [{ id: parcel.id, trackingNumber: dhl.trackingNumber }, { id: second.data?.id, trackingNumber: ups.trackingNumber }] }, customer: { id: customer.id, email: customer.email } })
})

t.test('delivering one of two parcels leaves the order SHIPPED; the second delivers it: the customer is emailed, integrators hear order.delivered', async (t) => {
  const harness = await buildShop(t)
  const subscription = await subscribe(t, harness, ['order.placed', 'order.delivered'])
  const admin = await adminOf(harness)
  const customer = await createCustomer(harness)
  const stool = await sellable(harness)
  const order = await confirmedOrder(harness, customer, [{ variantId: stool.variantId, quantity: 2 }])
  const [one, other] = [await shipItems(harness, order.id, unitsOf(order, () => 1)), await shipItems(harness, order.id)]

  const started = Date.now()
  const delivered = await markDelivered(harness, one.id)
  t.equal(delivered.status, 'DELIVERED')
  t.ok(Date.parse(delivered.deliveredAt ?? '') >= started, 'delivered when staff said so')
  t.same(stepsOf(delivered).at(-1), { status: 'DELIVERED', description: 'delivered', location: null, source: 'STAFF' })
  t.equal((await staffOrder(harness, order.id)).order.status, 'SHIPPED', 'a parcel is still on its way')

  await markDelivered(harness, other.id)
  const done = await staffOrder(harness, order.id)
  t.equal(done.order.status, 'DELIVERED')
  t.same(done.order.shipments.map((shipment) => shipment.status), ['DELIVERED', 'DELIVERED'])
  t.same(done.order.statusHistory.at(-1), { from: 'SHIPPED', to: 'DELIVERED', at: done.order.statusHistory.at(-1)?.at, by: { role: 'ADMIN', id: admin.id }, note: null })
  t.ok(Date.parse(done.order.statusHistory.at(-1)?.at ?? '') >= Date.parse(done.order.shipments[1]?.deliveredAt ?? ''), 'delivered with its last parcel')

  const expected = [placedSubject(order), `Your order is confirmed (order ${order.number})`, shippedSubject(order), `Your order was delivered (order ${order.number})`]
  t.same(await settledSubjects(harness, customer.email, expected), expected.sort(), 'one delivered email, for the last parcel')
  t.match(mailTo(harness, customer.email, `Your order was delivered (order ${order.number})`)?.text, `Your order ${order.number} was delivered.`)
  const events = await settledEvents(subscription, 2)
  t.same(events.map((event) => [event.type, event.data.order.id]), [['order.placed', order.id], ['order.delivered', order.id]], 'order.delivered once')
  t.match(events[1]?.data, { order: { status: 'DELIVERED', shipments: [{ id: one.id, status: 'DELIVERED' }, { id: other.id, status: 'DELIVERED' }] } })
})

t.test('recording the cash a courier collected for a shipped order tells integrators it was paid, not that it shipped again', async (t) => {
  const harness = await buildShop(t)
  const subscription = await subscribe(t, harness, ['order.placed', 'order.shipped', 'order.paid'])
  const customer = await createCustomer(harness)
  const stool = await sellable(harness)
  const order = await confirmedOrder(harness, customer, [{ variantId: stool.variantId, quantity: 1 }])
  await shipItems(harness, order.id)
  await collectCash(harness, order.id)
  const events = await settledEvents(subscription, 3)
  t.same(events.map((event) => [event.type, event.data.order.id]), [['order.placed', order.id], ['order.shipped', order.id], ['order.paid', order.id]])
  t.match(events[2]?.data, { order: { status: 'SHIPPED', paymentStatus: 'PAID' } })
})

let shop: ShopHarness
t.before(async () => {
  shop = await buildShop(t)
})

t.test('staff steps build the tracking history the customer sees; DELIVERED is final', async (t) => {
  const customer = await createCustomer(shop)
  const stool = await sellable(shop)
  const order = await confirmedOrder(shop, customer, [{ variantId: stool.variantId, quantity: 1 }])
  const parcel = await shipItems(shop, order.id, undefined, shop.staff, { service: 'Royal Mail', trackingNumber: trackingNumber() })

  const sorted = await patchShipment(shop, parcel.id, { status: 'IN_TRANSIT', description: '  Arrived at the sorting centre ', location: ' Leeds ' })
  t.equal(sorted.response.status, 200)
  const outForDelivery = await patchShipment(shop, parcel.id, { status: 'OUT_FOR_DELIVERY', location: 'York' })
  t.equal(outForDelivery.data?.status, 'OUT_FOR_DELIVERY')
  const [sortedAt, outAt] = [Date.parse(sorted.data?.events[1]?.occurredAt ?? ''), Date.parse(outForDelivery.data?.events[2]?.occurredAt ?? '')]
  t.ok(outAt - sortedAt >= 2, 'the two steps were recorded at least 2 ms apart, so a scan fits between them')
  const lateScan = await patchShipment(shop, parcel.id, { status: 'IN_TRANSIT', description: 'Left the Leeds depot', occurredAt: new Date(Math.floor((sortedAt + outAt) / 2)).toISOString() })
  t.equal(lateScan.data?.status, 'OUT_FOR_DELIVERY', 'a scan reported late takes its place in the history without moving the parcel back')
  t.equal((await staffOrder(shop, order.id)).order.status, 'SHIPPED')

  const delivered = await patchShipment(shop, parcel.id, { status: 'DELIVERED', description: 'Signed for by A. Lovelace' })
  t.equal(delivered.response.status, 200)
  const seen = await customerOrder(shop, customer, order.id)
  t.equal(seen.status, 'DELIVERED')
  t.same(seen.shipments, [delivered.data], 'the customer sees the parcel as staff do')
  t.same(stepsOf(seen.shipments[0]!), [
    { status: 'IN_TRANSIT', description: 'Handed to Royal Mail', location: null, source: 'STAFF' },
    { status: 'IN_TRANSIT', description: 'Arrived at the sorting centre', location: 'Leeds', source: 'STAFF' },
    { status: 'IN_TRANSIT', description: 'Left the Leeds depot', location: null, source: 'STAFF' },
    { status: 'OUT_FOR_DELIVERY', description: 'out for delivery', location: 'York', source: 'STAFF' },
    { status: 'DELIVERED', description: 'Signed for by A. Lovelace', location: null, source: 'STAFF' }
  ], 'oldest first, trimmed, a step without a description described by its status')
  t.equal(seen.shipments[0]?.deliveredAt, seen.shipments[0]?.events[4]?.occurredAt)

  const final = problem(409, 'SHIPMENT_DELIVERED', 'This parcel was delivered; its status is final.', shipmentPath(parcel.id))
  for (const status of ['IN_TRANSIT', 'EXCEPTION', 'DELIVERED'] as const) {
    const refused = await patchShipment(shop, parcel.id, { status })
    t.equal(refused.response.status, 409)
    t.equal(refused.response.headers.get('content-type'), PROBLEM_JSON)
    t.same(refused.error, final, `no ${status} after DELIVERED`)
  }
  const corrected = await patchShipment(shop, parcel.id, { trackingUrl: 'https://www.royalmail.com/track-your-item' })
  t.equal(corrected.response.status, 200, 'its details can still be corrected')
  t.same(corrected.data, { ...delivered.data, trackingUrl: 'https://www.royalmail.com/track-your-item', updatedAt: corrected.data?.updatedAt })

  const instance = shipmentPath(parcel.id)
  t.same((await patchShipment(shop, UNKNOWN_ID, { status: 'IN_TRANSIT' })).error, problem(404, 'NOT_FOUND', 'No shipment has this id.', shipmentPath(UNKNOWN_ID)))
  t.same((await patchShipment(shop, parcel.id, { location: 'Leeds' })).error, validationProblem(instance, [{ pointer: '/body/location', detail: 'describes a step: send it with its status' }]))
  t.same((await patchShipment(shop, parcel.id, { status: 'IN_TRANSIT', occurredAt: new Date(Date.now() + 3_600_000).toISOString() })).error, validationProblem(instance, [{ pointer: '/body/occurredAt', detail: 'must not be in the future' }]))
  t.same((await patchShipment(shop, parcel.id, { status: 'IN_TRANSIT' }, customer.headers)).error, { ...STAFF_TOKEN, instance })
  t.same((await customerOrder(shop, customer, order.id)).shipments, [corrected.data], 'the refusals changed nothing')
})

t.test('a parcel is refused for units already shipped, items of another order, items named twice, an order that is not confirmed, and without staff', async (t) => {
  const customer = await createCustomer(shop)
  const stool = await sellable(shop)
  const order = await confirmedOrder(shop, customer, [{ variantId: stool.variantId, quantity: 3 }])
  const [item] = order.items
  const parcel = await shipItems(shop, order.id, [{ orderItemId: item!.id, quantity: 2 }])
  const pending = await placeOrder(shop, customer, stool.variantId)
  const cancelled = await confirmedOrder(shop, customer, [{ variantId: stool.variantId, quantity: 1 }])
  await moveOrder(shop, cancelled.id, 'CANCELLED')
  const instance = shipmentsPath(order.id)
  const one = [{ orderItemId: item!.id, quantity: 1 }]

  const refusals: Array<[string, string, Parameters<typeof postShipment>[2], Record<string, string>, unknown]> = [
    ['more units than are left', order.id, { carrier: 'manual', items: [{ orderItemId: item!.id, quantity: 2 }] }, shop.staff,
      { ...problem(409, 'SHIPMENT_QUANTITY_EXCEEDED', 'At most 1 of this item is still to ship.', instance), orderItemId: item!.id, unshipped: 1 }],
    ['an item of another order', order.id, { carrier: 'manual', items: [{ orderItemId: pending.items[0]!.id, quantity: 1 }] }, shop.staff,
      validationProblem(instance, [{ pointer: '/body/items/0/orderItemId', detail: 'is not an item of this order' }])],
    ['the same item twice', order.id, { carrier: 'manual', items: [...one, ...one] }, shop.staff,
      validationProblem(instance, [{ pointer: '/body/items/1/orderItemId', detail: 'names an item already in the list' }])],
    ['a pending order', pending.id, { carrier: 'manual', items: unitsOf(pending) }, shop.staff,
      { ...problem(409, 'ORDER_NOT_SHIPPABLE', 'The order is PENDING: parcels are made for CONFIRMED orders.', shipmentsPath(pending.id)), orderStatus: 'PENDING' }],
    ['a cancelled order', cancelled.id, { carrier: 'manual', items: unitsOf(cancelled) }, shop.staff,
      { ...problem(409, 'ORDER_NOT_SHIPPABLE', 'The order is CANCELLED: parcels are made for CONFIRMED orders.', shipmentsPath(cancelled.id)), orderStatus: 'CANCELLED' }],
    ['an unknown order', UNKNOWN_ID, { carrier: 'manual', items: one }, shop.staff, problem(404, 'NOT_FOUND', 'No order has this id.', shipmentsPath(UNKNOWN_ID))],
    ['shiprocket, which this shop has not configured', order.id, { carrier: 'shiprocket', items: one }, shop.staff,
      validationProblem(instance, [{ pointer: '/body/carrier', detail: 'shiprocket is not configured in this shop' }])],
    ['a courier id for a manual parcel', order.id, { carrier: 'manual', items: one, serviceId: '24' }, shop.staff,
      validationProblem(instance, [{ pointer: '/body/serviceId', detail: 'is for carriers that book parcels (shiprocket)' }])],
    ['a customer token', order.id, { carrier: 'manual', items: one }, customer.headers, { ...STAFF_TOKEN, instance }],
    ['no token', order.id, { carrier: 'manual', items: one }, {}, problem(401, 'UNAUTHORIZED', 'A valid bearer access token is required.', instance)]
  ]
  for (const [what, orderId, body, headers, expected] of refusals) {
    const refused = await postShipment(shop, orderId, body, headers)
    t.equal(refused.response.headers.get('content-type'), PROBLEM_JSON, what)
    t.same(refused.error, expected, what)
  }
  const after = await staffOrder(shop, order.id)
  t.same([after.order.status, after.order.shipments], ['CONFIRMED', [parcel]], 'nothing was recorded')
  t.same((await staffOrder(shop, pending.id)).order.shipments, [])
})

t.test('parcels made at once for the same units: exactly one is made each time', async (t) => {
  const customer = await createCustomer(shop)
  const stool = await sellable(shop, 2500, 50)
  const order = await confirmedOrder(shop, customer, [{ variantId: stool.variantId, quantity: 3 }])
  const [item] = order.items
  const create = async (quantity: number) => await concurrently(5, async () => await postShipment(shop, order.id, { carrier: 'manual', items: [{ orderItemId: item!.id, quantity }] }))

  const firstRound = await create(2)
  t.same(firstRound.map((answer) => answer.response.status).sort(), [201, 409, 409, 409, 409], 'five parcels of two of the three units: one is made')
  for (const answer of firstRound.filter((candidate) => candidate.response.status === 409)) {
    t.same(answer.error, { ...problem(409, 'SHIPMENT_QUANTITY_EXCEEDED', 'At most 1 of this item is still to ship.', shipmentsPath(order.id)), orderItemId: item!.id, unshipped: 1 })
  }
  const secondRound = await create(1)
  t.same(secondRound.map((answer) => answer.response.status).sort(), [201, 409, 409, 409, 409], 'five parcels of the last unit: one is made, and ships the order')
  for (const answer of secondRound.filter((candidate) => candidate.response.status === 409)) {
    t.same(answer.error, { ...problem(409, 'ORDER_NOT_SHIPPABLE', 'The order is SHIPPED: parcels are made for CONFIRMED orders.', shipmentsPath(order.id)), orderStatus: 'SHIPPED' })
  }
  const after = await staffOrder(shop, order.id)
  const made = [...firstRound, ...secondRound].flatMap((answer) => answer.data === undefined ? [] : [answer.data])
  t.same(after.order.shipments, made.sort((a, b) => a.id.localeCompare(b.id)), 'the two parcels made')
  t.equal(after.order.statusHistory.filter((change) => change.to === 'SHIPPED').length, 1, 'shipped once')
  const subjects = await settledSubjects(shop, customer.email, [placedSubject(order), shippedSubject(order)])
  t.equal(subjects.filter((subject) => subject === shippedSubject(order)).length, 1, 'one shipped email')
})

t.test('a tracking number another parcel of the carrier has is refused, when the parcel is made and when it is corrected', async (t) => {
  const customer = await createCustomer(shop)
  const stool = await sellable(shop)
  const [first, second] = [await confirmedOrder(shop, customer, [{ variantId: stool.variantId, quantity: 1 }]), await confirmedOrder(shop, customer, [{ variantId: stool.variantId, quantity: 1 }])]
  const taken = trackingNumber()
  await shipItems(shop, first.id, undefined, shop.staff, { trackingNumber: taken })
  const refused = await postShipment(shop, second.id, { carrier: 'manual', items: unitsOf(second), trackingNumber: taken })
  t.equal(refused.response.status, 409)
  t.same(refused.error, problem(409, 'TRACKING_NUMBER_TAKEN', 'Another parcel of this carrier has this tracking number.', shipmentsPath(second.id)))
  const unshipped = await staffOrder(shop, second.id)
  t.same([unshipped.order.status, unshipped.order.shipments], ['CONFIRMED', []], 'no parcel, still CONFIRMED')

  const parcel = await shipItems(shop, second.id, undefined, shop.staff, { trackingNumber: trackingNumber() })
  const corrected = await patchShipment(shop, parcel.id, { trackingNumber: taken })
  t.same(corrected.error, problem(409, 'TRACKING_NUMBER_TAKEN', 'Another parcel of this carrier has this tracking number.', shipmentPath(parcel.id)))
  t.same((await staffOrder(shop, second.id)).order.shipments, [parcel], 'the parcel keeps its number')
})

t.test('typed tracking details are trimmed when the parcel is made, as when it is corrected: a number with a trailing space is the same number', async (t) => {
  const customer = await createCustomer(shop)
  const stool = await sellable(shop)
  const [first, second] = [await confirmedOrder(shop, customer, [{ variantId: stool.variantId, quantity: 1 }]), await confirmedOrder(shop, customer, [{ variantId: stool.variantId, quantity: 1 }])]
  const number = trackingNumber()
  const made = await postShipment(shop, first.id, { carrier: 'manual', items: unitsOf(first), service: 'Royal Mail ', trackingNumber: `${number} ` })
  t.equal(made.response.status, 201)
  t.same([made.data?.service, made.data?.trackingNumber], ['Royal Mail', number], 'stored as PATCH would store them')
  const again = await postShipment(shop, second.id, { carrier: 'manual', items: unitsOf(second), trackingNumber: number })
  t.equal(again.response.status, 409, 'the same number is taken')
})

t.test('an order with a parcel is not cancelled, by its customer or by staff; staff do not ship or deliver orders by hand', async (t) => {
  const customer = await createCustomer(shop)
  const stool = await sellable(shop)
  const order = await confirmedOrder(shop, customer, [{ variantId: stool.variantId, quantity: 2 }])
  await shipItems(shop, order.id, unitsOf(order, () => 1))
  const stock = await stockOf(shop, stool.variantId)
  const hasShipments = (instance: string) => problem(409, 'ORDER_HAS_SHIPMENTS', 'Parcels of this order have shipped, so it can no longer be cancelled; ask for a return once it is delivered.', instance)

  const byCustomer = await shop.api.POST('/api/v1/orders/{id}/cancel', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, params: { path: { id: order.id } }, body: { reason: 'Changed my mind' } })
  t.equal(byCustomer.response.status, 409)
  t.same(byCustomer.error, hasShipments(`/api/v1/orders/${order.id}/cancel`))
  const byStaff = await shop.api.PATCH('/api/v1/admin/orders/{id}', { headers: shop.staff, params: { path: { id: order.id } }, body: { status: 'CANCELLED' } })
  t.same(byStaff.error, hasShipments(`/api/v1/admin/orders/${order.id}`))
  const shippedByHand = await shop.api.PATCH('/api/v1/admin/orders/{id}', { headers: shop.staff, params: { path: { id: order.id } }, body: { status: 'SHIPPED' } })
  t.same(shippedByHand.error, {
    ...problem(409, 'ORDER_TRANSITION_NOT_ALLOWED', 'The order is CONFIRMED: it cannot move to SHIPPED (here, or by you). From CONFIRMED it may move to CANCELLED (CUSTOMER, ADMIN, MODERATOR, SYSTEM), SHIPPED (SYSTEM).', `/api/v1/admin/orders/${order.id}`),
    orderStatus: 'CONFIRMED',
    allowedTransitions: FROM_CONFIRMED
  }, 'orders ship with their parcels')
  t.equal(await stockOf(shop, stool.variantId), stock, 'no stock came back')
  const after = await staffOrder(shop, order.id)
  t.equal(after.order.status, 'CONFIRMED')

  await shipItems(shop, order.id)
  const deliveredByHand = await shop.api.PATCH('/api/v1/admin/orders/{id}', { headers: shop.staff, params: { path: { id: order.id } }, body: { status: 'DELIVERED' } })
  t.same(deliveredByHand.error, {
    ...problem(409, 'ORDER_TRANSITION_NOT_ALLOWED', 'The order is SHIPPED: it cannot move to DELIVERED (here, or by you). From SHIPPED it may move to DELIVERED (SYSTEM).', `/api/v1/admin/orders/${order.id}`),
    orderStatus: 'SHIPPED',
    allowedTransitions: FROM_SHIPPED
  }, 'orders are delivered with their parcels')
})
