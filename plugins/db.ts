import fp from 'fastify-plugin'
import { MikroORM, RequestContext, type EntityManager } from '@mikro-orm/postgresql'
import { createOrmConfig } from '../mikro-orm.config.js'
import { migrateUnderLock } from './db/migrations.js'

declare module 'fastify' {
  interface FastifyInstance {
    orm: MikroORM
    /**
     * Runs database work after the response, so its duration reveals nothing to the client (whether an
     * account exists, say). Failures are logged; closing the app waits for it.
     */
    runAfterResponse: (name: string, task: () => Promise<void>) => void
  }
  interface FastifyRequest {
    /** The request's own EntityManager fork: its identity map lives and dies with the request. */
    em: EntityManager
  }
}

/**
 * Connects MikroORM, applies migrations when asked, and gives each request its own
 * EntityManager (`request.em`) through MikroORM's RequestContext.
 */
export default fp<{ migrate: boolean }>(async (app, { migrate }) => {
  const { DATABASE_URL, DATABASE_POOL_MAX } = app.config
  if (DATABASE_URL === undefined) throw new Error('DATABASE_URL must be resolved before the app is built')

  const orm = await MikroORM.init(createOrmConfig({ clientUrl: DATABASE_URL, poolMax: DATABASE_POOL_MAX }))

  // Requests whose client went away are no longer counted by the HTTP server, yet their handlers may still
  // be using the database, as may work run after a response: closing waits for both before closing the pool.
  const inFlight = new Set<string>()
  const afterResponse = new Set<Promise<void>>()
  app.addHook('onSend', async (request) => { inFlight.delete(request.id) })
  app.addHook('onClose', async () => {
    const deadline = Date.now() + app.config.SHUTDOWN_TIMEOUT_MS
    while ((inFlight.size > 0 || afterResponse.size > 0) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    await orm.close()
  })
  app.decorate('runAfterResponse', (name: string, task: () => Promise<void>) => {
    const running: Promise<void> = new Promise<void>((resolve) => { setImmediate(resolve) })
      .then(task)
      .catch((error: unknown) => { app.log.error({ err: error, task: name }, 'work after the response failed') })
      .finally(() => { afterResponse.delete(running) })
    afterResponse.add(running)
  })
  if (migrate) {
    const applied = await migrateUnderLock(orm)
    if (applied.length > 0) app.log.info({ migrations: applied }, 'database migrations applied')
  }

  app.decorate('orm', orm)
  app.decorateRequest('em', null as unknown as EntityManager)
  app.addHook('onRequest', (request, reply, done) => {
    inFlight.add(request.id)
    RequestContext.create(orm.em, () => {
      request.em = RequestContext.getEntityManager() as EntityManager
      done()
    })
  })
}, { name: 'db', dependencies: ['config'] })
