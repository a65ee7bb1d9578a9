import type { EntityManager } from '@mikro-orm/postgresql'

/**
 * Transaction-scoped PostgreSQL advisory locks, named: every instance on the database contends for the same
 * lock, which is released when the transaction ends, however it ends.
 */

/** Waits for the lock. */
export async function lockForTransaction (tx: EntityManager, name: string): Promise<void> {
  await tx.execute('select pg_advisory_xact_lock(hashtext(?))', [`commerce-api:${name}`])
}

/** Takes the lock if nobody holds it: false when another transaction does. */
export async function tryLockForTransaction (tx: EntityManager, name: string): Promise<boolean> {
  const [row] = await tx.execute<Array<{ locked: boolean }>>('select pg_try_advisory_xact_lock(hashtext(?)) as locked', [`commerce-api:${name}`])
  return row?.locked === true
}
