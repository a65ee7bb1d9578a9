import t from 'tap'
import { JSON_TYPE, problem, PROBLEM_JSON, validationProblem } from '../helpers/problems.js'
import {
  buildIndianShop, callbackPath, confirmedOrder as confirmedOrderTo, customerOrder, INDIAN_ADDRESS, indianProduct, payByCard, placeOrderOf, postCallback, postShipment, settledSubjects, shipmentsPath,
  staffOrder, stepsOf, unitsOf, type CheckoutAddress
} from '../helpers/shipments.js'
import { startShiprocketStandIn, type ShiprocketStandIn, type StandInRate } from '../helpers/shiprocket-stand-in.js'
import { createCustomer, type Customer, type Order, type ShopHarness } from '../helpers/shop.js'
import { startStripeStandIn, type StripeStandIn } from '../helpers/stripe-stand-in.js'

const SLUG = 'courier-updates'
const PICKUP = 'Bengaluru Warehouse'
const COURIERS: StandInRate[] = [
  { courierId: 10, name: 'Delhivery Surface', rate: '103.25', estimatedDays: '4' },
  { courierId: 24, name: 'Xpressbees Surface', rate: 54.5, estimatedDays: 3 },
  { courierId: 51, name: 'Ekart Logistics', rate: 41, estimatedDays: 5, cod: false }
]
const NOWHERE: CheckoutAddress = { ...INDIAN_ADDRESS, city: 'Agartala', region: 'Tripura', postalCode: '799001' }

let standIn: ShiprocketStandIn
let stripe: StripeStandIn
let shop: ShopHarness
let tea: Awaited<ReturnType<typeof indianProduct>>
let mug: Awaited<ReturnType<typeof indianProduct>>
t.before(async () => {
  standIn = await startShiprocketStandIn(t, { pickupLocation: PICKUP })
  standIn.setRates(INDIAN_ADDRESS.postalCode, COURIERS)
  stripe = await startStripeStandIn(t)
  shop = await buildIndianShop(t, standIn, {}, stripe)
  tea = await indianProduct(shop, 'Assam Tea', 24950, 250, 100)
  mug = await indianProduct(shop, 'Stoneware Mug', 39900, null, 100)
})

const confirmedOrder = async (customer: Customer, lines: Array<{ variantId: string, quantity: number }>, address = INDIAN_ADDRESS): Promise<Order> =>
  await confirmedOrderTo(shop, customer, lines, address)

/** The requests the stand-in received from the `from`th on, to `path`. */
const requestsTo = (path: string, from: number) => standIn.requests.slice(from).filter((request) => request.path === path)

/** Shiprocket's order date: the minute in India. */
const istMinute = (at: string): string => new Date(Date.parse(at) + 330 * 60_000).toISOString().slice(0, 16).replace('T', ' ')

/** An adhoc order's body without its items' names (which a test of their own checks). */
const withoutNames = (body: Record<string, any>) => ({ ...body, order_items: (body.order_items as Array<Record<string, unknown>>).map(({ name, ...item }) => item) })

/** The parcel as the order shows it, and nothing else: for checking that a refusal recorded nothing. */
async function parcelsOf (order: Order) {
  const { order: read } = await staffOrder(shop, order.id)
  return { status: read.status, shipments: read.shipments }
}

