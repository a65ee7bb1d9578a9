import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { CallbackRejectedError, CallbackUnreadableError, CarrierRefusedError, CarrierUnavailableError, type ShipmentRequest } from '../../modules/shipping/carrier.js'
import { createShiprocketCarrier, type ShiprocketSettings } from '../../modules/shipping/shiprocket-carrier.js'
import { fromIst, paiseOf, shiprocketStatus } from '../../modules/shipping/shiprocket-formats.js'
import { istText, standInSettings, startShiprocketStandIn, type ShiprocketStandIn, type StandInRate } from '../helpers/shiprocket-stand-in.js'

const BENGALURU = '560001'
const COURIERS: StandInRate[] = [
  { courierId: 10, name: 'Delhivery Surface', rate: '103.25', estimatedDays: '4' },
  { courierId: 24, name: 'Xpressbees Surface', rate: 54.5, estimatedDays: 3 },
  { courierId: 51, name: 'Ekart Logistics', rate: 61, estimatedDays: 5, cod: false },
  { courierId: 33, name: 'Blue Dart Air', rate: '140.125', estimatedDays: '' }
]
const HALF_KILO = { destination: { postalCode: BENGALURU, country: 'IN' }, weightGrams: 500, cashOnDelivery: false, declaredValue: 149950 }

async function rejection (promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    if (error instanceof Error) return error
    throw new Error(`rejected with a non-error: ${String(error)}`)
  }
  throw new Error('the promise resolved')
}

function thrown (run: () => unknown): Error {
  try {
    run()
  } catch (error) {
    if (error instanceof Error) return error
  }
  throw new Error('nothing was thrown')
}

async function setUp (t: Test, overrides: Partial<ShiprocketSettings> = {}): Promise<{ standIn: ShiprocketStandIn, carrier: ReturnType<typeof createShiprocketCarrier> }> {
  const standIn = await startShiprocketStandIn(t)
  standIn.setRates(BENGALURU, COURIERS)
  return { standIn, carrier: createShiprocketCarrier(standInSettings(standIn, overrides)) }
}

function shipmentRequest (overrides: Partial<ShipmentRequest> = {}): ShipmentRequest {
  return {
    reference: '0193b1e4-5a1c-7000-8000-00000000a001',
    orderNumber: 'SHOP-1042',
    // 18:45 UTC is a quarter past midnight the next day in India.
    placedAt: new Date('2026-03-01T18:45:00Z'),
    address: { fullName: ' Asha  Rao Kumar ', company: null, line1: '12 Brigade Road', line2: 'Flat 3', city: 'Bengaluru', region: 'Karnataka', postalCode: BENGALURU, country: 'IN', phone: '+91 98123 45670' },
    email: 'asha@example.in',
    items: [{ name: 'Assam tea, 250 g', sku: 'TEA-250', units: 2, unitPrice: 24950 }, { name: 'Mug', sku: 'MUG-1', units: 1, unitPrice: 39900 }],
    cashOnDelivery: false,
    collectAmount: 0,
    weightGrams: 750,
    ...overrides
  }
}

t.test('logs in once for many calls, concurrent calls share one login, and every call carries the token', async (t) => {
  const { standIn, carrier } = await setUp(t)
  const first = await Promise.all(Array.from({ length: 5 }, async () => await carrier.rates(HALF_KILO)))
  for (const quote of first) t.equal(quote.length, 4)
  await carrier.rates(HALF_KILO)
  await carrier.track((await carrier.createShipment(shipmentRequest())).trackingNumber ?? '')
  t.equal(standIn.count('/auth/login'), 1, 'one login for eight calls, five of them at once')
  const [login, ...calls] = standIn.requests
  t.same(login, { method: 'POST', path: '/auth/login', query: {}, body: { email: standIn.email, password: standIn.password }, authorization: null })
  t.equal(calls.length, 9)
  t.match(calls[0]?.authorization, /^Bearer sr\.[0-9a-f]{24}$/)
  t.same(new Set(calls.map((call) => call.authorization)).size, 1, 'the same token on every call')
})

