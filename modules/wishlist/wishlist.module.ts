import type { FastifyPluginAsync } from 'fastify'
import { wishlistRoutes } from './wishlist.routes.js'

/** Customers' saved products, shown as the catalog lists them now. */
const wishlistModule: FastifyPluginAsync = async (app) => {
  await app.register(wishlistRoutes, { prefix: '/me/wishlist' })
}

export default wishlistModule