t.test('a shiprocket parcel is booked as an adhoc order of its units and given an AWB, which is its tracking number', async (t) => {
  const customer = await createCustomer(shop)
  const order = await confirmedOrder(customer, [{ variantId: tea.variantId, quantity: 2 }, { variantId: mug.variantId, quantity: 1 }])
  const [teas, mugs] = [order.items.find((item) => item.variantId === tea.variantId)!, order.items.find((item) => item.variantId === mug.variantId)!]
  const before = standIn.requests.length

  const first = await postShipment(shop, order.id, { carrier: 'shiprocket', items: [{ orderItemId: teas.id, quantity: 2 }] })
  t.equal(first.response.status, 201)
  t.equal(first.response.headers.get('content-type'), JSON_TYPE)
  const parcel = first.data!
  const booked = [...standIn.shipments.values()].find((shipment) => shipment.order.order_id === `${order.number}-1`)
  t.ok(booked, 'the Shiprocket order is the parcel: the order\'s number and the parcel\'s')
  const billing = {
    billing_customer_name: 'Asha',
    billing_last_name: 'Rao Kumar',
    billing_address: '12 Brigade Road',
    billing_address_2: 'Flat 3',
    billing_city: 'Bengaluru',
    billing_pincode: '560001',
    billing_state: 'Karnataka',
    billing_country: 'India',
    billing_email: customer.email,
    billing_phone: '9812345670',
    shipping_is_billing: true
  }
  t.same(requestsTo('/orders/create/adhoc', before).map((request) => withoutNames(request.body)), [{
    order_id: `${order.number}-1`,
    order_date: istMinute(order.placedAt),
    pickup_location: PICKUP,
    comment: `Order ${order.number}`,
    ...billing,
    order_items: [{ sku: tea.sku, units: 2, selling_price: 249.5 }],
    payment_method: 'COD',
    sub_total: 578,
    length: 10,
    breadth: 10,
    height: 10,
    weight: 0.5
  }], 'cash on delivery: the courier of the first parcel collects its items and the shipping (₹499 + ₹79); two teas of 250 g')
  t.same(requestsTo('/courier/assign/awb', before).map((request) => request.body), [{ shipment_id: booked?.shipmentId }], 'Shiprocket picks the courier')
  const awb = booked?.awb ?? ''
  t.match(awb, /^SR\d{13}$/)
  t.same(parcel, {
    id: parcel.id,
    orderId: order.id,
    carrier: 'shiprocket',
    service: 'Xpressbees Surface',
    trackingNumber: awb,
    trackingUrl: `https://shiprocket.co/tracking/${awb}`,
    status: 'LABEL_CREATED',
    items: [{ orderItemId: teas.id, quantity: 2 }],
    events: [{ status: 'LABEL_CREATED', description: 'Booked with shiprocket (Xpressbees Surface)', location: null, occurredAt: parcel.events[0]?.occurredAt, source: 'STAFF' }],
    deliveredAt: null,
    createdAt: parcel.createdAt,
    updatedAt: parcel.updatedAt
  }, 'the cheapest courier that takes cash (Ekart does not)')
  t.equal((await parcelsOf(order)).status, 'CONFIRMED')

  const middle = standIn.requests.length
  const second = await postShipment(shop, order.id, { carrier: 'shiprocket', items: [{ orderItemId: mugs.id, quantity: 1 }], serviceId: '10' })
  t.equal(second.response.status, 201)
  const secondBooked = [...standIn.shipments.values()].find((shipment) => shipment.order.order_id === `${order.number}-2`)
  t.match(requestsTo('/orders/create/adhoc', middle).map((request) => withoutNames(request.body)), [{
    order_id: `${order.number}-2`, order_items: [{ sku: mug.sku, units: 1, selling_price: 399 }], payment_method: 'COD', sub_total: 399, weight: 0.4
  }], 'the second parcel collects only its item; the mug has no weight, so the default 400 g')
  t.same(requestsTo('/courier/assign/awb', middle).map((request) => request.body), [{ shipment_id: secondBooked?.shipmentId, courier_id: 10 }], 'the courier staff chose')
  t.match(second.data, { service: 'Delhivery Surface', trackingNumber: secondBooked?.awb, status: 'LABEL_CREATED' })
  t.same(await parcelsOf(order), { status: 'SHIPPED', shipments: [parcel, second.data] })
})

t.test('the items on Shiprocket\'s order are named as the customer\'s emails name them: a default variant adds no title', async (t) => {
  const customer = await createCustomer(shop)
  const order = await confirmedOrder(customer, [{ variantId: tea.variantId, quantity: 1 }])
  t.equal(order.items[0]?.variantTitle, 'Default')
  const before = standIn.requests.length
  t.equal((await postShipment(shop, order.id, { carrier: 'shiprocket', items: unitsOf(order) })).response.status, 201)
  t.same(requestsTo('/orders/create/adhoc', before).map((request) => request.body.order_items.map((item: { name: string }) => item.name)), [['Assam Tea']], 'not "Assam Tea Default" on the courier\'s label and invoice')
})

