import type { EntityManager } from '@mikro-orm/postgresql'
import { sql } from 'kysely'

export interface SavedRow {
  product_id: string
  /** A Date or its text, as the driver hands timestamps over. */
  created_at: Date | string
  id: string
  /** `created_at` to the microsecond, as the cursor carries it (a Date keeps milliseconds only). */
  position_at: string
}

/** Where the previous page ended: the last item's instant (ISO 8601 to the microsecond) and id, the order's keys. */
export interface SavedPosition {
  at: string
  id: string
}

/** What `position_at` looks like, for reading it back from a cursor. */
export const POSITION_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/

/**
 * One page of a customer's saved products, newest first (one row more than asked, to tell whether another
 * page follows), read along `wishlist_items_newest` and stopping after the page. Drafts are skipped here,
 * not deleted: they are back in the list once they are active again.
 */
export async function findSavedPage (em: EntityManager, customerId: string, after: SavedPosition | undefined, take: number): Promise<SavedRow[]> {
  const resume = after === undefined ? sql`true` : sql`(w.created_at, w.id) < (${after.at}::timestamptz, ${after.id}::uuid)`
  const { rows } = await sql<SavedRow>`
    select w.product_id, w.created_at, w.id,
           to_char(w.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as position_at
      from wishlist_items w
      join products p on p.id = w.product_id
     where w.customer_id = ${customerId} and p.status <> 'DRAFT' and ${resume}
     order by w.created_at desc, w.id desc
     limit ${take}`.execute(em.getKysely())
  return rows
}
