import type { EntityManager } from '@mikro-orm/postgresql'
import { sql } from 'kysely'

/**
 * Whether the customer has received the product: an order of theirs that was delivered (`delivered_at` set, so
 * also when it was returned afterwards) has a line of it.
 */
export async function hasReceivedProduct (em: EntityManager, customerId: string, productId: string): Promise<boolean> {
  const { rows } = await sql<{ received: boolean }>`
    select exists (
      select 1 from orders o join order_items i on i.order_id = o.id
       where o.customer_id = ${customerId} and o.delivered_at is not null and i.product_id = ${productId}
    ) as received`.execute(em.getKysely())
  return rows[0]?.received === true
}
