import type { FastifyPluginAsync } from 'fastify'
import { staffRoutes } from './staff.routes.js'

/** Staff accounts: first-admin bootstrap, creation by admins, listing, disabling. */
const staffModule: FastifyPluginAsync = async (app) => {
  await app.register(staffRoutes)
}

export default staffModule
