import type { FastifyPluginAsync } from 'fastify'
import { discountRoutes } from './discount.routes.js'

/**
 * Discount codes: admins run them under /admin/discounts. Carts price them and checkout redeems them
 * through this module's redemption service; a cancelled order gives its use back.
 */
const discountsModule: FastifyPluginAsync = async (app) => {
  await app.register(discountRoutes)
}

export default discountsModule
