import type { FastifyPluginAsync } from 'fastify'
import { addressRoutes } from './address.routes.js'

/** What the shop keeps for its customers: the address book. */
const customersModule: FastifyPluginAsync = async (app) => {
  await app.register(addressRoutes, { prefix: '/addresses' })
}

export default customersModule
