import type { FastifyPluginAsync } from 'fastify'
import { orderRoutes } from './order.routes.js'

/** Orders after checkout: customers' history, cancellations and returns; staff moving them along the status machine. */
const ordersModule: FastifyPluginAsync = async (app) => {
  await app.register(orderRoutes)
}

export default ordersModule
