import type { Shipment, ShipmentEvent } from './shipment.entity.js'
import type { CarrierId, ShipmentView } from './shipment.schemas.js'

/** The parcel representation that orders show. */
export { ShipmentSchema, CarrierIdSchema, CARRIER_IDS, type CarrierId, type ShipmentView } from './shipment.schemas.js'

export function toShipment (shipment: Shipment, events: ShipmentEvent[]): ShipmentView {
  return {
    id: shipment.id,
    orderId: shipment.order.id,
    carrier: shipment.carrier as CarrierId,
    service: shipment.service ?? null,
    trackingNumber: shipment.trackingNumber ?? null,
    trackingUrl: shipment.trackingUrl ?? null,
    status: shipment.status,
    items: shipment.items.map(({ orderItemId, quantity }) => ({ orderItemId, quantity })),
    events: events
      .filter((event) => event.shipment.id === shipment.id)
      .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.id.localeCompare(b.id))
      .map((event) => ({ status: event.status, description: event.description, location: event.location ?? null, occurredAt: event.occurredAt.toISOString(), source: event.source })),
    deliveredAt: shipment.deliveredAt?.toISOString() ?? null,
    createdAt: shipment.createdAt.toISOString(),
    updatedAt: shipment.updatedAt.toISOString()
  }
}