t.test('logs in again after nine days, before the token expires', async (t) => {
  const { standIn, carrier } = await setUp(t)
  await carrier.rates(HALF_KILO)
  const realNow = Date.now
  t.teardown(() => { Date.now = realNow })
  Date.now = () => realNow() + 9 * 24 * 60 * 60 * 1000 - 60_000
  await carrier.rates(HALF_KILO)
  t.equal(standIn.count('/auth/login'), 1, 'still the first token a minute before nine days')
  Date.now = () => realNow() + 9 * 24 * 60 * 60 * 1000 + 60_000
  await carrier.rates(HALF_KILO)
  t.equal(standIn.count('/auth/login'), 2, 'a new token after nine days')
  const [first, second, third] = standIn.requests.filter((request) => request.path !== '/auth/login').map((request) => request.authorization)
  t.equal(first, second)
  t.not(second, third)
  t.match(third, /^Bearer sr\./, 'the renewed token is sent')
})

t.test('a 401 logs in again once, shared by concurrent calls, and retries the request once', async (t) => {
  const { standIn, carrier } = await setUp(t)
  await carrier.rates(HALF_KILO)
  standIn.expireTokens()
  const quotes = await Promise.all([carrier.rates(HALF_KILO), carrier.rates(HALF_KILO), carrier.rates(HALF_KILO)])
  t.same(quotes.map((quote) => quote[0]?.price), [5450, 5450, 5450], 'every call answered after the new login')
  t.equal(standIn.count('/auth/login'), 2, 'three refusals, one new login')
  t.equal(standIn.count('/courier/serviceability/'), 7, 'the first call, three refused, three retried')

  standIn.failNext(2, 401, '/courier/')
  const refused = await rejection(carrier.rates(HALF_KILO))
  t.ok(refused instanceof CarrierRefusedError, 'a second 401 is an answer, not a loop')
  t.match(refused.message, /Refused with 401/)
  t.equal(standIn.count('/auth/login'), 3, 'one more login, not two')
  t.equal(standIn.count('/courier/serviceability/'), 9)
})

t.test('wrong credentials are refused, and the next call tries to log in again', async (t) => {
  const { standIn } = await setUp(t)
  const carrier = createShiprocketCarrier(standInSettings(standIn, { password: 'not it' }))
  const error = await rejection(carrier.rates(HALF_KILO))
  t.ok(error instanceof CarrierRefusedError)
  t.equal(error.message, 'Shiprocket refused POST /auth/login: Invalid email and password combination')
  t.same((error as CarrierRefusedError).detail, { message: 'Invalid email and password combination', status_code: 400 })
  await rejection(carrier.rates(HALF_KILO))
  t.equal(standIn.count('/auth/login'), 2, 'a failed login is not cached')
  t.equal(standIn.count('/courier/serviceability/'), 0)
})

t.test('rates: the query Shiprocket documents, paise exact, cheapest first', async (t) => {
  const { standIn, carrier } = await setUp(t)
  const prepaid = await carrier.rates(HALF_KILO)
  t.same(prepaid, [
    { serviceId: '24', service: 'Xpressbees Surface', price: 5450, currency: 'INR', estimatedDays: 3 },
    { serviceId: '51', service: 'Ekart Logistics', price: 6100, currency: 'INR', estimatedDays: 5 },
    { serviceId: '10', service: 'Delhivery Surface', price: 10325, currency: 'INR', estimatedDays: 4 },
    { serviceId: '33', service: 'Blue Dart Air', price: 14013, currency: 'INR', estimatedDays: null }
  ], '54.5 → 5450, 61 → 6100, "103.25" → 10325, "140.125" rounds half up to 14013; no days given is null')
  t.same(standIn.requests.at(-1)?.query, { pickup_postcode: '110001', delivery_postcode: BENGALURU, weight: '0.5', cod: '0', declared_value: '1499.5' })

  const cod = await carrier.rates({ ...HALF_KILO, cashOnDelivery: true, weightGrams: 1250, declaredValue: 99 })
  t.same(cod.map((rate) => rate.serviceId), ['24', '10', '33'], 'a courier without COD is not offered for COD')
  t.same(standIn.requests.at(-1)?.query, { pickup_postcode: '110001', delivery_postcode: BENGALURU, weight: '1.25', cod: '1', declared_value: '0.99' })
})

