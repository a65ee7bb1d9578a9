import type { EntityManager } from '@mikro-orm/postgresql'
import { OneTimeCode } from './one-time-code.entity.js'
import { Session } from './session.entity.js'

/** How long dead credentials are kept for investigating abuse before they are deleted. */
const RETENTION_DAYS = 30

/** Deletes one-time codes and sessions that expired or were revoked more than RETENTION_DAYS ago. */
export async function purgeDeadCredentials (em: EntityManager, now = new Date()): Promise<{ codes: number, sessions: number }> {
  const before = new Date(now.getTime() - RETENTION_DAYS * 86_400_000)
  const codes = await em.nativeDelete(OneTimeCode, { expiresAt: { $lt: before } })
  const sessions = await em.nativeDelete(Session, { $or: [{ expiresAt: { $lt: before } }, { revokedAt: { $lt: before } }] })
  return { codes, sessions }
}
