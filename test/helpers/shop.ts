import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import type { components } from '../../openapi/schema.js'
import { createAccount } from '../../modules/auth/account.service.js'
import { hashPassword } from '../../modules/auth/passwords.js'
import { startSession } from '../../modules/auth/session.service.js'
import { build, type Env } from './build.js'
import { buildCatalog, createProduct, usd, type AdminProduct, type CatalogHarness } from './catalog.js'
import { injectClient, type ApiClient } from './client.js'
import { bearer, PASSWORD, uniqueEmail } from './identity.js'

export type Cart = components['schemas']['Cart']
export type Order = components['schemas']['Order']
export type ShippingMethod = components['schemas']['ShippingMethod']
export type CheckoutRequest = components['schemas']['CheckoutRequest']

export interface Customer {
  id: string
  email: string
  headers: { authorization: string }
}

export interface ShopHarness extends CatalogHarness {
  /** A shipping method serving US, GB and DE: 499, free from 10,000. */
  shipping: ShippingMethod
}

/** A catalog with an admin and one shipping method, ready to sell. */
export async function buildShop (t: Test, env: Env = {}): Promise<ShopHarness> {
  const harness = await buildCatalog(t, env)
  const shipping = await createShippingMethod(harness, { name: 'Standard', price: usd(499), freeAbove: usd(10_000), countries: ['US', 'GB', 'DE'], estimatedDays: { min: 2, max: 5 } })
  return { ...harness, shipping }
}

/** Another instance of the same app on the same database, as a second server behind a load balancer would be. */
export async function secondInstance (t: Test, harness: { app: FastifyInstance }, env: Env = {}): Promise<{ app: FastifyInstance, api: ApiClient }> {
  const app = await build(t, { DATABASE_URL: harness.app.config.DATABASE_URL ?? '', ...env })
  return { app, api: injectClient(app) }
}

export async function createShippingMethod (harness: CatalogHarness, body: components['schemas']['CreateShippingMethodRequest']): Promise<ShippingMethod> {
  const { data, error } = await harness.api.POST('/api/v1/admin/shipping-methods', { headers: harness.staff, body })
  if (data === undefined) throw new Error(`creating shipping method failed: ${JSON.stringify(error)}`)
  return data
}

/**
 * Verified customers with signed-in sessions, made through the account and session services with one
 * password hash for all (hashing is deliberately slow, and 200 sign-ups would be most of a test's time).
 */
export async function createCustomers (harness: { app: FastifyInstance }, count: number): Promise<Customer[]> {
  const { app } = harness
  const em = app.orm.em.fork()
  const passwordHash = await hashPassword(PASSWORD)
  const users = []
  for (let index = 0; index < count; index++) users.push(await createAccount(em, { email: uniqueEmail(), name: 'Test Customer', role: 'CUSTOMER', passwordHash, emailVerified: true }))
  await em.flush()
  const settings = { accessTokenTtlSeconds: app.config.ACCESS_TOKEN_TTL_SECONDS, refreshTokenTtlDays: app.config.REFRESH_TOKEN_TTL_DAYS, signAccessToken: (claims: object) => app.jwt.sign(claims) }
  const customers: Customer[] = []
  for (const user of users) customers.push({ id: user.id, email: user.email, headers: bearer(await startSession(em, settings, user)) })
  return customers
}

export async function createCustomer (harness: { app: FastifyInstance }): Promise<Customer> {
  const [customer] = await createCustomers(harness, 1)
  if (customer === undefined) throw new Error('no customer made')
  return customer
}

/** An ACTIVE product with one variant; `variantId` is that variant's id. */
export async function sellable (harness: CatalogHarness, price = 2500, stock = 10, name = 'Walnut Stool'): Promise<AdminProduct & { variantId: string }> {
  const product = await createProduct(harness, { name, price, stock })
  const variantId = product.variants[0]?.id
  if (variantId === undefined) throw new Error('the product has no variant')
  return { ...product, variantId }
}

export function idempotencyKey (): string {
  return randomUUID()
}

export async function addToCart (api: ApiClient, headers: Record<string, string>, variantId: string, quantity = 1): Promise<Cart> {
  const { data, error } = await api.POST('/api/v1/cart/items', { headers, body: { variantId, quantity } })
  if (data === undefined) throw new Error(`adding to the cart failed: ${JSON.stringify(error)}`)
  return data
}

export const US_ADDRESS = { fullName: 'Ada Lovelace', line1: '1 Analytical Way', city: 'Springfield', postalCode: '12345', country: 'US' } as const

/** The checkout body for the customer's cart as it is now, to the US address, with the total the cart answers. */
export async function checkoutBody (harness: ShopHarness, customer: Customer, api: ApiClient = harness.api): Promise<CheckoutRequest> {
  const { data, error } = await api.GET('/api/v1/cart/shipping-methods', { headers: customer.headers, params: { query: { country: 'US' } } })
  const method = data?.items.find((item) => item.id === harness.shipping.id)
  if (method === undefined) throw new Error(`no shipping quote: ${JSON.stringify(error)}`)
  return { address: US_ADDRESS, shippingMethodId: harness.shipping.id, paymentMethod: 'COD', expectedTotal: method.total }
}

/** Adds `quantity` of the variant to the customer's cart and checks out: the order. */
export async function placeOrder (harness: ShopHarness, customer: Customer, variantId: string, quantity = 1): Promise<Order> {
  await addToCart(harness.api, customer.headers, variantId, quantity)
  const { data, error } = await harness.api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body: await checkoutBody(harness, customer) })
  if (data === undefined) throw new Error(`checkout failed: ${JSON.stringify(error)}`)
  return data
}

/** The variant's stock as the database has it. */
export async function stockOf (harness: { app: FastifyInstance }, variantId: string): Promise<number> {
  const [row] = await harness.app.orm.em.fork().execute<Array<{ stock: number }>>('select stock from variants where id = ?', [variantId])
  if (row === undefined) throw new Error(`no variant ${variantId}`)
  return row.stock
}
