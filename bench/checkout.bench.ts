/**
 * Checkout under load: 50 signed-in customers, each in a loop of "add one unit to the cart, check out",
 * first each buying their own product, then all of them buying one hot product, then each their own product
 * again with one discount code they all share (applied to the cart before each checkout). Orders per second, the
 * checkout's latency, the lock conflicts and retries the API reports (`Server-Timing`), and a count of
 * units sold against stock taken, beside the listing on the same database in the same run.
 */
import { randomUUID } from 'node:crypto'
import { Agent, request } from 'node:http'
import { MikroORM } from '@mikro-orm/postgresql'
import type { AppConfig } from '../fastify.config.js'
import { createOrmConfig } from '../mikro-orm.config.js'
import { migrateUnderLock } from '../plugins/db/migrations.js'
import { createAccount, hashChosenPassword } from '../modules/auth/account.service.js'
import { Product } from '../modules/catalog/product.entity.js'
import { Variant } from '../modules/catalog/variant.entity.js'
import { ShippingMethod } from '../modules/shipping/shipping-method.entity.js'
import { Discount } from '../modules/discounts/discount.entity.js'
import { CONNECTIONS, DURATION_SECONDS, load, type LoadResult } from './load.js'
import { COMPILED_API, startProcess } from './processes.js'

const CUSTOMERS = CONNECTIONS
const PRICE = 2000
const SHIPPING = 499
const STOCK = 1_000_000
const PASSWORD = 'benchmark password 1'
const CODE = 'BENCH-10'
/** What the shared code takes off one unit: 10%. */
const CODE_DISCOUNT = PRICE / 10
const WARM_UP_SECONDS = Number(process.env.BENCH_WARM_UP_SECONDS ?? 3)

export interface CheckoutScenario {
  ordersPerSecond: number
  checkoutP50Ms: number
  checkoutP99Ms: number
  /** Whole-transaction retries the API reported. */
  retries: number
  /** Variants another checkout changed between a checkout's pricing and its lock, resolved under the lock. */
  lockConflicts: number
  refused: number
  errors: number
}

export interface CheckoutBenchmark {
  uncontended: CheckoutScenario
  contended: CheckoutScenario
  /** Own products, one shared discount code (every checkout takes a use of the one row). */
  discounted: CheckoutScenario
  /** The shared code's uses counted, less the discounted orders: must be zero. */
  uncountedUses: number
  listing: LoadResult
  /** Units in orders minus units taken from stock, over every variant: must be zero. */
  oversold: number
}

interface Seeded {
  emails: string[]
  variantIds: string[]
  hotVariantId: string
  shippingMethodId: string
}

async function seed (url: string): Promise<Seeded> {
  const orm = await MikroORM.init(createOrmConfig({ clientUrl: url, poolMax: 2 }))
  try {
    await migrateUnderLock(orm)
    return await orm.em.fork().transactional(async (em) => {
      const passwordHash = await hashChosenPassword(PASSWORD, '/password')
      const emails = Array.from({ length: CUSTOMERS }, (_, index) => `bench-${index}@example.com`)
      for (const email of emails) await createAccount(em, { email, name: 'Bench Customer', role: 'CUSTOMER', passwordHash, emailVerified: true })
      const variants = Array.from({ length: CUSTOMERS + 1 }, (_, index) => {
        const product = em.create(Product, { slug: `bench-product-${index}`, name: `Bench Product ${index}`, status: 'ACTIVE', priceMin: PRICE, priceMax: PRICE })
        return em.create(Variant, { product, sku: `BENCH-${index}`, title: 'Default', optionValues: {}, optionKey: '', price: PRICE, stock: STOCK })
      })
      const shipping = em.create(ShippingMethod, { name: 'Standard', price: SHIPPING, countries: ['US'], minDays: 2, maxDays: 5, active: true })
      em.create(Discount, { code: CODE, normalizedCode: CODE, kind: 'PERCENTAGE', percentage: 10, active: true })
      await em.flush()
      const hot = variants.pop() as Variant
      return { emails, variantIds: variants.map((variant) => variant.id), hotVariantId: hot.id, shippingMethodId: shipping.id }
    })
  } finally {
    await orm.close()
  }
}

function percentile (sorted: number[], fraction: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0
}

interface Answer {
  status: number
  serverTiming: string
}

/** A POST over a kept-alive connection: lighter than fetch, so the load generator takes less of the two cores from the API. */
async function post (agent: Agent, url: string, headers: Record<string, string>, body: string): Promise<Answer> {
  return await new Promise((resolve, reject) => {
    const sent = request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (response) => {
      response.resume()
      response.on('end', () => { resolve({ status: response.statusCode ?? 0, serverTiming: String(response.headers['server-timing'] ?? '') }) })
      response.on('error', reject)
    })
    sent.on('error', reject)
    sent.end(body)
  })
}

/**
 * Each customer loops add-to-cart (and, with `code`, applying it), checkout until the time is up; only the
 * measured window's orders count.
 */
