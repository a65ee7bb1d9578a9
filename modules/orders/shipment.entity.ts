import { defineEntity, p } from '@mikro-orm/core'
import { entityProperties } from '../../plugins/db/entity-properties.js'
import { actorProperties } from '../auth/user.entity.js'
import { TRACKING_STATUSES } from '../shipping/shipping.contract.js'
import { OrderSchema } from './order.entity.js'

export interface ShippedItem {
  orderItemId: string
  quantity: number
}

/**
 * A parcel of an order: which units of which items it holds, who carries it, and how far it has come.
 * `DELIVERED` is final. A carrier's tracking number is unique for that carrier, so callbacks find one parcel.
 */
export const ShipmentSchema = defineEntity({
  name: 'Shipment',
  tableName: 'shipments',
  indexes: [{
    name: 'shipments_carrier_tracking_unique',
    expression: 'create unique index "shipments_carrier_tracking_unique" on "shipments" ("carrier", "tracking_number") where "tracking_number" is not null'
  }],
  properties: {
    ...entityProperties,
    order: () => p.manyToOne(OrderSchema).deleteRule('cascade').index(),
    carrier: p.string().length(32),
    service: p.string().length(200).nullable(),
    trackingNumber: p.string().length(100).nullable(),
    trackingUrl: p.string().length(2048).nullable(),
    externalId: p.string().length(100).nullable(),
    status: p.enum(TRACKING_STATUSES),
    items: p.json<ShippedItem[]>(),
    deliveredAt: p.datetime().nullable(),
    ...actorProperties,
    version: p.integer().version()
  }
})

export class Shipment extends ShipmentSchema.class {}

ShipmentSchema.setClass(Shipment)

export const TRACKING_SOURCES = ['STAFF', 'CARRIER'] as const

/** One step of a parcel's journey, as staff typed it or its carrier reported it; a repeated report is kept once. */
export const ShipmentEventSchema = defineEntity({
  name: 'ShipmentEvent',
  tableName: 'shipment_events',
  uniques: [{ name: 'shipment_events_step_unique', properties: ['shipment', 'status', 'occurredAt'] }],
  properties: {
    id: p.uuid().primary(),
    createdAt: p.datetime(),
    shipment: () => p.manyToOne(ShipmentSchema).deleteRule('cascade'),
    status: p.enum(TRACKING_STATUSES),
    description: p.string().length(500),
    location: p.string().length(200).nullable(),
    occurredAt: p.datetime(),
    source: p.enum(TRACKING_SOURCES)
  }
})

export class ShipmentEvent extends ShipmentEventSchema.class {}

ShipmentEventSchema.setClass(ShipmentEvent)
