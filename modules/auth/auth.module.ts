import type { FastifyPluginAsync } from 'fastify'
import { authRoutes } from './auth.routes.js'
import { staffAuthRoutes } from './staff-auth.routes.js'
import { profileRoutes } from './profile.routes.js'
import { purgeDeadCredentials } from './credentials-cleanup.js'
import { eventTicketRoutes } from './event-ticket.routes.js'
import { purgeExpiredEventTickets } from './event-ticket.service.js'

/**
 * Accounts and access: sign-up, sign-in, sessions and passwords for customers; two-step sign-in for
 * staff; every account's own profile and email address; tickets for event streams.
 */
const authModule: FastifyPluginAsync = async (app) => {
  await app.register(authRoutes, { prefix: '/auth' })
  await app.register(staffAuthRoutes, { prefix: '/admin/auth' })
  await app.register(profileRoutes, { prefix: '/me' })
  await app.register(eventTicketRoutes, { prefix: '/events' })
  app.scheduleJob({
    name: 'purge-dead-credentials',
    everyMs: 60 * 60 * 1000,
    run: async (em) => {
      const purged = await purgeDeadCredentials(em)
      app.log.info(purged, 'purged expired one-time codes and sessions')
    }
  })
  app.scheduleJob({
    name: 'purge-expired-event-tickets',
    // Tickets live a minute: swept as often, the table holds about a minute's worth.
    everyMs: 60 * 1000,
    run: async (em) => { await purgeExpiredEventTickets(em) }
  })
}

export default authModule
