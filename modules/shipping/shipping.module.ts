import type { FastifyPluginAsync } from 'fastify'
import { cartShippingRoutes, shippingAdminRoutes } from './shipping.routes.js'

/** Shipping methods: managed by staff, offered to carts by the country they ship to. */
const shippingModule: FastifyPluginAsync = async (app) => {
  await app.register(shippingAdminRoutes, { prefix: '/admin/shipping-methods' })
  await app.register(cartShippingRoutes)
}

export default shippingModule
