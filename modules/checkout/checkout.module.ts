import type { FastifyPluginAsync } from 'fastify'
import { checkoutRoutes } from './checkout.routes.js'

/** Checkout: the customer's cart becomes an order, its stock taken, in one transaction. */
const checkoutModule: FastifyPluginAsync = async (app) => {
  await app.register(checkoutRoutes)
}

export default checkoutModule
