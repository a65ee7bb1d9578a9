import type { FastifyPluginAsync } from 'fastify'
import { inventoryRoutes } from './inventory.routes.js'

/** Stock: staff adjustments, the stock history, the low-stock list; and stock taken and given back by orders. */
const inventoryModule: FastifyPluginAsync = async (app) => {
  await app.register(inventoryRoutes)
}

export default inventoryModule
