import type { FastifyPluginAsync } from 'fastify'
import { healthRoutes } from './health.routes.js'

/** Liveness and readiness probes. */
const healthModule: FastifyPluginAsync = async (app) => {
  await app.register(healthRoutes)
}

export default healthModule
