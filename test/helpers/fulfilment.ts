import type { FastifyInstance } from 'fastify'
import type { components } from '../../openapi/schema.js'
import { createAccount } from '../../modules/auth/account.service.js'
import { hashPassword } from '../../modules/auth/passwords.js'
import { startSession } from '../../modules/auth/session.service.js'
import type { ApiClient } from './client.js'
import { bearer, PASSWORD, uniqueEmail } from './identity.js'
import type { Order, ShopHarness } from './shop.js'

/** Moving orders along the status machine and reading stock histories, for the order and inventory tests. */

export type AdminOrder = components['schemas']['AdminOrder']
export type OrderStatus = Order['status']
export type StockAdjustment = components['schemas']['StockAdjustment']

export interface StaffMember {
  id: string
  headers: { authorization: string }
}

/**
 * A signed-in moderator, made through the account and session services (test/staff proves the emailed
 * temporary password and the first password change; here only the role matters).
 */
export async function createModerator (harness: { app: FastifyInstance }): Promise<StaffMember> {
  const { app } = harness
  const em = app.orm.em.fork()
  const user = await createAccount(em, { email: uniqueEmail('moderator'), name: 'Mo Derator', role: 'MODERATOR', passwordHash: await hashPassword(PASSWORD), emailVerified: true })
  await em.flush()
  const settings = { accessTokenTtlSeconds: app.config.ACCESS_TOKEN_TTL_SECONDS, refreshTokenTtlDays: app.config.REFRESH_TOKEN_TTL_DAYS, signAccessToken: (claims: object) => app.jwt.sign(claims) }
  return { id: user.id, headers: bearer(await startSession(em, settings, user)) }
}

/** The shop's first admin, as the harness signed them in, with their account id. */
export async function adminOf (harness: ShopHarness): Promise<StaffMember> {
  const { data, error } = await harness.api.GET('/api/v1/me', { headers: harness.staff })
  if (data === undefined) throw new Error(`reading the admin failed: ${JSON.stringify(error)}`)
  return { id: data.id, headers: harness.staff }
}

/** `PATCH /admin/orders/{id}` that must succeed: the order as staff see it afterwards. */
export async function moveOrder (harness: ShopHarness, id: string, status: OrderStatus, headers: Record<string, string> = harness.staff, api: ApiClient = harness.api): Promise<AdminOrder> {
  const { data, error } = await api.PATCH('/api/v1/admin/orders/{id}', { headers, params: { path: { id } }, body: { status } })
  if (data === undefined) throw new Error(`moving ${id} to ${status} failed: ${JSON.stringify(error)}`)
  return data
}

export type Shipment = components['schemas']['Shipment']

/** `POST /admin/orders/{id}/shipments` that must succeed: a `manual` parcel of the given units (every unit not yet shipped by default). */
export async function shipItems (harness: ShopHarness, id: string, items?: Array<{ orderItemId: string, quantity: number }>, headers: Record<string, string> = harness.staff, extra: { service?: string, trackingNumber?: string, trackingUrl?: string, note?: string } = {}): Promise<Shipment> {
  let parcel = items
  if (parcel === undefined) {
    const { data } = await harness.api.GET('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id } } })
    if (data === undefined) throw new Error(`reading order ${id} failed`)
    const shipped = new Map<string, number>()
    for (const shipment of data.order.shipments) for (const item of shipment.items) shipped.set(item.orderItemId, (shipped.get(item.orderItemId) ?? 0) + item.quantity)
    parcel = data.order.items.map((item) => ({ orderItemId: item.id, quantity: item.quantity - (shipped.get(item.id) ?? 0) })).filter((item) => item.quantity > 0)
  }
  const { data, error } = await harness.api.POST('/api/v1/admin/orders/{id}/shipments', { headers, params: { path: { id } }, body: { carrier: 'manual', items: parcel, ...extra } })
  if (data === undefined) throw new Error(`shipping ${id} failed: ${JSON.stringify(error)}`)
  return data
}

/** Ships every unit of a confirmed order in one `manual` parcel: the order is `SHIPPED` afterwards. */
export async function shipOrder (harness: ShopHarness, id: string, headers: Record<string, string> = harness.staff, note?: string): Promise<Shipment> {
  return await shipItems(harness, id, undefined, headers, note === undefined ? {} : { note })
}

/** `PATCH /admin/shipments/{id}` marking the parcel delivered. */
export async function markDelivered (harness: ShopHarness, shipmentId: string, headers: Record<string, string> = harness.staff): Promise<Shipment> {
  const { data, error } = await harness.api.PATCH('/api/v1/admin/shipments/{id}', { headers, params: { path: { id: shipmentId } }, body: { status: 'DELIVERED' } })
  if (data === undefined) throw new Error(`delivering ${shipmentId} failed: ${JSON.stringify(error)}`)
  return data
}

/** Records the cash collected for a shipped cash-on-delivery order (its total). */
export async function collectCash (harness: ShopHarness, id: string, headers: Record<string, string> = harness.staff): Promise<void> {
  const { data: order } = await harness.api.GET('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id } } })
  if (order === undefined) throw new Error(`reading order ${id} failed`)
  const { error } = await harness.api.POST('/api/v1/admin/orders/{id}/cod-payment', { headers: { ...headers, 'idempotency-key': `cash-${id}` }, params: { path: { id } }, body: { amount: order.order.total } })
  if (error !== undefined) throw new Error(`recording the cash of ${id} failed: ${JSON.stringify(error)}`)
}

/** Confirms, ships (one manual parcel) and delivers the order, as the admin; with `paid`, the cash is collected at the door too. */
export async function deliverOrder (harness: ShopHarness, id: string, options: { paid?: boolean } = {}): Promise<AdminOrder> {
  await moveOrder(harness, id, 'CONFIRMED')
  const shipment = await shipOrder(harness, id)
  if (options.paid === true) await collectCash(harness, id)
  await markDelivered(harness, shipment.id)
  const { data } = await harness.api.GET('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id } } })
  if (data === undefined) throw new Error(`reading order ${id} failed`)
  return data
}

/** The variant's whole stock history as staff list it, newest first, across pages of `limit`. */
export async function stockHistory (harness: ShopHarness, variantId: string, limit = 100): Promise<StockAdjustment[]> {
  const items: StockAdjustment[] = []
  let cursor: string | undefined
  for (let page = 0; page < 100; page++) {
    const { data, error } = await harness.api.GET('/api/v1/admin/variants/{id}/stock-adjustments', { headers: harness.staff, params: { path: { id: variantId }, query: { limit, ...(cursor === undefined ? {} : { cursor }) } } })
    if (data === undefined) throw new Error(`listing stock adjustments failed: ${JSON.stringify(error)}`)
    if (data.items.length > limit) throw new Error(`a page of ${data.items.length} for a limit of ${limit}`)
    items.push(...data.items)
    if (data.nextCursor === null) return items
    cursor = data.nextCursor
  }
  throw new Error('the cursor does not move on')
}

/** The entries of a stock history that orders made (checkouts, cancellations, returns), newest first. */
export function orderEntries (history: StockAdjustment[]): StockAdjustment[] {
  return history.filter((entry) => entry.orderId !== null)
}

/** Whether `at` (an ISO instant) lies between two instants taken around a request, to the millisecond. */
export function between (at: string, from: number, to: number): boolean {
  const instant = Date.parse(at)
  return instant >= from && instant <= to
}
