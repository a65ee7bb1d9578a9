import type { EntityManager } from '@mikro-orm/postgresql'
import { sql } from 'kysely'
import { uuidv7 } from 'uuidv7'
import type { Account } from '../../plugins/auth.js'
import { invalidField } from '../../plugins/problem.js'
import { textOrNull } from '../../plugins/validation.js'
import { actorOf, SYSTEM_ACTOR, type Actor } from '../auth/user.entity.js'
import { OrderItem, type Order } from '../orders/order.entity.js'
import { announceOrderUpdate, beforeChange, lockOrder, moveOrderAsShop, shopMayMove, type OrderSettings } from '../orders/order.service.js'
import { customerOf } from '../orders/order-notifications.service.js'
import { CallbackRejectedError, CallbackUnreadableError, CarrierRefusedError, CarrierUnavailableError, type Carrier, type CarrierId, type CreatedShipment, type TrackingStatus } from '../shipping/shipping.contract.js'
import { parcelWeight } from '../shipping/carriers.service.js'
import { Shipment, ShipmentEvent } from '../orders/shipment.entity.js'
import { orderItemName, toShipment, type ShipmentView } from '../orders/orders.contract.js'
import {
  callbackRejected, carrierRefused, carrierUnavailable, orderNotShippable, shipmentDelivered, shipmentNotFound, shipmentQuantityExceeded, trackingNumberTaken, unknownCarrier
} from './shipments.errors.js'
import type { CreateShipmentRequest, UpdateShipmentRequest } from './shipment.schemas.js'

export interface ShipmentSettings {
  orders: OrderSettings
  /** `manual` always; `shiprocket` when it is configured. */
  carriers: ReadonlyMap<CarrierId, Carrier>
  /** Which carrier posts its tracking callbacks to which `/webhooks/carriers/{slug}`. */
  callbackSlugs: ReadonlyMap<string, CarrierId>
  /** SHIPPING_DEFAULT_WEIGHT_GRAMS, for variants without a weight */
  defaultWeightGrams: number
  log: { error: (details: object, message: string) => void }
}

interface TrackingStep {
  status: TrackingStatus
  description: string
  location: string | null
  occurredAt: Date
  source: 'STAFF' | 'CARRIER'
}

/** Each item's units not yet in a parcel. */
async function unshippedUnits (em: EntityManager, orderId: string): Promise<{ items: OrderItem[], unshipped: Map<string, number> }> {
  const [items, shipments] = await Promise.all([em.find(OrderItem, { order: orderId }), em.find(Shipment, { order: orderId })])
  const unshipped = new Map(items.map((item) => [item.id, item.quantity]))
  for (const shipment of shipments) for (const { orderItemId, quantity } of shipment.items) unshipped.set(orderItemId, (unshipped.get(orderItemId) ?? 0) - quantity)
  return { items, unshipped }
}

function assertShippable (order: Order, unshipped: Map<string, number>, input: CreateShipmentRequest): void {
  if (order.status !== 'CONFIRMED') throw orderNotShippable(order.status)
  input.items.forEach((wanted, index) => {
    const left = unshipped.get(wanted.orderItemId)
    if (left === undefined) throw invalidField(`/body/items/${index}/orderItemId`, 'is not an item of this order')
    if (wanted.quantity > left) throw shipmentQuantityExceeded(wanted.orderItemId, left)
  })
}

function carrierOf (settings: ShipmentSettings, input: CreateShipmentRequest): Carrier {
  const carrier = settings.carriers.get(input.carrier)
  if (carrier === undefined) throw invalidField('/body/carrier', `${input.carrier} is not configured in this shop`)
  const typed = (['service', 'trackingNumber', 'trackingUrl'] as const).find((field) => input[field] !== undefined)
  if (input.carrier !== 'manual' && typed !== undefined) throw invalidField(`/body/${typed}`, `is given by ${input.carrier} when it books the parcel`)
  if (input.carrier === 'manual' && input.serviceId !== undefined) throw invalidField('/body/serviceId', 'is for carriers that book parcels (shiprocket)')
  return carrier
}