t.test('rates: none for an unserviceable pincode or outside India; a malformed pincode is refused', async (t) => {
  const { standIn, carrier } = await setUp(t)
  t.same(await carrier.rates({ ...HALF_KILO, destination: { postalCode: '799001', country: 'IN' } }), [], 'Shiprocket\'s 404 "no courier" is no rates')
  t.equal(standIn.count('/courier/serviceability/'), 1)
  t.same(await carrier.rates({ ...HALF_KILO, destination: { postalCode: '10115', country: 'DE' } }), [])
  t.equal(standIn.requests.length, 2, 'outside India nothing is asked (the login and the one call before)')

  const malformed = await rejection(carrier.rates({ ...HALF_KILO, destination: { postalCode: '5600', country: 'IN' } }))
  t.ok(malformed instanceof CarrierRefusedError)
  t.match(malformed.message, /Oops! Invalid Data/)
  t.match((malformed as CarrierRefusedError).detail, { errors: { delivery_postcode: ['The delivery postcode must be 6 digits.'] } })

  const rupeesOnly = createShiprocketCarrier(standInSettings(standIn, { currency: 'EUR' }))
  const currency = await rejection(rupeesOnly.rates(HALF_KILO))
  t.ok(currency instanceof CarrierRefusedError)
  t.equal(currency.message, 'Shiprocket quotes in INR; the shop\'s currency is EUR')
})

t.test('rates honour the caller\'s signal', async (t) => {
  const { standIn, carrier } = await setUp(t, { timeoutMs: 5000 })
  const early = new AbortController()
  early.abort()
  const before = await rejection(carrier.rates(HALF_KILO, early.signal))
  t.equal(before.name, 'AbortError', 'an aborted signal is the caller\'s reason, not a carrier error')
  t.equal(standIn.requests.length, 0, 'nothing is sent')

  await carrier.rates(HALF_KILO)
  standIn.hangNext(1)
  const controller = new AbortController()
  const started = Date.now()
  setTimeout(() => { controller.abort() }, 100)
  const aborted = await rejection(carrier.rates(HALF_KILO, controller.signal))
  t.equal(aborted.name, 'AbortError')
  t.ok(Date.now() - started < 2000, 'the call stops when the caller aborts, not at the 5 s timeout')

  const fresh = createShiprocketCarrier(standInSettings(standIn, { timeoutMs: 300 }))
  standIn.hangNext(1)
  const waiting = new AbortController()
  setTimeout(() => { waiting.abort() }, 50)
  const duringLogin = await rejection(fresh.rates(HALF_KILO, waiting.signal))
  t.equal(duringLogin.name, 'AbortError', 'an abort while the login is in flight stops the wait')
  await new Promise((resolve) => setTimeout(resolve, 400))
  t.equal((await fresh.rates(HALF_KILO)).length, 4, 'the abandoned login timed out quietly; the next call logs in')
})

t.test('a timeout, a slow answer, 5xx, 429 and a refused connection are CarrierUnavailableError', async (t) => {
  const { standIn, carrier } = await setUp(t, { timeoutMs: 250 })
  await carrier.rates(HALF_KILO)

  standIn.hangNext(1)
  let started = Date.now()
  const hung = await rejection(carrier.rates(HALF_KILO))
  t.ok(hung instanceof CarrierUnavailableError)
  t.equal(hung.message, 'Shiprocket did not answer GET /courier/serviceability/: no answer within 250 ms')
  t.ok(Date.now() - started < 1500, 'given up at the timeout')

  standIn.delayNext(600)
  started = Date.now()
  const slow = await rejection(carrier.createShipment(shipmentRequest()))
  t.ok(slow instanceof CarrierUnavailableError, 'createShipment has the timeout too')
  t.ok(Date.now() - started < 1500)

  standIn.hangNext(1)
  t.ok(await rejection(carrier.track('SR0000000000001')) instanceof CarrierUnavailableError, 'so has track')

  standIn.failNext(1, 503)
  const unavailable = await rejection(carrier.rates(HALF_KILO))
  t.ok(unavailable instanceof CarrierUnavailableError)
  t.equal(unavailable.message, 'Shiprocket answered GET /courier/serviceability/ with 503: Service Unavailable')
  standIn.failNext(1, 429)
  t.ok(await rejection(carrier.rates(HALF_KILO)) instanceof CarrierUnavailableError, 'the rate limit is "later", not "no"')
  t.equal((await carrier.rates(HALF_KILO)).length, 4, 'and later it answers')

  const closed = createServer()
  await new Promise<void>((resolve) => { closed.listen(0, '127.0.0.1', resolve) })
  const { port } = closed.address() as AddressInfo
  await new Promise<void>((resolve) => { closed.close(() => { resolve() }) })
  const nobody = createShiprocketCarrier(standInSettings(standIn, { apiUrl: `http://127.0.0.1:${port}/v1/external` }))
  const refused = await rejection(nobody.rates(HALF_KILO))
  t.ok(refused instanceof CarrierUnavailableError)
  t.match(refused.message, /^Shiprocket did not answer POST \/auth\/login: .*ECONNREFUSED/)
})

