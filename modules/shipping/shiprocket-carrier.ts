import { createHash, timingSafeEqual } from 'node:crypto'
import {
  CallbackRejectedError, CallbackUnreadableError, CarrierRefusedError, CarrierUnavailableError,
  type Carrier, type CarrierRate, type CreatedShipment, type RateRequest, type ShipmentRequest, type TrackingUpdate
} from './carrier.js'
import { fromIst, indianPhone, isRecord, istMinute, messageOf, paiseOf, rupeesOf, shiprocketStatus, textOf, type Json } from './shiprocket-formats.js'

export const SHIPROCKET_API_URL = 'https://apiv2.shiprocket.in/v1/external'

export interface ShiprocketSettings {
  /** SHIPROCKET_API_URL in production. */
  apiUrl: string
  email: string
  password: string
  /** The pickup address's nickname, as saved in Shiprocket's panel. */
  pickupLocation: string
  pickupPostcode: string
  /** The security token set with the webhook in Shiprocket's panel; it arrives as `x-api-key`. */
  webhookToken: string
  timeoutMs: number
  /** The shop's currency; Shiprocket prices in INR. */
  currency: string
}

// Tokens last ten days; renewing after nine keeps a request from carrying one that expires on the way.
const TOKEN_RENEWAL_MS = 9 * 24 * 60 * 60 * 1000
const DEFAULT_DIMENSION_CM = 10

interface Call {
  method: 'GET' | 'POST'
  path: string
  query?: Record<string, string>
  body?: unknown
  signal?: AbortSignal | undefined
}

interface Answer { status: number, body: unknown }

function sha256 (text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

function headerOf (headers: Record<string, string | string[] | undefined>, name: string): string | null {
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name)
  const value = entry?.[1]
  // Two x-api-key headers are not a token we issued.
  return typeof value === 'string' ? value : Array.isArray(value) && value.length === 1 ? value[0] ?? null : null
}

