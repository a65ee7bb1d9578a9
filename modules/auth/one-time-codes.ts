import { createHmac, randomInt, timingSafeEqual } from 'node:crypto'
import type { EntityManager } from '@mikro-orm/postgresql'
import { OneTimeCode, type CodePurpose } from './one-time-code.entity.js'
import type { User } from './user.entity.js'
import { codeAttemptsExceeded, codeExpired, invalidCode } from './auth.errors.js'

export const CODE_TTL_SECONDS = 600
export const CODE_MAX_ATTEMPTS = 5

export interface CodeSettings {
  /** Keys the code hashes, so a database dump does not reveal live codes. */
  secret: string
  resendCooldownSeconds: number
}

function hashCode (settings: CodeSettings, purpose: CodePurpose, userId: string, code: string): string {
  return createHmac('sha256', settings.secret).update(`${purpose}:${userId}:${code}`).digest('hex')
}

/**
 * Creates a new 6-digit code for the user and purpose; earlier live codes of the same purpose die.
 * Flushes, so the caller can email the code once this returns.
 */
export async function issueCode (em: EntityManager, settings: CodeSettings, user: User, purpose: CodePurpose, newEmail: string | null = null): Promise<{ code: string, record: OneTimeCode }> {
  const code = randomInt(0, 1_000_000).toString().padStart(6, '0')
  await em.nativeUpdate(OneTimeCode, { user, purpose, consumedAt: null }, { consumedAt: new Date() })
  const record = em.create(OneTimeCode, {
    user,
    purpose,
    codeHash: hashCode(settings, purpose, user.id, code),
    expiresAt: new Date(Date.now() + CODE_TTL_SECONDS * 1000),
    newEmail
  })
  await em.flush()
  return { code, record }
}

/** Whether a new code of this purpose may be sent now (the previous one is older than the cooldown). */
export async function mayIssueCode (em: EntityManager, settings: CodeSettings, user: User, purpose: CodePurpose): Promise<boolean> {
  const latest = await em.findOne(OneTimeCode, { user, purpose }, { orderBy: { createdAt: 'desc' } })
  return latest === null || latest.createdAt.getTime() <= Date.now() - settings.resendCooldownSeconds * 1000
}

/**
 * Checks a code and consumes it. Wrong tries are counted atomically in the database, so no amount of
 * concurrency buys more than CODE_MAX_ATTEMPTS guesses, and a code is consumed at most once.
 */
export async function consumeCode (em: EntityManager, settings: CodeSettings, record: OneTimeCode | null, code: string): Promise<OneTimeCode> {
  if (record === null || record.consumedAt != null) throw invalidCode()
  if (record.attempts >= CODE_MAX_ATTEMPTS) throw codeAttemptsExceeded()
  if (record.expiresAt.getTime() <= Date.now()) throw codeExpired()
  const expected = Buffer.from(record.codeHash, 'hex')
  const actual = Buffer.from(hashCode(settings, record.purpose, record.user.id, code), 'hex')
  if (!timingSafeEqual(expected, actual)) {
    const counted = await em.execute<Array<{ attempts: number }>>(
      'update one_time_codes set attempts = attempts + 1 where id = ? and attempts < ? returning attempts',
      [record.id, CODE_MAX_ATTEMPTS])
    if (counted.length === 0) throw codeAttemptsExceeded()
    throw invalidCode()
  }
  const consumed = await em.execute<Array<{ id: string }>>(
    'update one_time_codes set consumed_at = now() where id = ? and consumed_at is null and attempts < ? returning id',
    [record.id, CODE_MAX_ATTEMPTS])
  if (consumed.length === 0) throw invalidCode()
  return record
}

/** The live code of this purpose for the user, if any. */
export async function findLiveCode (em: EntityManager, user: User, purpose: CodePurpose): Promise<OneTimeCode | null> {
  return await em.findOne(OneTimeCode, { user, purpose, consumedAt: null }, { orderBy: { createdAt: 'desc' } })
}