t.test('createShipment posts the adhoc order as Shiprocket reads it, then assigns the AWB', async (t) => {
  const { standIn, carrier } = await setUp(t)
  const created = await carrier.createShipment(shipmentRequest())
  const [shipment] = [...standIn.shipments.values()]
  t.ok(shipment)
  t.same(created, {
    externalId: String(shipment?.shipmentId),
    trackingNumber: shipment?.awb,
    trackingUrl: `https://shiprocket.co/tracking/${shipment?.awb ?? ''}`,
    service: 'Xpressbees Surface'
  }, 'unset serviceId: Shiprocket picks (the stand-in picks the cheapest)')
  t.same(standIn.requests.find((request) => request.path === '/orders/create/adhoc')?.body, {
    order_id: '0193b1e4-5a1c-7000-8000-00000000a001',
    order_date: '2026-03-02 00:15',
    pickup_location: 'Primary',
    comment: 'Order SHOP-1042',
    billing_customer_name: 'Asha',
    billing_last_name: 'Rao Kumar',
    billing_address: '12 Brigade Road',
    billing_address_2: 'Flat 3',
    billing_city: 'Bengaluru',
    billing_pincode: BENGALURU,
    billing_state: 'Karnataka',
    billing_country: 'India',
    billing_email: 'asha@example.in',
    billing_phone: '9812345670',
    shipping_is_billing: true,
    order_items: [
      { name: 'Assam tea, 250 g', sku: 'TEA-250', units: 2, selling_price: 249.5 },
      { name: 'Mug', sku: 'MUG-1', units: 1, selling_price: 399 }
    ],
    payment_method: 'Prepaid',
    sub_total: 898,
    length: 10,
    breadth: 10,
    height: 10,
    weight: 0.75
  }, 'IST order date, the name split, rupees, kilograms, the phone without +91')
  t.same(standIn.requests.find((request) => request.path === '/courier/assign/awb')?.body, { shipment_id: shipment?.shipmentId })
  t.same([shipment?.courierId, shipment?.courierName], [24, 'Xpressbees Surface'])
})

t.test('createShipment: cash on delivery with a chosen courier', async (t) => {
  const { standIn, carrier } = await setUp(t)
  const created = await carrier.createShipment(shipmentRequest({
    reference: 'cod-1',
    cashOnDelivery: true,
    collectAmount: 94_800,
    serviceId: '10',
    address: { fullName: 'Ravi', company: 'Chai Point Pvt Ltd', line1: '4 MG Road', line2: null, city: 'Bengaluru', region: 'Karnataka', postalCode: BENGALURU, country: 'IN', phone: '09812345670' }
  }))
  t.equal(created.service, 'Delhivery Surface')
  const order = standIn.requests.find((request) => request.path === '/orders/create/adhoc')?.body
  t.match(order, {
    billing_customer_name: 'Ravi',
    billing_last_name: '',
    billing_address: 'Chai Point Pvt Ltd, 4 MG Road',
    billing_address_2: '',
    billing_phone: '9812345670',
    payment_method: 'COD',
    sub_total: 948
  }, 'COD collects collectAmount (items plus shipping), not the items alone')
  t.same(standIn.requests.find((request) => request.path === '/courier/assign/awb')?.body, { shipment_id: Number(created.externalId), courier_id: 10 })
})

