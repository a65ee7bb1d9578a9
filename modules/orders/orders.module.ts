import type { FastifyPluginAsync } from 'fastify'
import { orderRoutes } from './order.routes.js'
import { orderEventRoutes } from './order-events.routes.js'

/** Orders after checkout: customers' history, cancellations and returns; staff moving them along the status machine; both following them live. */
const ordersModule: FastifyPluginAsync = async (app) => {
  await app.register(orderRoutes)
  await app.register(orderEventRoutes)
}

export default ordersModule