t.test('a card order is booked Prepaid: nothing to collect, the sub-total is its items', async (t) => {
  const customer = await createCustomer(shop)
  const placed = await placeOrderOf(shop, customer, [{ variantId: tea.variantId, quantity: 1 }], INDIAN_ADDRESS, { paymentMethod: 'CARD' })
  const order = await payByCard(shop, stripe, customer, placed)
  const before = standIn.requests.length
  const made = await postShipment(shop, order.id, { carrier: 'shiprocket', items: unitsOf(order) })
  t.equal(made.response.status, 201)
  t.match(requestsTo('/orders/create/adhoc', before).map((request) => request.body), [{ payment_method: 'Prepaid', sub_total: 249.5, weight: 0.25 }])
  t.match(made.data, { service: 'Ekart Logistics', status: 'LABEL_CREATED' }, 'the cheapest courier, cash or not')
  t.equal((await parcelsOf(order)).status, 'SHIPPED')
})

t.test('Shiprocket refusing the parcel is a 502 CARRIER_REFUSED with its reason; nothing is recorded, and the parcel can be made later', async (t) => {
  const customer = await createCustomer(shop)
  const order = await confirmedOrder(customer, [{ variantId: tea.variantId, quantity: 1 }])
  const remote = await confirmedOrder(customer, [{ variantId: tea.variantId, quantity: 1 }], NOWHERE)
  const noPhone = await confirmedOrder(customer, [{ variantId: tea.variantId, quantity: 1 }], { ...INDIAN_ADDRESS, phone: null })
  // Shiprocket's refusal of an order comes before any AWB: a parcel given no AWB keeps its Shiprocket order for the next try.
  const unbooked = await confirmedOrder(customer, [{ variantId: tea.variantId, quantity: 1 }])
  const refused = (id: string, reason: string) => problem(502, 'CARRIER_REFUSED', `shiprocket refused the parcel: ${reason}`, shipmentsPath(id))

  const cases: Array<[string, Order, string | undefined, () => void, string]> = [
    ['no courier serves the pincode', remote, undefined, () => {}, 'Shiprocket assigned no AWB: No courier serviceable for this shipment.'],
    ['the chosen courier does not serve it', order, '33', () => {}, 'Shiprocket assigned no AWB: Selected courier is not serviceable for this shipment.'],
    ['the order is refused with a 422', unbooked, undefined, () => { standIn.failNext(1, 422, '/orders/create/adhoc') }, 'Shiprocket refused POST /orders/create/adhoc: Refused with 422'],
    ['an address without a phone', noPhone, undefined, () => {}, 'Shiprocket refused POST /orders/create/adhoc: Oops! Invalid Data.']
  ]
  for (const [what, target, serviceId, arrange, reason] of cases) {
    arrange()
    const answer = await postShipment(shop, target.id, { carrier: 'shiprocket', items: unitsOf(target), ...(serviceId === undefined ? {} : { serviceId }) })
    t.equal(answer.response.status, 502, what)
    t.equal(answer.response.headers.get('content-type'), PROBLEM_JSON)
    t.same(answer.error, refused(target.id, reason), what)
    t.same(await parcelsOf(target), { status: 'CONFIRMED', shipments: [] }, `${what}: nothing recorded`)
  }
  const later = await postShipment(shop, order.id, { carrier: 'shiprocket', items: unitsOf(order) })
  t.equal(later.response.status, 201, 'once Shiprocket takes it')
  t.equal((await parcelsOf(order)).status, 'SHIPPED')
})

t.test('a parcel Shiprocket gave no AWB is booked, when tried again, on the Shiprocket order already made for it', async (t) => {
  const customer = await createCustomer(shop)
  const order = await confirmedOrder(customer, [{ variantId: tea.variantId, quantity: 1 }])
  const before = standIn.requests.length
  standIn.failNext(1, 422, '/courier/assign/awb')
  t.equal((await postShipment(shop, order.id, { carrier: 'shiprocket', items: unitsOf(order) })).response.status, 502)
  t.equal((await postShipment(shop, order.id, { carrier: 'shiprocket', items: unitsOf(order) })).response.status, 201)
  t.equal(requestsTo('/orders/create/adhoc', before).length, 1, 'one Shiprocket order for one parcel: no orphan left in Shiprocket\'s panel')
  t.equal([...standIn.shipments.values()].filter((shipment) => shipment.order.comment === `Order ${order.number}` && shipment.awb === null).length, 0, 'no Shiprocket order of this order is left without an AWB')
})