t.test('createShipment: awb_assign_status 0 is refused, and a retry assigns without creating the order again', async (t) => {
  const { standIn, carrier } = await setUp(t)
  const request = shipmentRequest({ reference: 'cod-2', cashOnDelivery: true, collectAmount: 89_800, serviceId: '51' })
  const refused = await rejection(carrier.createShipment(request))
  t.ok(refused instanceof CarrierRefusedError)
  t.equal(refused.message, 'Shiprocket assigned no AWB: Selected courier is not serviceable for this shipment.')
  t.same((refused as CarrierRefusedError).detail, { awb_assign_status: 0, response: { data: { awb_assign_error: 'Selected courier is not serviceable for this shipment.' } } })

  const created = await carrier.createShipment({ ...request, serviceId: '24' })
  t.equal(created.service, 'Xpressbees Surface')
  t.equal(standIn.count('/orders/create/adhoc'), 1, 'Shiprocket refuses a reused order_id: the order is made once')
  t.equal(standIn.count('/courier/assign/awb'), 2)

  const badPincode = await rejection(carrier.createShipment(shipmentRequest({ reference: 'bad-pin', address: { ...shipmentRequest().address, postalCode: '56000' } })))
  t.ok(badPincode instanceof CarrierRefusedError)
  t.match((badPincode as CarrierRefusedError).detail, { errors: { billing_pincode: ['The billing pincode must be 6 digits.'] } })
  const abroad = await rejection(carrier.createShipment(shipmentRequest({ reference: 'abroad', address: { ...shipmentRequest().address, country: 'DE' } })))
  t.ok(abroad instanceof CarrierRefusedError)
  t.equal(standIn.count('/orders/create/adhoc'), 2, 'a German address is refused before asking')
})

t.test('track: the activities oldest first, in IST converted to UTC, with mapped statuses', async (t) => {
  const { standIn, carrier } = await setUp(t)
  const trackingNumber = (await carrier.createShipment(shipmentRequest())).trackingNumber ?? ''
  t.ok(trackingNumber.length > 0, 'an AWB is assigned')
  t.same(await carrier.track(trackingNumber), [], 'an AWB without scans yet has none')
  const day = (iso: string): Date => new Date(iso)
  // Added out of order; the stand-in lists them newest first, as Shiprocket does.
  standIn.addActivity(trackingNumber, { at: day('2026-03-03T04:10:00Z'), statusId: 17, label: 'OUT FOR DELIVERY', activity: 'Out for delivery', location: 'Bengaluru_Koramangala' })
  standIn.addActivity(trackingNumber, { at: day('2026-03-02T06:00:00Z'), statusId: 42, label: 'PICKED UP', activity: 'Shipment picked up', location: 'Delhi_Okhla' })
  standIn.addActivity(trackingNumber, { at: day('2026-03-02T21:30:00Z'), statusId: 38, label: 'REACHED AT DESTINATION HUB', activity: 'Reached destination hub', location: 'Bengaluru_Hub' })
  standIn.addActivity(trackingNumber, { at: day('2026-03-02T09:15:00Z'), statusId: 18, label: 'IN TRANSIT', activity: 'Bag added to trip', location: 'Delhi_Hub' })
  standIn.addActivity(trackingNumber, { at: day('2026-03-03T09:41:07Z'), statusId: 7, label: 'DELIVERED', activity: 'Delivered to consignee', location: '' })
  standIn.addActivity(trackingNumber, { at: day('2026-03-02T15:00:00Z'), statusId: 99, label: 'RTO INITIATED', activity: 'Rerouted' })
  const answer = standIn.requests.length
  const updates = await carrier.track(trackingNumber)
  t.equal(standIn.requests[answer]?.path, `/courier/track/awb/${trackingNumber}`)
  t.same(updates, [
    { trackingNumber, status: 'IN_TRANSIT', description: 'Shipment picked up', location: 'Delhi_Okhla', occurredAt: day('2026-03-02T06:00:00Z') },
    { trackingNumber, status: 'IN_TRANSIT', description: 'Bag added to trip', location: 'Delhi_Hub', occurredAt: day('2026-03-02T09:15:00Z') },
    { trackingNumber, status: 'EXCEPTION', description: 'Rerouted', location: null, occurredAt: day('2026-03-02T15:00:00Z') },
    { trackingNumber, status: 'IN_TRANSIT', description: 'Reached destination hub', location: 'Bengaluru_Hub', occurredAt: day('2026-03-02T21:30:00Z') },
    { trackingNumber, status: 'OUT_FOR_DELIVERY', description: 'Out for delivery', location: 'Bengaluru_Koramangala', occurredAt: day('2026-03-03T04:10:00Z') },
    { trackingNumber, status: 'DELIVERED', description: 'Delivered to consignee', location: null, occurredAt: day('2026-03-03T09:41:07Z') }
  ], 'an unknown id (99) falls back on its label')

  const unknown = await rejection(carrier.track('SR9999999999999'))
  t.ok(unknown instanceof CarrierRefusedError)
  t.equal(unknown.message, 'Shiprocket refused GET /courier/track/awb/SR9999999999999: AWB not found.')
})

