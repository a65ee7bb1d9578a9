import type { MikroORM } from '@mikro-orm/postgresql'
import { lockForTransaction } from './advisory-lock.js'

/**
 * Applies pending migrations inside one transaction that first takes a transaction-scoped advisory lock,
 * so instances starting together apply each migration exactly once; the others wait, then find nothing to do.
 */
export async function migrateUnderLock (orm: MikroORM): Promise<string[]> {
  return await orm.em.fork().transactional(async (em) => {
    await lockForTransaction(em, 'migrations')
    const applied = await orm.migrator.up({ transaction: em.getTransactionContext() })
    return applied.map((migration) => migration.name)
  })
}
