import type { FastifyPluginAsync } from 'fastify'
import { profileRoutes } from './profile.routes.js'
import { addressRoutes } from './address.routes.js'

/** The signed-in account's profile and, for customers, the address book. */
const customersModule: FastifyPluginAsync = async (app) => {
  await app.register(profileRoutes)
  await app.register(addressRoutes, { prefix: '/addresses' })
}

export default customersModule
