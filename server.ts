import closeWithGrace from 'close-with-grace'
import { buildApp, ConfigError, loadConfig, type AppConfig } from './fastify.config.js'
import { resolveDatabase } from './plugins/db/database-url.js'

function readConfig (): AppConfig {
  try {
    return loadConfig()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(error.message)
    process.exit(1)
  }
}

const database = await resolveDatabase(readConfig(), (message) => { console.info(message) })
const app = await buildApp(database.config)

closeWithGrace({ delay: database.config.SHUTDOWN_TIMEOUT_MS }, async ({ signal, err }) => {
  if (err !== undefined) app.log.error({ err }, 'shutting down after an unexpected error')
  else app.log.info({ signal }, 'shutting down: draining requests')
  await app.close()
  await database.stop()
})

try {
  await app.listen({ host: database.config.HOST, port: database.config.PORT })
  app.log.info(`API docs at http://${database.config.HOST}:${database.config.PORT}/docs`)
} catch (error) {
  app.log.error({ err: error }, 'could not start')
  await app.close()
  await database.stop()
  process.exit(1)
}
