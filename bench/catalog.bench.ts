/**
 * The catalog under load: listing, deep pages, filters, selective and broad searches, facets and
 * suggestions on a catalog of 100,000 products, each beside a bare Fastify route running one hand-written
 * SQL query for the same rows (bench/baseline-server.ts), and the first page again on 1,000 products.
 */
import { MikroORM } from '@mikro-orm/postgresql'
import type { AppConfig } from '../fastify.config.js'
import { createOrmConfig } from '../mikro-orm.config.js'
import { migrateUnderLock } from '../plugins/db/migrations.js'
import { createLocalStorage } from '../plugins/storage/local-driver.js'
import { seedDemoCatalog } from '../modules/demo/demo-catalog.service.js'
import { load, type LoadResult } from './load.js'
import { COMPILED_API, startProcess, typescript } from './processes.js'

export interface CatalogScenario {
  name: string
  api: LoadResult
  baseline?: LoadResult
}

export interface CatalogBenchmark {
  scenarios: CatalogScenario[]
  firstPageAt1k: LoadResult
  apiPeakRssMb: number
  seedSeconds: number
}

async function seed (config: AppConfig, url: string, products: number): Promise<number> {
  const orm = await MikroORM.init(createOrmConfig({ clientUrl: url, poolMax: 4 }))
  try {
    await migrateUnderLock(orm)
    const started = Date.now()
    await seedDemoCatalog(orm.em.fork(), await createLocalStorage(config), { products, images: false })
    return (Date.now() - started) / 1000
  } finally {
    await orm.close()
  }
}

/** A baseline only measures something if it answers what the API answers: the same products, in order. */
async function assertSameRows (name: string, apiUrl: string, baselineUrl: string): Promise<void> {
  const ids = async (url: string): Promise<string[]> => {
    const body = await (await fetch(url)).json() as { items?: Array<{ id: string }>, products?: Array<{ id: string }> }
    return (body.items ?? body.products ?? []).map((item) => item.id)
  }
  const [fromApi, fromBaseline] = await Promise.all([ids(apiUrl), ids(baselineUrl)])
  if (fromApi.length === 0 || JSON.stringify(fromApi) !== JSON.stringify(fromBaseline)) {
    throw new Error(`${name}: the baseline answers other rows than the API (${fromApi.length} vs ${fromBaseline.length})`)
  }
}

function apiEnvironment (config: AppConfig, url: string): Record<string, string> {
  return { NODE_ENV: 'test', LOG_LEVEL: 'warn', DEMO_DATA: 'false', DATABASE_URL: url, DATABASE_POOL_MAX: '20', DATA_DIR: config.DATA_DIR }
}

export async function benchmarkCatalog (config: AppConfig, databaseUrl: (name: string) => Promise<string>): Promise<CatalogBenchmark> {
  const large = await databaseUrl('catalog_100k')
  const small = await databaseUrl('catalog_1k')
  const seedSeconds = await seed(config, large, 100_000)
  await seed(config, small, 1_000)

  const api = await startProcess(COMPILED_API, apiEnvironment(config, large))
  const baseline = await startProcess(typescript('bench/baseline-server.ts'), { DATABASE_URL: large, SHOP_CURRENCY: config.SHOP_CURRENCY })
  try {
    // The 51st page, reached by walking the cursors as a client would.
    let cursor: string | null = null
    let lastId = ''
    for (let page = 0; page < 50; page++) {
      const body = await (await fetch(`${api.origin}/api/v1/products?limit=20${cursor === null ? '' : `&cursor=${cursor}`}`)).json() as { items: Array<{ id: string }>, nextCursor: string | null }
      cursor = body.nextCursor
      lastId = body.items.at(-1)?.id ?? ''
    }
    const pairs: Array<[string, string, string]> = [
      ['listing, first page', '/api/v1/products?limit=20', '/products'],
      ['listing, page 51 by cursor', `/api/v1/products?limit=20&cursor=${cursor ?? ''}`, `/products?after=${lastId}`],
      ['listing, filtered and sorted', '/api/v1/products?category=furniture&minPrice=5000&maxPrice=30000&sort=price_asc', '/products/filtered?category=furniture&min=5000&max=30000'],
      ['search, selective (walnut pendant)', '/api/v1/products/search?q=walnut%20pendant', `/products/search?q=${encodeURIComponent('walnut:*A & pendant:*A')}`],
      ['search, broad (oak)', '/api/v1/products/search?q=oak', `/products/search?q=${encodeURIComponent('oak:*A')}`],
      ['search with facets (oak)', '/api/v1/products/search?q=oak&facets=true', `/products/search/facets?q=${encodeURIComponent('oak:*')}&page=${encodeURIComponent('oak:*A')}`],
      ['suggestions (wal)', '/api/v1/search/suggest?q=wal', '/search/suggest?q=wal']
    ]
    const scenarios: CatalogScenario[] = []
    for (const [name, apiPath, baselinePath] of pairs) {
      await assertSameRows(name, `${api.origin}${apiPath}`, `${baseline.origin}${baselinePath}`)
      scenarios.push({ name, api: await load(`${api.origin}${apiPath}`), baseline: await load(`${baseline.origin}${baselinePath}`) })
    }
    const apiPeakRssMb = await api.peakRssMb()
    await api.stop()
    const smallApi = await startProcess(COMPILED_API, apiEnvironment(config, small))
    const firstPageAt1k = await load(`${smallApi.origin}/api/v1/products?limit=20`)
    await smallApi.stop()
    return { scenarios, firstPageAt1k, apiPeakRssMb, seedSeconds }
  } finally {
    await api.stop()
    await baseline.stop()
  }
}

/** The issue's targets, as ratios, so a noisy shared machine still gives a fair verdict. */
export function catalogVerdicts (result: CatalogBenchmark): string[] {
  const verdicts: string[] = []
  const check = (ok: boolean, text: string): void => { verdicts.push(`${ok ? 'PASS' : 'FAIL'} ${text}`) }
  for (const scenario of result.scenarios) {
    if (scenario.baseline === undefined) continue
    const throughput = scenario.api.requestsPerSecond / scenario.baseline.requestsPerSecond
    const tail = scenario.api.p99Ms / Math.max(1, scenario.baseline.p99Ms)
    check(throughput >= 0.7, `${scenario.name}: ${(throughput * 100).toFixed(0)}% of the baseline's throughput (target ≥ 70%)`)
    check(tail <= 1.5, `${scenario.name}: p99 ${tail.toFixed(2)}× the baseline's (target ≤ 1.5×)`)
  }
  const selective = result.scenarios.find((scenario) => scenario.name.startsWith('search, selective'))
  const broad = result.scenarios.find((scenario) => scenario.name.startsWith('search, broad'))
  if (selective !== undefined && broad !== undefined) {
    const ratio = broad.api.p99Ms / Math.max(1, selective.api.p99Ms)
    check(ratio <= 2, `broad search p99 ${ratio.toFixed(2)}× the selective one's (target ≤ 2×)`)
  }
  const firstPage = result.scenarios[0]
  if (firstPage !== undefined) {
    const growth = result.firstPageAt1k.requestsPerSecond / firstPage.api.requestsPerSecond - 1
    check(growth <= 0.2, `first page at 100,000 products: ${(growth * 100).toFixed(0)}% slower than at 1,000 (target ≤ 20%)`)
  }
  check(result.apiPeakRssMb < 300, `API peak RSS ${result.apiPeakRssMb} MB (target < 300 MB)`)
  return verdicts
}
