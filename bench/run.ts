/**
 * `npm run bench`: the API on a real PostgreSQL (embedded, or DATABASE_URL's server) under autocannon.
 * Prints latency and throughput per scenario; `npm run bench -- --save` records them in bench/baseline.json.
 */
import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import pg from 'pg'
import { buildApp, loadConfig } from '../fastify.config.js'
import { startEmbeddedPostgres } from '../plugins/db/embedded.js'
import { hashChosenPassword } from '../modules/auth/account.service.js'
import { User } from '../modules/auth/user.entity.js'
import { Address } from '../modules/customers/address.entity.js'

const CONNECTIONS = 50
const DURATION_SECONDS = Number(process.env.BENCH_DURATION_SECONDS ?? 10)
const database = `commerce_bench_${process.pid}`

const base = loadConfig(process.env, { dotenv: false })
let adminUrl = base.DATABASE_URL
let stopServer = async (): Promise<void> => {}
const dir = await mkdtemp(join(tmpdir(), 'commerce-api-bench-'))
await chmod(dir, 0o755)
if (adminUrl === undefined) {
  const embedded = await startEmbeddedPostgres({ directory: join(dir, 'postgres'), persistent: false })
  adminUrl = embedded.adminUrl
  stopServer = embedded.stop
}
const admin = new pg.Client({ connectionString: adminUrl })
await admin.connect()
await admin.query(`CREATE DATABASE ${database}`)
const url = new URL(adminUrl)
url.pathname = `/${database}`

const app = await buildApp({ ...base, NODE_ENV: 'production', LOG_LEVEL: 'warn', DATABASE_URL: url.toString(), DATA_DIR: dir, DATABASE_POOL_MAX: 20 })
await app.listen({ host: '127.0.0.1', port: 0 })
const address = app.server.address()
const origin = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`

// One verified customer with a few addresses, signed in once.
const em = app.orm.em.fork()
const password = 'benchmark password 1'
const customer = em.create(User, { email: 'bench@example.com', name: 'Bench', passwordHash: await hashChosenPassword(password, '/password'), role: 'CUSTOMER', emailVerifiedAt: new Date() })
for (let index = 0; index < 20; index++) {
  em.create(Address, { user: customer, fullName: 'Bench', line1: `${index} Main Street`, city: 'Springfield', postalCode: '12345', country: 'US' })
}
await em.flush()
const signIn = await fetch(`${origin}/api/v1/auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'bench@example.com', password }) })
const { accessToken } = await signIn.json() as { accessToken: string }
const authorization = `Bearer ${accessToken}`

const scenarios: Array<{ name: string, path: string, headers?: Record<string, string> }> = [
  { name: 'GET /health/live (no database)', path: '/health/live' },
  { name: 'GET /health/ready (one query)', path: '/health/ready' },
  { name: 'GET /api/v1/me (JWT + session lookup)', path: '/api/v1/me', headers: { authorization } },
  { name: 'GET /api/v1/me/addresses (20 of 20)', path: '/api/v1/me/addresses?limit=20', headers: { authorization } }
]

const results: Record<string, { requestsPerSecond: number, p50Ms: number, p99Ms: number, errors: number, non2xx: number }> = {}
try {
  for (const scenario of scenarios) {
    const result = await autocannon({ url: `${origin}${scenario.path}`, headers: scenario.headers, connections: CONNECTIONS, duration: DURATION_SECONDS })
    results[scenario.name] = {
      requestsPerSecond: Math.round(result.requests.average),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      errors: result.errors,
      non2xx: result.non2xx
    }
  }
} finally {
  await app.close()
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
  await admin.end()
  await stopServer()
  await rm(dir, { recursive: true, force: true })
}

console.log(`${CONNECTIONS} connections, ${DURATION_SECONDS} s per scenario`)
console.table(results)
if (process.argv.includes('--save')) {
  await writeFile(new URL('./baseline.json', import.meta.url), JSON.stringify({ recordedAt: new Date().toISOString(), connections: CONNECTIONS, durationSeconds: DURATION_SECONDS, results }, null, 2) + '\n')
}
