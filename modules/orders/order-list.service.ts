import type { EntityManager } from '@mikro-orm/postgresql'
import { sql } from 'kysely'
import type { Account } from '../../plugins/auth.js'
import { money } from '../../plugins/money.js'
import { decodeCursor, encodeCursor } from '../../plugins/pagination.js'
import { isUuid, type PageQuery } from '../../openapi/shared.schemas.js'
import type { OrderStatus } from './order.entity.js'
import type { AdminOrderPage, AdminOrderQuery, OrderPage, OrderSummary } from './order.schemas.js'

const beforeId = (position: Record<string, unknown>): string | undefined =>
  typeof position.before === 'string' && isUuid(position.before) ? position.before : undefined

interface SummaryRow {
  id: string
  number: string
  status: OrderStatus
  payment_status: OrderSummary['paymentStatus']
  payment_method: OrderSummary['paymentMethod']
  total: string
  currency: string
  item_count: string
  placed_at: Date
  customer_id: string
  customer_email: string
  customer_name: string
}

/** One page of orders, newest first (ids are UUIDv7: their order is the order of placing). */
async function findOrderSummaries (em: EntityManager, where: ReturnType<typeof sql<boolean>>, query: PageQuery): Promise<{ rows: SummaryRow[], nextCursor: string | null }> {
  const limit = query.limit ?? 20
  const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor, beforeId)
  const { rows } = await sql<SummaryRow>`
    select o.id, o.number::text as number, o.status, o.payment_status, o.payment_method, o.total::text as total, o.currency, o.placed_at,
           (select sum(i.quantity) from order_items i where i.order_id = o.id)::text as item_count,
           u.id as customer_id, u.email as customer_email, u.name as customer_name
      from orders o join users u on u.id = o.customer_id
     where ${where} ${before === undefined ? sql`` : sql`and o.id < ${before}::uuid`}
     order by o.id desc
     limit ${limit + 1}`.execute(em.getKysely())
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  return { rows: page, nextCursor: rows.length > limit && last !== undefined ? encodeCursor({ before: last.id }) : null }
}

function toSummary (row: SummaryRow): OrderSummary {
  return {
    id: row.id,
    number: row.number,
    status: row.status,
    paymentStatus: row.payment_status,
    paymentMethod: row.payment_method,
    total: money(row.currency, Number(row.total)),
    itemCount: Number(row.item_count),
    placedAt: new Date(row.placed_at).toISOString()
  }
}

export async function listOwnOrders (em: EntityManager, account: Account, query: PageQuery): Promise<OrderPage> {
  const { rows, nextCursor } = await findOrderSummaries(em, sql<boolean>`o.customer_id = ${account.id}`, query)
  return { items: rows.map(toSummary), nextCursor }
}

export async function listOrders (em: EntityManager, query: AdminOrderQuery): Promise<AdminOrderPage> {
  const conditions = [sql<boolean>`true`]
  if (query.status !== undefined) conditions.push(sql<boolean>`o.status = ${query.status}`)
  if (query.paymentStatus !== undefined) conditions.push(sql<boolean>`o.payment_status = ${query.paymentStatus}`)
  if (query.customerId !== undefined) conditions.push(sql<boolean>`o.customer_id = ${query.customerId}`)
  if (query.number !== undefined) conditions.push(sql<boolean>`o.number = ${query.number}::bigint`)
  if (query.placedFrom !== undefined) conditions.push(sql<boolean>`o.placed_at >= ${query.placedFrom}::timestamptz`)
  if (query.placedTo !== undefined) conditions.push(sql<boolean>`o.placed_at < ${query.placedTo}::timestamptz`)
  const { rows, nextCursor } = await findOrderSummaries(em, sql.join(conditions, sql` and `) as ReturnType<typeof sql<boolean>>, query)
  return {
    items: rows.map((row) => ({ ...toSummary(row), customer: { id: row.customer_id, email: row.customer_email, name: row.customer_name } })),
    nextCursor
  }
}
