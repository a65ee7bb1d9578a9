import type { FastifyPluginAsync } from 'fastify'
import { orderSettingsOf } from '../orders/orders.contract.js'
import { shipmentRoutes } from './shipment.routes.js'
import { carriersOf } from '../shipping/carriers.service.js'
import type { ShipmentSettings } from './shipment.service.js'

/** Parcels: staff ship orders in one or more, booked with a carrier; carriers' callbacks follow each to the door. */
const shipmentsModule: FastifyPluginAsync = async (app) => {
  const { carriers, callbackSlugs } = carriersOf(app.config)
  const settings: ShipmentSettings = { orders: orderSettingsOf(app), carriers, callbackSlugs, defaultWeightGrams: app.config.SHIPPING_DEFAULT_WEIGHT_GRAMS, log: app.log }
  await app.register(shipmentRoutes, { settings })
}

export default shipmentsModule
