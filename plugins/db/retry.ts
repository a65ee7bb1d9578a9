import { setTimeout as sleep } from 'node:timers/promises'
import { DeadlockException, OptimisticLockError } from '@mikro-orm/core'
import type { EntityManager } from '@mikro-orm/postgresql'
import { ProblemError } from '../problem.js'

/**
 * Thrown by a unit of work to ask for another attempt, typically when a conditional UPDATE
 * (`... where id = ? and version = ?`) changed no row because another transaction got there first.
 * When the attempts run out it reaches the client as a 409.
 */
export class ConflictRetry extends ProblemError {
  constructor (detail = 'The resource is being changed by other requests right now; try again.') {
    super(409, 'CONCURRENT_MODIFICATION', detail)
    this.name = 'ConflictRetry'
  }
}

/** Lost races worth another attempt: our signal, a stale version at flush, a deadlock or serialization failure. */
export function isConflict (error: unknown): boolean {
  return error instanceof ConflictRetry || error instanceof OptimisticLockError || error instanceof DeadlockException
}

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts?: number
  /** The first wait; each later one doubles, and every wait is a random part of it (full jitter). */
  baseDelayMs?: number
  maxDelayMs?: number
  /** Called before each retry, with the number of the attempt that failed: for logs and benchmarks. */
  onConflict?: (attempt: number, error: unknown) => void
}

/**
 * Runs `work` in a transaction on a fresh fork of `em`, again on a new fork after each conflict, a bounded
 * number of times with jittered exponential backoff. Each attempt starts from what the database holds
 * then, never from entities a failed attempt loaded. Other errors, and the last conflict, are thrown.
 */
export async function retryOnConflict<T> (em: EntityManager, work: (tx: EntityManager) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { attempts = 6, baseDelayMs = 5, maxDelayMs = 200, onConflict } = options
  for (let attempt = 1; ; attempt++) {
    try {
      return await em.fork().transactional(work)
    } catch (error) {
      if (!isConflict(error) || attempt >= attempts) throw error
      onConflict?.(attempt, error)
      await sleep(Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)))
    }
  }
}