t.test('Shiprocket not answering in CARRIER_TIMEOUT_MS, or failing, is a 503 CARRIER_UNAVAILABLE to retry; nothing is recorded', async (t) => {
  const customer = await createCustomer(shop)
  const order = await confirmedOrder(customer, [{ variantId: tea.variantId, quantity: 1 }])
  const unavailable = { ...problem(503, 'CARRIER_UNAVAILABLE', 'shiprocket did not answer in time; nothing was booked. Try again in a moment.', shipmentsPath(order.id)) }
  for (const [what, arrange] of [['hanging', () => { standIn.hangNext(1) }], ['answering 503', () => { standIn.failNext(1, 503) }]] as const) {
    arrange()
    const started = Date.now()
    const answer = await postShipment(shop, order.id, { carrier: 'shiprocket', items: unitsOf(order) })
    t.equal(answer.response.status, 503, what)
    t.equal(answer.response.headers.get('retry-after'), '5')
    t.same(answer.error, unavailable, what)
    t.ok(Date.now() - started < 5000, `${what}: answered within the timeout`)
    t.same(await parcelsOf(order), { status: 'CONFIRMED', shipments: [] }, `${what}: nothing recorded`)
  }
})

t.test('with shiprocket, the tracking details are Shiprocket\'s: staff may not type them', async (t) => {
  const customer = await createCustomer(shop)
  const order = await confirmedOrder(customer, [{ variantId: tea.variantId, quantity: 1 }])
  const before = standIn.requests.length
  for (const [field, value] of [['trackingNumber', 'SR123'], ['service', 'Blue Dart'], ['trackingUrl', 'https://example.in/t/1']] as const) {
    const answer = await postShipment(shop, order.id, { carrier: 'shiprocket', items: unitsOf(order), [field]: value })
    t.same(answer.error, validationProblem(shipmentsPath(order.id), [{ pointer: `/body/${field}`, detail: 'is given by shiprocket when it books the parcel' }]), field)
  }
  t.equal(standIn.requests.length, before, 'Shiprocket was not asked')
  t.same(await parcelsOf(order), { status: 'CONFIRMED', shipments: [] })
})

/** A confirmed order of one tea, shipped with Shiprocket: the order, its parcel, its AWB and when it was booked. */
async function shippedOrder (customer: Customer) {
  const order = await confirmedOrder(customer, [{ variantId: tea.variantId, quantity: 1 }])
  const made = await postShipment(shop, order.id, { carrier: 'shiprocket', items: unitsOf(order) })
  if (made.data?.trackingNumber == null) throw new Error(`shipping failed: ${JSON.stringify(made.error)}`)
  // Scans come after the booking; carriers report them to the second.
  const bookedAt = Math.ceil(Date.parse(made.data.createdAt) / 1000) * 1000
  return { order, parcel: made.data, awb: made.data.trackingNumber, scan: (seconds: number) => new Date(bookedAt + seconds * 1000) }
}

