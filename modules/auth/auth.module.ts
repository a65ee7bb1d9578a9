import type { FastifyPluginAsync } from 'fastify'
import { authRoutes } from './auth.routes.js'
import { staffAuthRoutes } from './staff-auth.routes.js'

/** Sign-up, sign-in, sessions and passwords for customers; two-step sign-in for staff. */
const authModule: FastifyPluginAsync = async (app) => {
  await app.register(authRoutes, { prefix: '/auth' })
  await app.register(staffAuthRoutes, { prefix: '/admin/auth' })
}

export default authModule