/** Books the parcel with its carrier, outside any transaction (no lock waits on the carrier). */
async function book (em: EntityManager, settings: ShipmentSettings, carrier: Carrier, order: Order, parcelNumber: number, input: CreateShipmentRequest, items: OrderItem[]): Promise<CreatedShipment> {
  const wanted = new Map(input.items.map((item) => [item.orderItemId, item.quantity]))
  const parcel = items.filter((item) => wanted.has(item.id))
  const weightGrams = await parcelWeight(em, settings.defaultWeightGrams, parcel.map((item) => ({ variantId: item.variant.id, quantity: wanted.get(item.id) ?? 0 })))
  const value = parcel.reduce((sum, item) => sum + Math.floor((item.lineTotal - item.discount) * (wanted.get(item.id) ?? 0) / item.quantity), 0)
  try {
    return await carrier.createShipment({
      // Stable across retries of the same parcel, so that a carrier that booked it already books it once.
      reference: `${order.number}-${parcelNumber}`,
      orderNumber: order.number,
      placedAt: order.placedAt,
      address: order.shippingAddress,
      email: (await customerOf(em, order.customer.id)).email,
      items: parcel.map((item) => ({ name: orderItemName(item), sku: item.sku, units: wanted.get(item.id) ?? 0, unitPrice: item.unitPrice })),
      cashOnDelivery: order.paymentMethod === 'COD',
      // The courier of the first parcel collects the shipping with its items' value.
      collectAmount: value + (parcelNumber === 1 ? order.shippingTotal : 0),
      weightGrams: Math.max(1, weightGrams),
      ...(input.serviceId === undefined ? {} : { serviceId: input.serviceId }),
      typed: {
        ...(input.service === undefined ? {} : { service: input.service.trim() }),
        ...(input.trackingNumber === undefined ? {} : { trackingNumber: input.trackingNumber.trim() }),
        ...(input.trackingUrl === undefined ? {} : { trackingUrl: input.trackingUrl.trim() })
      }
    })
  } catch (error) {
    if (error instanceof CarrierUnavailableError) throw carrierUnavailable(carrier.id)
    if (error instanceof CarrierRefusedError) throw carrierRefused(carrier.id, error.message)
    throw error
  }
}

async function viewOf (em: EntityManager, shipment: Shipment): Promise<ShipmentView> {
  return toShipment(shipment, await em.find(ShipmentEvent, { shipment: shipment.id }))
}

/**
 * Staff: a parcel of a confirmed order's units, booked with its carrier; when every unit is in a parcel, the
 * order ships (and the customer is emailed every parcel's tracking). The booking happens under the order's
 * lock: parcels of one order are made one at a time on every instance, so no unit ships twice and each parcel
 * gets its own carrier reference (the order's other changes wait for the carrier, at most CARRIER_TIMEOUT_MS).
 */
export async function createShipment (em: EntityManager, settings: ShipmentSettings, account: Account, orderId: string, input: CreateShipmentRequest): Promise<ShipmentView> {
  const seen = new Set<string>()
  input.items.forEach((item, index) => {
    if (seen.has(item.orderItemId)) throw invalidField(`/body/items/${index}/orderItemId`, 'names an item already in the list')
    seen.add(item.orderItemId)
  })
  const carrier = carrierOf(settings, input)
  const note = textOrNull(input.note)
  const id = uuidv7()
  let booked: CreatedShipment | undefined
  try {
    return await em.transactional(async (tx) => {
      const order = await lockOrder(tx, orderId)
      const { items, unshipped } = await unshippedUnits(tx, order.id)
      assertShippable(order, unshipped, input)
      const made = await book(tx, settings, carrier, order, await tx.count(Shipment, { order: order.id }) + 1, input, items)
      booked = made
      const actor = actorOf(account)
      const status: TrackingStatus = carrier.id === 'manual' ? 'IN_TRANSIT' : 'LABEL_CREATED'
      const shipment = tx.create(Shipment, {
        id,
        order,
        carrier: carrier.id,
        service: made.service,
        trackingNumber: made.trackingNumber,
        trackingUrl: made.trackingUrl,
        externalId: made.externalId,
        status,
        items: input.items.map(({ orderItemId, quantity }) => ({ orderItemId, quantity })),
        deliveredAt: null,
        actorRole: actor.role,
        actor: actor.id
      })
      tx.create(ShipmentEvent, {
        id: uuidv7(),
        createdAt: new Date(),
        shipment,
        status,
        location: null,
        occurredAt: new Date(),
        source: 'STAFF',
        description: status === 'LABEL_CREATED' ? `Booked with ${carrier.id}${made.service === null ? '' : ` (${made.service})`}` : `Handed to ${made.service ?? 'the carrier'}`
      })
      const before = beforeChange(order)
      await tx.flush()
      const { unshipped: left } = await unshippedUnits(tx, order.id)
      if ([...left.values()].every((units) => units === 0)) await moveOrderAsShop(tx, settings.orders, order, 'SHIPPED', note, actor)
      await announceOrderUpdate(tx, settings.orders, order, before, note)
      return await viewOf(tx, shipment)
    })
  } catch (error) {
    if (booked !== undefined && booked.externalId !== null) settings.log.error({ err: error, shipment: id, carrier: carrier.id, externalId: booked.externalId }, 'a parcel was booked with its carrier but not recorded; cancel it with the carrier')
    if (error instanceof Error && /shipments_carrier_tracking_unique/.test(error.message)) throw trackingNumberTaken()
    throw error
  }
}

/**
 * Records a step of a locked order's parcel once (a repeated report changes nothing), and moves the parcel
 * to its newest step's status; `DELIVERED` is final. When every parcel of a shipped order is delivered, the
 * order is delivered. Returns whether anything was recorded.
 */