t.test('parseCallback accepts the webhook token and reads the status from the shipment table', async (t) => {
  const { standIn, carrier } = await setUp(t)
  const trackingNumber = (await carrier.createShipment(shipmentRequest())).trackingNumber ?? ''
  standIn.addActivity(trackingNumber, { at: new Date('2026-03-02T06:00:00Z'), statusId: 42, label: 'PICKED UP', location: 'Delhi_Okhla' })
  const inTransit = standIn.callback(trackingNumber, 18, 'IN TRANSIT', new Date('2026-03-02T09:15:42Z'), 'Delhi_Hub')
  t.equal(inTransit.body.current_status_id, 20, 'Shiprocket sends the order table\'s id too, where 20 is IN TRANSIT...')
  t.same(carrier.parseCallback(inTransit.headers, inTransit.body), {
    trackingNumber,
    status: 'IN_TRANSIT',
    description: 'IN TRANSIT',
    location: 'Delhi_Hub',
    occurredAt: new Date('2026-03-02T09:15:42Z')
  }, '...and 20 in the shipment table would be PICKUP EXCEPTION')

  // 20:15:30 UTC is 01:45:30 the next day in India.
  const delivered = standIn.callback(trackingNumber, 7, 'DELIVERED', new Date('2026-03-04T20:15:30Z'), 'Bengaluru_Koramangala')
  t.equal(delivered.body.current_timestamp, '05 03 2026 01:45:30')
  const update = carrier.parseCallback({ 'X-Api-Key': standIn.webhookToken }, JSON.stringify(delivered.body))
  t.same(update, { trackingNumber, status: 'DELIVERED', description: 'DELIVERED', location: 'Bengaluru_Koramangala', occurredAt: new Date('2026-03-04T20:15:30Z') },
    'header names in any case, a raw JSON body, DD MM YYYY in IST')
  const otherFormat = carrier.parseCallback(delivered.headers, { ...delivered.body, current_timestamp: '2026-03-05 01:45:30' })
  t.same(otherFormat.occurredAt, new Date('2026-03-04T20:15:30Z'), 'YYYY-MM-DD HH:mm:ss is IST too')
  const fromScans = carrier.parseCallback(delivered.headers, { ...delivered.body, current_timestamp: undefined })
  t.same(fromScans.occurredAt, new Date('2026-03-04T20:15:30Z'), 'without current_timestamp, the newest scan dates it')
  const byText = carrier.parseCallback(delivered.headers, { awb: 14326480716236, current_status: 'OUT FOR DELIVERY', current_timestamp: '05 03 2026 08:00:00' })
  t.match(byText, { trackingNumber: '14326480716236', status: 'OUT_FOR_DELIVERY', location: null }, 'a numeric AWB, no ids: the text decides')
})

