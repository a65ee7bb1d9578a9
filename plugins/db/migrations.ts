import type { MikroORM } from '@mikro-orm/postgresql'

/** Arbitrary but fixed: every instance of this app contends for the same lock. */
const MIGRATION_LOCK_KEY = 7_310_454_221

/**
 * Applies pending migrations inside one transaction that first takes a transaction-scoped advisory lock,
 * so instances starting together apply each migration exactly once; the others wait, then find nothing to do.
 */
export async function migrateUnderLock (orm: MikroORM): Promise<string[]> {
  return await orm.em.fork().transactional(async (em) => {
    await em.execute('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK_KEY])
    const applied = await orm.migrator.up({ transaction: em.getTransactionContext() })
    return applied.map((migration) => migration.name)
  })
}
