import type { EntityManager } from '@mikro-orm/postgresql'
import { sql } from 'kysely'

/**
 * Locks rows that are about to change (but not their keys) until the transaction ends, in id order, and
 * returns the ids found. `FOR NO KEY UPDATE`, unlike MikroORM's `FOR UPDATE`, does not wait for
 * transactions that merely reference the rows: inserting an order item takes a key-share lock on its
 * variant and product, and with `FOR UPDATE` a checkout and a stock change could each hold what the other
 * waits for. Writers of the same rows still queue one after the other.
 */
export async function lockRowsForChange (tx: EntityManager, table: 'products' | 'variants' | 'orders', ids: string[]): Promise<string[]> {
  if (ids.length === 0) return []
  const { rows } = await sql<{ id: string }>`select id from ${sql.table(table)} where id = any(${[...ids].sort()}::uuid[]) order by id for no key update`.execute(tx.getKysely())
  return rows.map((row) => row.id)
}