async function recordStep (tx: EntityManager, settings: OrderSettings, order: Order, shipment: Shipment, step: TrackingStep, actor: Actor): Promise<boolean> {
  const { numAffectedRows } = await sql`insert into shipment_events (id, created_at, shipment_id, status, description, location, occurred_at, source)
    values (${uuidv7()}, now(), ${shipment.id}, ${step.status}, ${step.description.slice(0, 500)}, ${step.location?.slice(0, 200) ?? null}, ${step.occurredAt}, ${step.source})
    on conflict (shipment_id, status, occurred_at) do nothing`.execute(tx.getKysely())
  if (numAffectedRows === 0n || shipment.status === 'DELIVERED') return numAffectedRows !== 0n
  const { rows: [newest] } = await sql<{ status: TrackingStatus }>`select status from shipment_events where shipment_id = ${shipment.id}
    order by (status = 'DELIVERED') desc, occurred_at desc, id desc limit 1`.execute(tx.getKysely())
  shipment.status = newest?.status ?? step.status
  if (shipment.status !== 'DELIVERED') return true
  shipment.deliveredAt = step.occurredAt
  const before = beforeChange(order)
  await tx.flush()
  const undelivered = await tx.count(Shipment, { order: order.id, status: { $ne: 'DELIVERED' } })
  if (undelivered === 0 && shopMayMove(order, 'DELIVERED')) {
    await moveOrderAsShop(tx, settings, order, 'DELIVERED', null, actor)
    await announceOrderUpdate(tx, settings, order, before, null)
  }
  return true
}

async function lockShipment (tx: EntityManager, where: { id: string } | { carrier: string, trackingNumber: string }): Promise<{ order: Order, shipment: Shipment } | null> {
  const found = await tx.findOne(Shipment, where)
  if (found === null) return null
  const order = await lockOrder(tx, found.order.id)
  return { order, shipment: await tx.findOneOrFail(Shipment, { id: found.id }, { refresh: true }) }
}

/** Staff: corrects a parcel's tracking details and/or records a step of its journey. */
export async function updateShipment (em: EntityManager, settings: ShipmentSettings, account: Account, id: string, input: UpdateShipmentRequest): Promise<ShipmentView> {
  const stepFields = (['description', 'location', 'occurredAt'] as const).find((field) => input[field] !== undefined)
  if (input.status === undefined && stepFields !== undefined) throw invalidField(`/body/${stepFields}`, 'describes a step: send it with its status')
  const occurredAt = input.occurredAt === undefined ? new Date() : new Date(input.occurredAt)
  if (occurredAt.getTime() > Date.now() + 5 * 60_000) throw invalidField('/body/occurredAt', 'must not be in the future')
  try {
    return await em.transactional(async (tx) => {
      const locked = await lockShipment(tx, { id })
      if (locked === null) throw shipmentNotFound()
      const { order, shipment } = locked
      if (input.status !== undefined && shipment.status === 'DELIVERED') throw shipmentDelivered()
      if (input.service !== undefined) shipment.service = input.service.trim()
      if (input.trackingNumber !== undefined) shipment.trackingNumber = input.trackingNumber.trim()
      if (input.trackingUrl !== undefined) shipment.trackingUrl = input.trackingUrl
      await tx.flush()
      if (input.status !== undefined) {
        await recordStep(tx, settings.orders, order, shipment, {
          status: input.status, description: input.description?.trim() ?? input.status.replaceAll('_', ' ').toLowerCase(), location: input.location?.trim() ?? null, occurredAt, source: 'STAFF'
        }, actorOf(account))
      }
      await tx.flush()
      return await viewOf(tx, shipment)
    })
  } catch (error) {
    if (error instanceof Error && /shipments_carrier_tracking_unique/.test(error.message)) throw trackingNumberTaken()
    throw error
  }
}

/** A carrier's tracking callback, authenticated its way; one about a parcel that is not ours is acknowledged and ignored. */
export async function receiveCarrierCallback (em: EntityManager, settings: ShipmentSettings, slug: string, headers: Record<string, string | string[] | undefined>, body: unknown): Promise<{ applied: boolean }> {
  const carrierId = settings.callbackSlugs.get(slug)
  const carrier = carrierId === undefined ? undefined : settings.carriers.get(carrierId)
  if (carrier === undefined) throw unknownCarrier()
  let update
  try {
    update = carrier.parseCallback(headers, body)
  } catch (error) {
    if (error instanceof CallbackRejectedError) throw callbackRejected()
    if (error instanceof CallbackUnreadableError) throw invalidField('/body', `cannot be read as a tracking update: ${error.message}`)
    throw error
  }
  return await em.transactional(async (tx) => {
    const locked = await lockShipment(tx, { carrier: carrier.id, trackingNumber: update.trackingNumber })
    if (locked === null) return { applied: false }
    const applied = await recordStep(tx, settings.orders, locked.order, locked.shipment, { ...update, source: 'CARRIER' }, SYSTEM_ACTOR)
    return { applied }
  })
}
