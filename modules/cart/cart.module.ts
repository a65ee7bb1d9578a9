import type { FastifyPluginAsync } from 'fastify'
import { cartRoutes } from './cart.routes.js'
import { sweepIdleCarts } from './cart.service.js'

/** Carts of customers and guests; carts idle for CART_TTL_DAYS are swept hourly. */
const cartModule: FastifyPluginAsync = async (app) => {
  await app.register(cartRoutes, { prefix: '/cart' })
  const ttlDays = app.config.CART_TTL_DAYS
  app.scheduleJob({
    name: 'sweep-idle-carts',
    everyMs: 60 * 60 * 1000,
    run: async (em) => {
      const swept = await sweepIdleCarts(em, ttlDays)
      if (swept > 0) app.log.info({ swept }, 'deleted idle carts')
    }
  })
}

export default cartModule
