/**
 * What the shop needs from a courier, whoever the courier is. Amounts are integers in minor units, as
 * everywhere else in the shop; each carrier converts to what its API speaks.
 */

/** The carriers this shop knows: `manual` (staff type what the carrier gave them) and Shiprocket. */
export const CARRIER_IDS = ['manual', 'shiprocket'] as const
export type CarrierId = typeof CARRIER_IDS[number]

export const TRACKING_STATUSES = ['LABEL_CREATED', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED', 'EXCEPTION'] as const
export type TrackingStatus = typeof TRACKING_STATUSES[number]
export interface RateRequest { destination: { postalCode: string, country: string }, weightGrams: number, cashOnDelivery: boolean, declaredValue: number /* minor units */ }
export interface CarrierRate { serviceId: string, service: string, price: number /* minor units of `currency` */, currency: string, estimatedDays: number | null }
export interface ShipmentRequest {
  reference: string            // our shipment id: the carrier's order id
  orderNumber: string
  placedAt: Date
  address: { fullName: string, company: string | null, line1: string, line2: string | null, city: string, region: string | null, postalCode: string, country: string, phone: string | null }
  email: string
  items: Array<{ name: string, sku: string, units: number, unitPrice: number /* minor units */ }>
  cashOnDelivery: boolean
  collectAmount: number        // minor units; what the courier collects when cashOnDelivery
  weightGrams: number
  serviceId?: string           // a courier chosen from rates(); unset: the carrier's recommendation
  /** What staff typed about the parcel (a carrier without an API, `manual`, takes them as they are). */
  typed?: { service?: string, trackingNumber?: string, trackingUrl?: string }
}
export interface CreatedShipment { externalId: string | null, trackingNumber: string | null, trackingUrl: string | null, service: string | null }
export interface TrackingUpdate { trackingNumber: string, status: TrackingStatus, description: string, location: string | null, occurredAt: Date }
/** Network error, timeout, 5xx: try again later. */
export class CarrierUnavailableError extends Error {}
/** A 4xx answer (bad pincode, not serviceable...): trying again with the same request will not help. */
export class CarrierRefusedError extends Error {
  constructor (message: string, readonly detail?: unknown) {
    super(message)
  }
}
/** A tracking callback that fails authentication or cannot be read. */
export class CallbackRejectedError extends Error {}
/** A tracking callback that is authenticated but cannot be read (no tracking number, status or time). */
export class CallbackUnreadableError extends Error {}
export interface Carrier {
  readonly id: string
  rates (request: RateRequest, signal?: AbortSignal): Promise<CarrierRate[]>
  createShipment (request: ShipmentRequest): Promise<CreatedShipment>
  track (trackingNumber: string): Promise<TrackingUpdate[]>
  /** Authenticates and reads a tracking callback the carrier POSTed to us. */
  parseCallback (headers: Record<string, string | string[] | undefined>, body: unknown): TrackingUpdate
}
