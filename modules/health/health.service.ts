import type { EntityManager } from '@mikro-orm/postgresql'
import { ProblemError } from '../../plugins/problem.js'

const DATABASE_CHECK_TIMEOUT_MS = 2000

/** Throws 503 SERVICE_UNAVAILABLE unless the database answers a trivial query in time. */
export async function checkDatabase (em: EntityManager): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((resolve, reject) => {
    timer = setTimeout(() => { reject(new Error('database check timed out')) }, DATABASE_CHECK_TIMEOUT_MS)
  })
  try {
    await Promise.race([em.execute('SELECT 1'), timeout])
  } catch {
    throw new ProblemError(503, 'SERVICE_UNAVAILABLE', 'The database is not reachable.')
  } finally {
    clearTimeout(timer)
  }
}