t.test('parseCallback rejects a missing or wrong token, and tells bodies it cannot read apart', async (t) => {
  const { standIn, carrier } = await setUp(t)
  const { headers, body } = standIn.callback('SR0000000000042', 21, 'UNDELIVERED', new Date('2026-03-04T10:00:00Z'))
  t.equal(carrier.parseCallback(headers, body).status, 'EXCEPTION')
  const rejected = (headerSet: Record<string, string | string[] | undefined>, payload: unknown): string => {
    const error = thrown(() => carrier.parseCallback(headerSet, payload))
    t.ok(error instanceof CallbackRejectedError, error.message)
    return error.message
  }
  // With the right token, a body that cannot be read is another failure: the carrier is authenticated.
  const unreadable = (headerSet: Record<string, string | string[] | undefined>, payload: unknown): string => {
    const error = thrown(() => carrier.parseCallback(headerSet, payload))
    t.ok(error instanceof CallbackUnreadableError, error.message)
    return error.message
  }
  t.equal(rejected({ 'content-type': 'application/json' }, body), 'The callback does not carry the webhook token')
  rejected({ 'x-api-key': undefined }, body)
  rejected({ 'x-api-key': `${standIn.webhookToken}x` }, body)
  rejected({ 'x-api-key': standIn.webhookToken.toUpperCase() }, body)
  rejected({ 'x-api-key': [standIn.webhookToken, standIn.webhookToken] }, body)
  rejected({ authorization: `Bearer ${standIn.webhookToken}` }, body)
  t.equal(unreadable(headers, { ...body, awb: undefined }), 'The callback names no AWB')
  unreadable(headers, { ...body, awb: '  ' })
  t.equal(unreadable(headers, { awb: 'SR1', current_timestamp: '04 03 2026 15:30:00' }), 'The callback carries no status')
  t.equal(unreadable(headers, { awb: 'SR1', shipment_status_id: 18, current_timestamp: '31 02 2026 15:30:00' }), 'The callback carries no readable timestamp')
  t.equal(unreadable(headers, '{"awb":'), 'The callback body is not JSON')
  unreadable(headers, [body])

  const tokenless = createShiprocketCarrier(standInSettings(standIn, { webhookToken: '' }))
  const error = thrown(() => tokenless.parseCallback({ 'x-api-key': '' }, body))
  t.ok(error instanceof CallbackRejectedError, 'without a configured token nobody is accepted')
})

t.test('the status table and its fallback on text', async (t) => {
  const expected = {
    IN_TRANSIT: [6, 42, 18, 38, 48],
    OUT_FOR_DELIVERY: [17],
    DELIVERED: [7],
    LABEL_CREATED: [1, 19, 27, 52],
    EXCEPTION: [8, 9, 10, 12, 13, 20, 21, 22, 24, 25, 45, 46]
  }
  for (const [status, ids] of Object.entries(expected)) {
    for (const id of ids) t.equal(shiprocketStatus(id), status, `${id} is ${status}`)
  }
  t.equal(shiprocketStatus('17', 'anything'), 'OUT_FOR_DELIVERY', 'an id as text, and the id wins over the text')
  t.equal(shiprocketStatus(999, 'RTO DELIVERED'), 'EXCEPTION', 'delivered back to us is not delivered')
  t.equal(shiprocketStatus(999, 'Delivered'), 'DELIVERED')
  t.equal(shiprocketStatus('NA', 'NA', 'Out For Delivery'), 'OUT_FOR_DELIVERY')
  t.equal(shiprocketStatus(999, 'IN_TRANSIT-AT-DESTINATION-HUB'), 'IN_TRANSIT')
  t.equal(shiprocketStatus(999, 'PICKUP SCHEDULED'), 'LABEL_CREATED')
  t.equal(shiprocketStatus(999, 'PARTIAL_DELIVERED'), 'EXCEPTION')
  t.equal(shiprocketStatus(999, 'SOMETHING NEW HAPPENED'), 'IN_TRANSIT')
  t.equal(shiprocketStatus(999), 'IN_TRANSIT', 'an unknown id without text')
  t.equal(shiprocketStatus(undefined, '', null), null, 'nothing to go by')
})

t.test('amounts and dates are read exactly', async (t) => {
  t.same([paiseOf(54.5), paiseOf('103.25'), paiseOf(61), paiseOf('0.3'), paiseOf(0.1 + 0.2), paiseOf('99.995'), paiseOf(' 12.00 ')], [5450, 10325, 6100, 30, 30, 10000, 1200])
  t.same([paiseOf('-5'), paiseOf('1e3'), paiseOf(''), paiseOf(null), paiseOf(Number.NaN), paiseOf('12,50')], [null, null, null, null, null, null])
  t.same(fromIst('2026-01-01 00:10:00'), new Date('2025-12-31T18:40:00Z'), 'back over the new year')
  t.same(fromIst('2026-03-02 00:15'), new Date('2026-03-01T18:45:00Z'), 'minutes only')
  t.same(fromIst('29 02 2028 23:59:59'), new Date('2028-02-29T18:29:59Z'))
  t.same([fromIst('29 02 2027 10:00:00'), fromIst('2026-13-01 10:00:00'), fromIst('2026-03-02T00:15:00+05:30'), fromIst(1_700_000_000)], [null, null, null, null])
  t.equal(istText(new Date('2025-12-31T18:40:00Z')), '2026-01-01 00:10:00', 'the stand-in writes what the carrier reads')
})
