/**
 * `npm run bench [-- --only identity|catalog|checkout] [-- --save]`: the API, started as its own process on a real
 * PostgreSQL (embedded, or DATABASE_URL's server), under autocannon; each suite prints its figures and,
 * where the issue set targets, its verdicts. `--save` records everything in bench/baseline.json.
 */
import { execFileSync } from 'node:child_process'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { loadConfig } from '../fastify.config.js'
import { startEmbeddedPostgres } from '../plugins/db/embedded.js'
import { benchmarkIdentity } from './identity.bench.js'
import { benchmarkCatalog, catalogVerdicts } from './catalog.bench.js'
import { benchmarkCheckout, checkoutVerdicts } from './checkout.bench.js'
import { CONNECTIONS, DURATION_SECONDS } from './load.js'

const { values } = parseArgs({ options: { only: { type: 'string' }, save: { type: 'boolean', default: false } } })
const suites = values.only === undefined ? ['identity', 'catalog', 'checkout'] : values.only.split(',')

// The API is measured as production runs it: compiled.
execFileSync('npm', ['run', 'build'], { stdio: 'ignore' })
const dir = await mkdtemp(join(tmpdir(), 'commerce-api-bench-'))
await chmod(dir, 0o755)
const base = { ...loadConfig(process.env, { dotenv: false }), DATA_DIR: dir }
let adminUrl = base.DATABASE_URL
let stopServer = async (): Promise<void> => {}
if (adminUrl === undefined) {
  const embedded = await startEmbeddedPostgres({ directory: join(dir, 'postgres'), persistent: false })
  adminUrl = embedded.adminUrl
  stopServer = embedded.stop
}
const admin = new pg.Client({ connectionString: adminUrl })
await admin.connect()
const created: string[] = []
/** A new, empty database of this run, dropped at the end. */
async function databaseUrl (name: string): Promise<string> {
  const database = `commerce_bench_${name}_${process.pid}`
  await admin.query(`CREATE DATABASE ${database}`)
  created.push(database)
  const url = new URL(adminUrl as string)
  url.pathname = `/${database}`
  return url.toString()
}

const report: Record<string, unknown> = {}
try {
  console.log(`${CONNECTIONS} connections, ${DURATION_SECONDS} s per scenario`)
  if (suites.includes('identity')) {
    const identity = await benchmarkIdentity(base, databaseUrl)
    console.table(identity)
    report.identity = identity
  }
  if (suites.includes('catalog')) {
    const catalog = await benchmarkCatalog(base, databaseUrl)
    console.log(`catalog of 100,000 products seeded in ${catalog.seedSeconds.toFixed(1)} s`)
    console.table(Object.fromEntries(catalog.scenarios.flatMap((scenario) => [
      [`${scenario.name}: API`, scenario.api],
      ...(scenario.baseline === undefined ? [] : [[`${scenario.name}: baseline`, scenario.baseline]])
    ])))
    console.table({ 'listing, first page at 1,000 products: API': catalog.firstPageAt1k })
    const verdicts = catalogVerdicts(catalog)
    for (const verdict of verdicts) console.log(verdict)
    report.catalog = { ...catalog, verdicts }
  }
  if (suites.includes('checkout')) {
    const checkout = await benchmarkCheckout(base, databaseUrl)
    console.table({ 'checkout, different products': checkout.uncontended, 'checkout, one hot product': checkout.contended, 'checkout, one shared code': checkout.discounted })
    console.table({ 'listing, first page (same run)': checkout.listing })
    const verdicts = checkoutVerdicts(checkout)
    for (const verdict of verdicts) console.log(verdict)
    report.checkout = { ...checkout, verdicts }
  }
} finally {
  for (const database of created) await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
  await admin.end()
  await stopServer()
  await rm(dir, { recursive: true, force: true })
}

if (values.save) {
  await writeFile(new URL('./baseline.json', import.meta.url), JSON.stringify({ recordedAt: new Date().toISOString(), connections: CONNECTIONS, durationSeconds: DURATION_SECONDS, ...report }, null, 2) + '\n')
}
