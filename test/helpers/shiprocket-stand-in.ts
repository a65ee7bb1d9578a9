import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'
import type { ShiprocketSettings } from '../../modules/shipping/shiprocket-carrier.js'

/** A courier quote the stand-in gives for a pincode; `rate` in rupees, written as Shiprocket writes it. */
export interface StandInRate {
  courierId: number
  name: string
  rate: number | string
  estimatedDays?: number | string
  /** Whether the courier collects cash on delivery; true unless told. */
  cod?: boolean
}

export interface StandInActivity {
  at: Date
  /** Shiprocket's shipment status id (`sr-status`). */
  statusId: number
  /** `sr-status-label`, and the activity text unless `activity` says otherwise. */
  label: string
  activity?: string
  location?: string
}

export interface RecordedRequest {
  method: string
  /** Below the API root: `/auth/login`, `/courier/serviceability/`. */
  path: string
  query: Record<string, string>
  /** The JSON body, parsed; null when there was none. */
  body: any
  authorization: string | null
}

export interface StandInShipment {
  orderId: number
  shipmentId: number
  /** The adhoc order as it was posted. */
  order: Record<string, any>
  awb: string | null
  courierId: number | null
  courierName: string | null
}

export interface ShiprocketCallback {
  headers: Record<string, string>
  body: Record<string, any>
}

export interface ShiprocketStandIn {
  /** The API root, for ShiprocketSettings.apiUrl. */
  url: string
  email: string
  password: string
  webhookToken: string
  pickupLocation: string
  /** Every request, in arrival order, answered or not. */
  requests: RecordedRequest[]
  /** The shipments created, by Shiprocket's shipment_id (CreatedShipment.externalId). */
  shipments: Map<string, StandInShipment>
  /** Requests so far whose path is `path`. */
  count: (path: string) => number
  setRates: (postcode: string, rates: StandInRate[]) => void
  addActivity: (awb: string, activity: StandInActivity) => void
  /** Every token issued so far answers 401 from now on. */
  expireTokens: () => void
  /** The next request is answered only after `ms`. */
  delayNext: (ms: number) => void
  /** The next `count` requests are never answered. */
  hangNext: (count: number) => void
  /** The next `count` requests (under `pathPrefix` when given) answer `status`. */
  failNext: (count: number, status: number, pathPrefix?: string) => void
  /** A tracking webhook as Shiprocket POSTs it for a new scan on `awb` (the scan is added to its activities). */
  callback: (awb: string, statusId: number, statusText: string, at: Date, location?: string) => ShiprocketCallback
}

export interface StandInOptions {
  email?: string
  password?: string
  webhookToken?: string
  pickupLocation?: string
}

const API_ROOT = '/v1/external'
const IST_OFFSET_MS = (5 * 60 + 30) * 60 * 1000
// Shiprocket's order table, which `current_status_id` uses, for the shipment ids it is known to differ on.
const ORDER_STATUS_IDS = new Map([[9, 15], [17, 19], [18, 20], [21, 36], [42, 51]])