async function drive (origin: string, tokens: string[], variantOf: (customer: number) => string, shippingMethodId: string, seconds: number, code?: string): Promise<CheckoutScenario> {
  const deadline = Date.now() + seconds * 1000
  const latencies: number[] = []
  let retries = 0
  let lockConflicts = 0
  let refused = 0
  let errors = 0
  const total = PRICE + SHIPPING - (code === undefined ? 0 : CODE_DISCOUNT)
  const body = JSON.stringify({ address: { fullName: 'Bench Customer', line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'US' }, shippingMethodId, paymentMethod: 'COD', expectedTotal: { amount: total, currency: 'USD' } })
  const discount = JSON.stringify({ code })
  const agent = new Agent({ keepAlive: true, maxSockets: tokens.length })
  await Promise.all(tokens.map(async (token, customer) => {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
    const item = JSON.stringify({ variantId: variantOf(customer), quantity: 1 })
    while (Date.now() < deadline) {
      const added = await post(agent, `${origin}/api/v1/cart/items`, headers, item)
      if (added.status !== 200) { errors++; continue }
      if (code !== undefined && (await post(agent, `${origin}/api/v1/cart/discount`, headers, discount)).status !== 200) { errors++; continue }
      const started = performance.now()
      const placed = await post(agent, `${origin}/api/v1/checkout`, { ...headers, 'idempotency-key': randomUUID() }, body)
      if (placed.status === 201) {
        latencies.push(performance.now() - started)
        retries += Number(/attempts;desc="(\d+)"/.exec(placed.serverTiming)?.[1] ?? 1) - 1
        lockConflicts += Number(/conflicts;desc="(\d+)"/.exec(placed.serverTiming)?.[1] ?? 0)
      } else if (placed.status === 409) {
        refused++
      } else {
        errors++
      }
    }
  }))
  agent.destroy()
  latencies.sort((a, b) => a - b)
  return {
    ordersPerSecond: Math.round(latencies.length / seconds),
    checkoutP50Ms: Math.round(percentile(latencies, 0.5)),
    checkoutP99Ms: Math.round(percentile(latencies, 0.99)),
    retries,
    lockConflicts,
    refused,
    errors
  }
}

export async function benchmarkCheckout (config: AppConfig, databaseUrl: (name: string) => Promise<string>): Promise<CheckoutBenchmark> {
  const url = await databaseUrl('checkout')
  const seeded = await seed(url)
  // Fifty sign-ins from one address would otherwise meet the sign-in rate limit.
  const api = await startProcess(COMPILED_API, { NODE_ENV: 'test', LOG_LEVEL: 'warn', DEMO_DATA: 'false', DATABASE_URL: url, DATA_DIR: config.DATA_DIR, AUTH_RATE_LIMIT_PER_IP: '1000', DISCOUNT_CODE_ATTEMPTS_PER_IP_PER_HOUR: '1000000' })
  try {
    const tokens: string[] = []
    for (const email of seeded.emails) {
      const signIn = await fetch(`${api.origin}/api/v1/auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) })
      if (!signIn.ok) throw new Error(`signing in ${email} answered ${signIn.status}`)
      tokens.push((await signIn.json() as { accessToken: string }).accessToken)
    }
    const own = (customer: number): string => seeded.variantIds[customer] as string
    const hot = (): string => seeded.hotVariantId
    if (WARM_UP_SECONDS > 0) await drive(api.origin, tokens, own, seeded.shippingMethodId, WARM_UP_SECONDS)
    const uncontended = await drive(api.origin, tokens, own, seeded.shippingMethodId, DURATION_SECONDS)
    const contended = await drive(api.origin, tokens, hot, seeded.shippingMethodId, DURATION_SECONDS)
    const discounted = await drive(api.origin, tokens, own, seeded.shippingMethodId, DURATION_SECONDS, CODE)
    const listing = await load(`${api.origin}/api/v1/products?limit=20`)
    return { uncontended, contended, discounted, listing, ...await tallies(url) }
  } finally {
    await api.stop()
  }
}

/**
 * Units the orders hold, less the units taken from the variants' stock, and the code's uses less the orders
 * that used it: any other answer than 0 is an oversell, a lost sale, or a use miscounted.
 */
async function tallies (url: string): Promise<{ oversold: number, uncountedUses: number }> {
  const orm = await MikroORM.init(createOrmConfig({ clientUrl: url, poolMax: 1 }))
  try {
    const [row] = await orm.em.fork().execute<Array<{ difference: string, uses: string }>>(`
      select (select coalesce(sum(quantity), 0) from order_items) - (select coalesce(sum(${STOCK} - stock), 0) from variants) as difference,
             (select used_count from discounts where code = '${CODE}') - (select count(*) from orders where discount_code = '${CODE}') as uses`)
    return { oversold: Number(row?.difference ?? 0), uncountedUses: Number(row?.uses ?? 0) }
  } finally {
    await orm.close()
  }
}

export function checkoutVerdicts (result: CheckoutBenchmark): string[] {
  const verdicts: string[] = []
  const check = (ok: boolean, text: string): void => { verdicts.push(`${ok ? 'PASS' : 'FAIL'} ${text}`) }
  check(result.oversold === 0, `checkout: ${result.oversold} units oversold or lost (target 0)`)
  check(result.uncountedUses === 0, `checkout with a code: ${result.uncountedUses} uses miscounted (target 0)`)
  const errors = result.uncontended.errors + result.contended.errors + result.discounted.errors
  check(errors === 0, `checkout: ${errors} failed requests (target 0)`)
  check(result.uncontended.ordersPerSecond >= 150, `checkout, different products: ${result.uncontended.ordersPerSecond} orders/s (target ≥ 150)`)
  const ratio = result.contended.ordersPerSecond / Math.max(1, result.uncontended.ordersPerSecond)
  check(ratio >= 0.5, `checkout, one hot product: ${(ratio * 100).toFixed(0)}% of the uncontended throughput (target ≥ 50%)`)
  const shared = result.discounted.ordersPerSecond / Math.max(1, result.uncontended.ordersPerSecond)
  check(shared >= 0.5, `checkout, one shared code: ${(shared * 100).toFixed(0)}% of the uncontended throughput, with a request more per order (target ≥ 50%)`)
  return verdicts
}