t.test('tracking callbacks: Shiprocket\'s token is required, other slugs and parcels are not ours; scans move the parcel, and its delivery delivers the order once', async (t) => {
  const customer = await createCustomer(shop)
  const { order, parcel, awb, scan } = await shippedOrder(customer)
  const inTransit = standIn.callback(awb, 18, 'IN TRANSIT', scan(1), 'Bengaluru Hub')
  const rejected = problem(401, 'CALLBACK_REJECTED', 'This callback is not authenticated as the carrier\'s.', callbackPath(SLUG))
  const { 'x-api-key': token, ...unsigned } = inTransit.headers
  t.ok(token)
  for (const [what, headers] of [['a wrong token', { ...unsigned, 'x-api-key': 'not-the-shiprocket-token' }], ['no token', unsigned]] as const) {
    const answer = await postCallback(shop.api, SLUG, { ...inTransit, headers })
    t.equal(answer.response.status, 401, what)
    t.same(answer.error, rejected, what)
  }
  for (const slug of ['carrier-updates', 'manual']) {
    t.same((await postCallback(shop.api, slug, inTransit)).error, problem(404, 'NOT_FOUND', 'No carrier takes callbacks here.', callbackPath(slug)), `no carrier at ${slug}`)
  }
  const unreadable = await postCallback(shop.api, SLUG, { ...inTransit, body: { ...inTransit.body, awb: undefined } })
  t.equal(unreadable.response.status, 400, 'the right token with a body that names no AWB: not a question of authentication')
  t.match(unreadable.error, { code: 'VALIDATION_FAILED', errors: [{ pointer: '/body', detail: 'cannot be read as a tracking update: The callback names no AWB' }] })
  t.equal((await staffOrder(shop, order.id)).order.shipments[0]?.status, 'LABEL_CREATED', 'nothing applied so far')
  const stranger = await postCallback(shop.api, SLUG, standIn.callback('SR9999999999999', 18, 'IN TRANSIT', scan(1)))
  t.equal(stranger.response.status, 200)
  t.same(stranger.data, { received: true, applied: false }, 'a parcel that is not ours is acknowledged, so Shiprocket stops sending it')

  t.same((await postCallback(shop.api, SLUG, inTransit)).data, { received: true, applied: true })
  t.equal((await staffOrder(shop, order.id)).order.shipments[0]?.status, 'IN_TRANSIT')
  const delivered = standIn.callback(awb, 7, 'DELIVERED', scan(3), 'Koramangala')
  t.same((await postCallback(shop.api, SLUG, delivered)).data, { received: true, applied: true })
  t.same((await postCallback(shop.api, SLUG, delivered)).data, { received: true, applied: false }, 'a repeat changes nothing')

  const seen = await customerOrder(shop, customer, order.id)
  t.equal(seen.status, 'DELIVERED')
  t.same(seen.statusHistory.at(-1), { from: 'SHIPPED', to: 'DELIVERED', at: seen.statusHistory.at(-1)?.at, by: { role: 'SYSTEM', id: null }, note: null }, 'delivered by the shop, on the carrier\'s word')
  const [shown] = seen.shipments
  t.same([shown?.status, shown?.deliveredAt], ['DELIVERED', scan(3).toISOString()], 'delivered when the courier says it was')
  t.same(stepsOf(shown!), [
    stepsOf(parcel)[0],
    { status: 'IN_TRANSIT', description: 'IN TRANSIT', location: 'Bengaluru Hub', source: 'CARRIER' },
    { status: 'DELIVERED', description: 'DELIVERED', location: 'Koramangala', source: 'CARRIER' }
  ])
  const expected = [`Thank you for your order (order ${order.number})`, `Your order is confirmed (order ${order.number})`, `Your order is on its way (order ${order.number})`, `Your order was delivered (order ${order.number})`]
  t.same(await settledSubjects(shop, customer.email, expected), expected.sort(), 'one delivered email, the repeat sending none')
})

t.test('callbacks arriving out of order: a delivery reported before the scan that came earlier leaves the parcel DELIVERED', async (t) => {
  const customer = await createCustomer(shop)
  const { order, awb, scan } = await shippedOrder(customer)
  t.same((await postCallback(shop.api, SLUG, standIn.callback(awb, 7, 'DELIVERED', scan(60), 'Koramangala'))).data, { received: true, applied: true })
  t.same((await postCallback(shop.api, SLUG, standIn.callback(awb, 17, 'OUT FOR DELIVERY', scan(30), 'Koramangala'))).data, { received: true, applied: true }, 'the late scan is recorded')
  t.same((await postCallback(shop.api, SLUG, standIn.callback(awb, 18, 'IN TRANSIT', scan(90), 'Bengaluru Hub'))).data, { received: true, applied: true }, 'even one dated after the delivery')
  const { order: read } = await staffOrder(shop, order.id)
  t.equal(read.status, 'DELIVERED')
  t.same([read.shipments[0]?.status, read.shipments[0]?.deliveredAt], ['DELIVERED', scan(60).toISOString()], 'delivered stays delivered')
  t.same(read.shipments[0]?.events.map((event) => event.status), ['LABEL_CREATED', 'OUT_FOR_DELIVERY', 'DELIVERED', 'IN_TRANSIT'], 'the history in the order the scans happened')
})