async function abortable<T> (promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return await promise
  signal.throwIfAborted()
  let onAbort = (): void => {}
  const aborted = new Promise<never>((resolve, reject) => {
    onAbort = () => { reject(signal.reason) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([promise, aborted])
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

export function createShiprocketCarrier (settings: ShiprocketSettings): Carrier {
  const apiUrl = settings.apiUrl.replace(/\/+$/, '')
  const webhookTokenHash = sha256(settings.webhookToken)
  let session: { token: string, renewAt: number } | null = null
  let login: Promise<string> | null = null
  // Orders Shiprocket created whose AWB assignment failed: a retry assigns again instead of creating the order
  // a second time, which Shiprocket refuses for a reused order_id.
  const awaitingAwb = new Map<string, number>()

  async function exchange (call: Call, token: string | null): Promise<Answer> {
    const url = new URL(apiUrl + call.path)
    for (const [key, value] of Object.entries(call.query ?? {})) url.searchParams.set(key, value)
    const timeout = AbortSignal.timeout(settings.timeoutMs)
    const signal = call.signal === undefined ? timeout : AbortSignal.any([timeout, call.signal])
    const headers: Record<string, string> = { accept: 'application/json' }
    if (token !== null) headers.authorization = `Bearer ${token}`
    if (call.body !== undefined) headers['content-type'] = 'application/json'
    try {
      const response = await fetch(url, { method: call.method, headers, body: call.body === undefined ? null : JSON.stringify(call.body), signal })
      const text = await response.text()
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch {
        body = undefined
      }
      return { status: response.status, body }
    } catch (error) {
      // The caller's own abort is not the carrier failing: it gets its reason back.
      if (call.signal?.aborted === true) throw call.signal.reason
      const reason = timeout.aborted ? `no answer within ${settings.timeoutMs} ms` : error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)
      throw new CarrierUnavailableError(`Shiprocket did not answer ${call.method} ${call.path}: ${reason}`, { cause: error })
    }
  }

  function bodyOf (call: Call, answer: Answer): Json {
    const { status, body } = answer
    if (status >= 200 && status < 300) {
      if (isRecord(body)) return body
      throw new CarrierUnavailableError(`Shiprocket's answer to ${call.method} ${call.path} is not a JSON object`)
    }
    const message = messageOf(body) ?? `status ${status}`
    // 429 is Shiprocket's rate limit: the same request succeeds later.
    if (status === 429 || status >= 500 || status < 400) throw new CarrierUnavailableError(`Shiprocket answered ${call.method} ${call.path} with ${status}: ${message}`)
    throw new CarrierRefusedError(`Shiprocket refused ${call.method} ${call.path}: ${message}`, body)
  }

  async function logIn (): Promise<string> {
    const call: Call = { method: 'POST', path: '/auth/login', body: { email: settings.email, password: settings.password } }
    const body = bodyOf(call, await exchange(call, null))
    const token = textOf(body.token)
    if (token === null) throw new CarrierUnavailableError('Shiprocket answered the login without a token')
    session = { token, renewAt: Date.now() + TOKEN_RENEWAL_MS }
    return token
  }

  async function tokenFor (signal: AbortSignal | undefined): Promise<string> {
    if (session !== null && Date.now() < session.renewAt) return session.token
    if (login === null) {
      const pending = logIn().finally(() => { login = null })
      // Every caller may have given up waiting (aborted); the failure is then nobody's to report.
      pending.catch(() => {})
      login = pending
    }
    // A caller that aborts stops waiting; the shared login carries on for the others.
    return await abortable(login, signal)
  }

  async function authorized (call: Call): Promise<Answer> {
    const token = await tokenFor(call.signal)
    const answer = await exchange(call, token)
    if (answer.status !== 401) return answer
    // Only the token that failed is dropped: concurrent callers refused with it share one new login.
    if (session?.token === token) session = null
    return await exchange(call, await tokenFor(call.signal))
  }

  function requireRupees (): void {
    if (settings.currency !== 'INR') throw new CarrierRefusedError(`Shiprocket quotes in INR; the shop's currency is ${settings.currency}`)
  }

  async function rates (request: RateRequest, signal?: AbortSignal): Promise<CarrierRate[]> {
    signal?.throwIfAborted()
    requireRupees()
    if (request.destination.country !== 'IN') return []
    const call: Call = {
      method: 'GET',
      path: '/courier/serviceability/',
      query: {
        pickup_postcode: settings.pickupPostcode,
        delivery_postcode: request.destination.postalCode,
        weight: String(request.weightGrams / 1000),
        cod: request.cashOnDelivery ? '1' : '0',
        declared_value: String(rupeesOf(request.declaredValue))
      },
      signal
    }
    const answer = await authorized(call)
    // An unserviceable pincode is a 404, as the HTTP status or inside a 200's body; a 404 for anything else
    // (a wrong apiUrl) must not pass for "no courier".
    const unserviceable = (answer.status === 404 || (isRecord(answer.body) && answer.body.status === 404)) &&
      /courier|serviceab/i.test(messageOf(answer.body) ?? '')
    if (unserviceable) return []
    const body = bodyOf(call, answer)
    const data = body.data
    const companies = isRecord(data) ? data.available_courier_companies : undefined
    if (!Array.isArray(companies)) throw new CarrierUnavailableError('Shiprocket answered serviceability without available_courier_companies')
    const found: CarrierRate[] = []
    for (const company of companies) {
      if (!isRecord(company)) continue
      const serviceId = textOf(company.courier_company_id)
      const price = paiseOf(company.rate)
      // A quote that cannot be read is not one the shop can charge.
      if (serviceId === null || price === null) continue
      const days = textOf(company.estimated_delivery_days)
      found.push({
        serviceId,
        service: textOf(company.courier_name) ?? `Courier ${serviceId}`,
        price,
        currency: 'INR',
        estimatedDays: days !== null && /^\d+$/.test(days) ? Number(days) : null
      })
    }
    return found.sort((a, b) => a.price - b.price || (a.estimatedDays ?? Infinity) - (b.estimatedDays ?? Infinity))
  }

  async function createOrder (request: ShipmentRequest): Promise<number> {
    const { address } = request
    const [firstName = '', ...lastNames] = address.fullName.trim().split(/\s+/)
    const itemsTotal = request.items.reduce((sum, item) => sum + item.units * item.unitPrice, 0)
    const call: Call = {
      method: 'POST',
      path: '/orders/create/adhoc',
      body: {
        order_id: request.reference,
        order_date: istMinute(request.placedAt),
        pickup_location: settings.pickupLocation,
        comment: `Order ${request.orderNumber}`,
        billing_customer_name: firstName,
        billing_last_name: lastNames.join(' '),
        // Shiprocket has no company field for the buyer; the courier reads it on the first address line.
        billing_address: address.company === null ? address.line1 : `${address.company}, ${address.line1}`,
        billing_address_2: address.line2 ?? '',
        billing_city: address.city,
        billing_pincode: address.postalCode,
        billing_state: address.region ?? '',
        billing_country: 'India',
        billing_email: request.email,
        billing_phone: indianPhone(address.phone),
        shipping_is_billing: true,
        order_items: request.items.map((item) => ({ name: item.name, sku: item.sku, units: item.units, selling_price: rupeesOf(item.unitPrice) })),
        payment_method: request.cashOnDelivery ? 'COD' : 'Prepaid',
        // Shiprocket does not add the items up, and for COD sub_total is what the courier collects.
        sub_total: rupeesOf(request.cashOnDelivery ? request.collectAmount : itemsTotal),
        length: DEFAULT_DIMENSION_CM,
        breadth: DEFAULT_DIMENSION_CM,
        height: DEFAULT_DIMENSION_CM,
        weight: request.weightGrams / 1000
      }
    }
    const body = bodyOf(call, await authorized(call))
    const shipmentId = body.shipment_id
    if (typeof shipmentId !== 'number' && typeof shipmentId !== 'string') {
      // Shiprocket sometimes refuses with a 200 and a message.
      const message = messageOf(body)
      if (message !== null) throw new CarrierRefusedError(`Shiprocket refused the order: ${message}`, body)
      throw new CarrierUnavailableError('Shiprocket answered the order without a shipment_id')
    }
    return Number(shipmentId)
  }

  async function createShipment (request: ShipmentRequest): Promise<CreatedShipment> {
    requireRupees()
    if (request.address.country !== 'IN') throw new CarrierRefusedError(`Shiprocket ships within India; this address is in ${request.address.country}`)
    if (request.serviceId !== undefined && !/^\d+$/.test(request.serviceId)) throw new CarrierRefusedError(`${request.serviceId} is not a Shiprocket courier id`)
    const shipmentId = awaitingAwb.get(request.reference) ?? await createOrder(request)
    awaitingAwb.set(request.reference, shipmentId)
    const call: Call = {
      method: 'POST',
      path: '/courier/assign/awb',
      body: request.serviceId === undefined ? { shipment_id: shipmentId } : { shipment_id: shipmentId, courier_id: Number(request.serviceId) }
    }
    const body = bodyOf(call, await authorized(call))
    const response = isRecord(body.response) ? body.response : {}
    const data = isRecord(response.data) ? response.data : {}
    const awb = textOf(data.awb_code)
    if (body.awb_assign_status !== 1 || awb === null) {
      const message = textOf(data.awb_assign_error) ?? messageOf(response) ?? messageOf(body) ?? 'no AWB was assigned'
      throw new CarrierRefusedError(`Shiprocket assigned no AWB: ${message}`, body)
    }
    awaitingAwb.delete(request.reference)
    return {
      externalId: String(shipmentId),
      trackingNumber: awb,
      trackingUrl: `https://shiprocket.co/tracking/${encodeURIComponent(awb)}`,
      service: textOf(data.courier_name) ?? 'Shiprocket'
    }
  }

  async function track (trackingNumber: string): Promise<TrackingUpdate[]> {
    const call: Call = { method: 'GET', path: `/courier/track/awb/${encodeURIComponent(trackingNumber)}` }
    const body = bodyOf(call, await authorized(call))
    // The single-AWB answer is `{ tracking_data }`; some accounts get it keyed by the AWB.
    const keyed = body[trackingNumber]
    const tracking = isRecord(body.tracking_data) ? body.tracking_data : isRecord(keyed) && isRecord(keyed.tracking_data) ? keyed.tracking_data : null
    if (tracking === null) throw new CarrierUnavailableError('Shiprocket answered tracking without tracking_data')
    const activities = Array.isArray(tracking.shipment_track_activities) ? tracking.shipment_track_activities : []
    const updates: TrackingUpdate[] = []
    // Shiprocket lists the newest first; reversed before the stable sort, scans in the same minute keep their order.
    for (const activity of activities.toReversed()) {
      if (!isRecord(activity)) continue
      const occurredAt = fromIst(activity.date)
      if (occurredAt === null) continue
      const label = activity['sr-status-label']
      updates.push({
        trackingNumber,
        status: shiprocketStatus(activity['sr-status'], label, activity.activity) ?? 'IN_TRANSIT',
        description: textOf(activity.activity) ?? textOf(label) ?? textOf(activity.status) ?? '',
        location: textOf(activity.location),
        occurredAt
      })
    }
    return updates.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime())
  }

  function parseCallback (headers: Record<string, string | string[] | undefined>, body: unknown): TrackingUpdate {
    const given = headerOf(headers, 'x-api-key')
    // Hashes first: timingSafeEqual needs equal lengths, and comparing lengths would leak the token's.
    // An empty configured token accepts nobody: Shiprocket's token is optional, ours is not.
    if (given === null || settings.webhookToken === '' || !timingSafeEqual(sha256(given), webhookTokenHash)) {
      throw new CallbackRejectedError('The callback does not carry the webhook token')
    }
    let payload = body
    if (typeof payload === 'string' || Buffer.isBuffer(payload)) {
      try {
        payload = JSON.parse(payload.toString())
      } catch {
        throw new CallbackUnreadableError('The callback body is not JSON')
      }
    }
    if (!isRecord(payload)) throw new CallbackUnreadableError('The callback body is not a JSON object')
    const awb = textOf(payload.awb)
    if (awb === null) throw new CallbackUnreadableError('The callback names no AWB')
    const status = shiprocketStatus(payload.shipment_status_id, payload.shipment_status, payload.current_status)
    if (status === null) throw new CallbackUnreadableError('The callback carries no status')
    const scans = (Array.isArray(payload.scans) ? payload.scans : []).filter(isRecord)
    const dated = scans.map((scan) => ({ scan, at: fromIst(scan.date)?.getTime() ?? -Infinity }))
    const newest = dated.reduce<typeof dated[number] | null>((latest, entry) => latest === null || entry.at >= latest.at ? entry : latest, null)
    const occurredAt = fromIst(payload.current_timestamp) ?? (newest !== null && newest.at > -Infinity ? new Date(newest.at) : null)
    if (occurredAt === null) throw new CallbackUnreadableError('The callback carries no readable timestamp')
    return {
      trackingNumber: awb,
      status,
      description: textOf(payload.current_status) ?? textOf(payload.shipment_status) ?? status,
      location: newest === null ? null : textOf(newest.scan.location),
      occurredAt
    }
  }

  return { id: 'shiprocket', rates, createShipment, track, parseCallback }
}