/** IST wall-clock time, `YYYY-MM-DD HH:mm:ss`, as Shiprocket writes scan dates. */
export function istText (at: Date): string {
  return new Date(at.getTime() + IST_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ')
}

/** `DD MM YYYY HH:mm:ss` in IST, as Shiprocket writes a callback's current_timestamp. */
export function istCallbackText (at: Date): string {
  const [date = '', time = ''] = istText(at).split(' ')
  const [year, month, day] = date.split('-')
  return `${day} ${month} ${year} ${time}`
}

function invalid (errors: Record<string, string>): [number, unknown] {
  const fields = Object.fromEntries(Object.entries(errors).map(([field, message]) => [field, [message]]))
  return [422, { message: 'Oops! Invalid Data.', errors: fields, status_code: 422 }]
}

/**
 * A Shiprocket on loopback that answers the calls our carrier makes (login, serviceability, adhoc order, AWB
 * assignment, tracking) with the shapes Shiprocket documents; closed on teardown.
 */
export async function startShiprocketStandIn (t: Test, options: StandInOptions = {}): Promise<ShiprocketStandIn> {
  const email = options.email ?? 'ops@shop.test'
  const password = options.password ?? 'correct horse battery'
  const webhookToken = options.webhookToken ?? 'shiprocket-callback-token'
  const pickupLocation = options.pickupLocation ?? 'Primary'
  const requests: RecordedRequest[] = []
  const shipments = new Map<string, StandInShipment>()
  const rates = new Map<string, StandInRate[]>()
  const activities = new Map<string, StandInActivity[]>()
  const orderIds = new Set<string>()
  const tokens = new Set<string>()
  const timers = new Set<NodeJS.Timeout>()
  let delay = 0
  let hangs = 0
  const failures: Array<{ status: number, pathPrefix: string }> = []
  let sequence = 0

  const couriersFor = (postcode: string, cod: boolean): StandInRate[] =>
    (rates.get(postcode) ?? []).filter((rate) => !cod || rate.cod !== false)

  const serviceability = (query: Record<string, string>): [number, unknown] => {
    const errors: Record<string, string> = {}
    if (!/^\d{6}$/.test(query.pickup_postcode ?? '')) errors.pickup_postcode = 'The pickup postcode must be 6 digits.'
    if (!/^\d{6}$/.test(query.delivery_postcode ?? '')) errors.delivery_postcode = 'The delivery postcode must be 6 digits.'
    if (!(Number(query.weight) > 0)) errors.weight = 'The weight field is required.'
    if (query.cod !== '0' && query.cod !== '1') errors.cod = 'The cod field is required when order id is not present.'
    if (Object.keys(errors).length > 0) return invalid(errors)
    const couriers = couriersFor(query.delivery_postcode ?? '', query.cod === '1')
    if (couriers.length === 0) return [404, { status: 404, message: 'No courier serviceable for the entered pincode' }]
    return [200, {
      status: 200,
      currency: 'INR',
      data: {
        available_courier_companies: couriers.map((courier) => ({
          courier_company_id: courier.courierId,
          courier_name: courier.name,
          rate: courier.rate,
          freight_charge: courier.rate,
          cod_charges: 0,
          cod: courier.cod === false ? 0 : 1,
          estimated_delivery_days: courier.estimatedDays ?? '',
          etd: '',
          rating: 4,
          zone: 'z_b',
          min_weight: 0.5
        })),
        recommended_courier_company_id: couriers[0]?.courierId,
        shiprocket_recommended_courier_id: couriers[0]?.courierId
      }
    }]
  }

  const createOrder = (order: Record<string, any>): [number, unknown] => {
    const required = ['order_id', 'order_date', 'pickup_location', 'billing_customer_name', 'billing_address', 'billing_city', 'billing_pincode',
      'billing_state', 'billing_country', 'billing_email', 'billing_phone', 'payment_method', 'sub_total', 'length', 'breadth', 'height', 'weight']
    const errors: Record<string, string> = {}
    for (const field of required) if (order[field] === undefined || order[field] === null || order[field] === '') errors[field] = `The ${field.replaceAll('_', ' ')} field is required.`
    if (!Array.isArray(order.order_items) || order.order_items.length === 0) errors.order_items = 'The order items field is required.'
    if (order.billing_pincode !== undefined && !/^\d{6}$/.test(String(order.billing_pincode))) errors.billing_pincode = 'The billing pincode must be 6 digits.'
    if (order.billing_phone !== undefined && order.billing_phone !== '' && !/^\d{10}$/.test(String(order.billing_phone))) errors.billing_phone = 'The billing phone must be 10 digits.'
    if (order.payment_method !== undefined && !['COD', 'Prepaid'].includes(order.payment_method)) errors.payment_method = 'The selected payment method is invalid.'
    if (Object.keys(errors).length > 0) return invalid(errors)
    if (order.pickup_location !== pickupLocation) return [422, { message: 'Wrong Pickup location entered. Please enter existing location.', status_code: 422 }]
    if (orderIds.has(String(order.order_id))) return [422, { message: 'Order Id already exists.', status_code: 422 }]
    orderIds.add(String(order.order_id))
    const orderId = 400_000_000 + ++sequence
    const shipmentId = 700_000_000 + sequence
    shipments.set(String(shipmentId), { orderId, shipmentId, order, awb: null, courierId: null, courierName: null })
    return [200, { order_id: orderId, shipment_id: shipmentId, status: 'NEW', status_code: 1, onboarding_completed_now: 0, awb_code: '', courier_company_id: '', courier_name: '' }]
  }

  const assignAwb = (body: Record<string, any>): [number, unknown] => {
    const shipment = shipments.get(String(body.shipment_id))
    if (shipment === undefined) return [400, { message: 'Invalid shipment id.', status_code: 400 }]
    const refused = (message: string): [number, unknown] => [200, { awb_assign_status: 0, response: { data: { awb_assign_error: message } } }]
    if (shipment.awb !== null) return refused('AWB is already assigned to this shipment.')
    const couriers = couriersFor(String(shipment.order.billing_pincode), shipment.order.payment_method === 'COD')
      .toSorted((a, b) => Number(a.rate) - Number(b.rate))
    const courier = body.courier_id === undefined ? couriers[0] : couriers.find((candidate) => candidate.courierId === body.courier_id)
    if (courier === undefined) return refused(body.courier_id === undefined ? 'No courier serviceable for this shipment.' : 'Selected courier is not serviceable for this shipment.')
    shipment.awb = `SR${String(190_000_000_000 + sequence * 7919).padStart(13, '0')}`
    shipment.courierId = courier.courierId
    shipment.courierName = courier.name
    activities.set(shipment.awb, [])
    return [200, {
      awb_assign_status: 1,
      response: {
        data: {
          courier_company_id: courier.courierId,
          awb_code: shipment.awb,
          cod: shipment.order.payment_method === 'COD' ? 1 : 0,
          order_id: shipment.orderId,
          shipment_id: shipment.shipmentId,
          awb_code_status: 1,
          assigned_date_time: { date: `${istText(new Date())}.000000`, timezone_type: 3, timezone: 'Asia/Kolkata' },
          applied_weight: shipment.order.weight,
          courier_name: courier.name,
          child_courier_name: null,
          routing_code: 'DEL/ABC',
          invoice_no: `Retail${shipment.orderId}`
        }
      }
    }]
  }

  const courierCode = (statusId: number): string => `X-${statusId}`

  const trackAwb = (awb: string): [number, unknown] => {
    const scans = activities.get(awb)
    if (scans === undefined) return [404, { message: 'AWB not found.', status_code: 404 }]
    const shipment = [...shipments.values()].find((candidate) => candidate.awb === awb)
    const newestFirst = scans.toSorted((a, b) => b.at.getTime() - a.at.getTime())
    const latest = newestFirst[0]
    const tracked = [{ awb_code: awb, courier_company_id: shipment?.courierId ?? 0, shipment_id: shipment?.shipmentId ?? 0, current_status: latest?.label ?? 'AWB Assigned' }]
    if (latest === undefined) {
      return [200, { tracking_data: { track_status: 0, shipment_status: 0, shipment_track: tracked, shipment_track_activities: null, error: 'Aahh! There is no activities found in our DB. Please have some patience it will be updated soon.' } }]
    }
    return [200, {
      tracking_data: {
        track_status: 1,
        shipment_status: latest.statusId,
        shipment_track: tracked,
        shipment_track_activities: newestFirst.map((scan) => ({
          date: istText(scan.at),
          status: courierCode(scan.statusId),
          activity: scan.activity ?? scan.label,
          location: scan.location ?? '',
          'sr-status': String(scan.statusId),
          'sr-status-label': scan.label
        })),
        track_url: `https://shiprocket.co/tracking/${awb}`,
        etd: ''
      }
    }]
  }

  const route = (request: RecordedRequest): [number, unknown] => {
    if (request.method === 'POST' && request.path === '/auth/login') {
      if (typeof request.body?.email !== 'string' || typeof request.body?.password !== 'string') return invalid({ email: 'The email field is required.' })
      if (request.body.email !== email || request.body.password !== password) return [400, { message: 'Invalid email and password combination', status_code: 400 }]
      const token = `sr.${randomBytes(12).toString('hex')}`
      tokens.add(token)
      return [200, { id: 1, first_name: 'API', last_name: 'User', email, company_id: 1, created_at: istText(new Date()), token }]
    }
    const token = /^Bearer (.+)$/.exec(request.authorization ?? '')?.[1]
    if (token === undefined) return [401, { message: 'Unauthenticated.', status_code: 401 }]
    if (!tokens.has(token)) return [401, { message: 'Token has expired', status_code: 401 }]
    if (request.method === 'GET' && /^\/courier\/serviceability\/?$/.test(request.path)) return serviceability(request.query)
    if (request.method === 'POST' && request.path === '/orders/create/adhoc') return createOrder(request.body ?? {})
    if (request.method === 'POST' && request.path === '/courier/assign/awb') return assignAwb(request.body ?? {})
    const tracking = /^\/courier\/track\/awb\/([^/]+)$/.exec(request.path)
    if (request.method === 'GET' && tracking !== null) return trackAwb(decodeURIComponent(tracking[1] ?? ''))
    return [404, { message: 'Not Found', status_code: 404 }]
  }

  const answer = (response: ServerResponse, [status, body]: [number, unknown]): void => {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  }

  const handle = (incoming: IncomingMessage, response: ServerResponse, raw: string): void => {
    const url = new URL(incoming.url ?? '/', 'http://stand-in')
    let body: unknown = null
    if (raw !== '') {
      try {
        body = JSON.parse(raw)
      } catch {
        body = raw
      }
    }
    const request: RecordedRequest = {
      method: incoming.method ?? 'GET',
      path: url.pathname.startsWith(API_ROOT) ? url.pathname.slice(API_ROOT.length) : url.pathname,
      query: Object.fromEntries(url.searchParams),
      body,
      authorization: incoming.headers.authorization ?? null
    }
    requests.push(request)
    if (hangs > 0) {
      hangs--
      return
    }
    const failure = failures.findIndex((entry) => request.path.startsWith(entry.pathPrefix))
    const reply = (): void => {
      if (failure !== -1) {
        const status = failures.splice(failure, 1)[0]?.status ?? 500
        answer(response, [status, { message: status >= 500 ? 'Service Unavailable' : `Refused with ${status}`, status_code: status }])
        return
      }
      answer(response, url.pathname.startsWith(API_ROOT) ? route(request) : [404, { message: 'Not Found', status_code: 404 }])
    }
    if (delay === 0) {
      reply()
      return
    }
    const timer = setTimeout(() => { timers.delete(timer); reply() }, delay)
    timers.add(timer)
    delay = 0
  }

  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => { handle(incoming, response, Buffer.concat(chunks).toString('utf8')) })
  })
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  t.teardown(async () => {
    for (const timer of timers) clearTimeout(timer)
    server.closeAllConnections()
    await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
  })
  const { port } = server.address() as AddressInfo

  const addActivity = (awb: string, activity: StandInActivity): void => {
    activities.set(awb, [...(activities.get(awb) ?? []), activity])
  }

  const callback = (awb: string, statusId: number, statusText: string, at: Date, location = 'Mumbai Hub'): ShiprocketCallback => {
    addActivity(awb, { at, statusId, label: statusText, location })
    const shipment = [...shipments.values()].find((candidate) => candidate.awb === awb)
    const scans = (activities.get(awb) ?? []).toSorted((a, b) => a.at.getTime() - b.at.getTime())
    return {
      headers: { 'content-type': 'application/json', 'x-api-key': webhookToken },
      body: {
        awb,
        courier_name: shipment?.courierName ?? 'Delhivery Surface',
        current_status: statusText,
        current_status_id: ORDER_STATUS_IDS.get(statusId) ?? statusId,
        shipment_status: statusText,
        shipment_status_id: statusId,
        current_timestamp: istCallbackText(at),
        order_id: shipment === undefined ? `${awb}-order` : String(shipment.order.order_id),
        sr_order_id: shipment?.orderId ?? 0,
        awb_assigned_date: istText(scans[0]?.at ?? at),
        pickup_scheduled_date: istText(scans[0]?.at ?? at),
        etd: istText(new Date(at.getTime() + 2 * 24 * 60 * 60 * 1000)),
        scans: scans.map((scan) => ({
          date: istText(scan.at),
          status: courierCode(scan.statusId),
          activity: scan.activity ?? scan.label,
          location: scan.location ?? '',
          'sr-status': String(scan.statusId),
          'sr-status-label': scan.label
        })),
        is_return: 0,
        channel_id: 3422553,
        pod_status: 'OTP Based Delivery',
        pod: 'Not Available'
      }
    }
  }

  return {
    url: `http://127.0.0.1:${port}${API_ROOT}`,
    email,
    password,
    webhookToken,
    pickupLocation,
    requests,
    shipments,
    count: (path) => requests.filter((request) => request.path === path).length,
    setRates: (postcode, quotes) => { rates.set(postcode, quotes) },
    addActivity,
    expireTokens: () => { tokens.clear() },
    delayNext: (ms) => { delay = ms },
    hangNext: (count) => { hangs += count },
    failNext: (count, status, pathPrefix = '') => {
      for (let index = 0; index < count; index++) failures.push({ status, pathPrefix })
    },
    callback
  }
}

/** Carrier settings pointing at the stand-in, with a short timeout for tests. */
export function standInSettings (standIn: ShiprocketStandIn, overrides: Partial<ShiprocketSettings> = {}): ShiprocketSettings {
  return {
    apiUrl: standIn.url,
    email: standIn.email,
    password: standIn.password,
    pickupLocation: standIn.pickupLocation,
    pickupPostcode: '110001',
    webhookToken: standIn.webhookToken,
    timeoutMs: 2000,
    currency: 'INR',
    ...overrides
  }
}
