import { createHmac, randomInt, timingSafeEqual } from 'node:crypto'
import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql'
import { OneTimeCode, type CodePurpose } from './one-time-code.entity.js'
import type { User } from './user.entity.js'
import type { ProblemError } from '../../plugins/problem.js'
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

type CodeState = 'missing' | 'used' | 'dead' | 'expired' | 'live'

function stateOf (record: OneTimeCode | null): CodeState {
  if (record === null) return 'missing'
  if (record.consumedAt != null) return 'used'
  if (record.attempts >= CODE_MAX_ATTEMPTS) return 'dead'
  if (record.expiresAt.getTime() <= Date.now()) return 'expired'
  return 'live'
}

const FAILURES: Record<Exclude<CodeState, 'live'>, () => ProblemError> = {
  missing: invalidCode,
  used: invalidCode,
  dead: codeAttemptsExceeded,
  expired: codeExpired
}

/**
 * Checks a code and consumes it. Wrong tries are counted atomically in the database, so no amount of
 * concurrency buys more than CODE_MAX_ATTEMPTS guesses, and a code is consumed at most once.
 * `uniform` answers every failure with INVALID_CODE, and does the same work (one hash, one counting query)
 * whether or not there was a code to check: for routes that name an account by email, where anything else
 * would tell whether it exists.
 */
export async function consumeCode (em: EntityManager, settings: CodeSettings, record: OneTimeCode | null, code: string, options: { uniform?: boolean } = {}): Promise<OneTimeCode> {
  const uniform = options.uniform === true
  const state = stateOf(record)
  const expected = Buffer.from(record?.codeHash ?? NO_CODE_HASH, 'hex')
  const actual = Buffer.from(hashCode(settings, record?.purpose ?? 'VERIFY_EMAIL', record?.user.id ?? NO_ACCOUNT, code), 'hex')
  const matches = timingSafeEqual(expected, actual)
  if (record !== null && state === 'live' && matches) {
    const consumed = await em.execute<Array<{ id: string }>>(
      'update one_time_codes set consumed_at = now() where id = ? and consumed_at is null and attempts < ? returning id',
      [record.id, CODE_MAX_ATTEMPTS])
    // A concurrent request with the same code consumed it first.
    if (consumed.length === 0) throw invalidCode()
    return record
  }
  if (state !== 'live' && !uniform) throw FAILURES[state]()
  const counted = await em.execute<Array<{ attempts: number }>>(
    'update one_time_codes set attempts = attempts + 1 where id = ? and consumed_at is null and attempts < ? returning attempts',
    [record?.id ?? NO_ACCOUNT, CODE_MAX_ATTEMPTS])
  // Concurrent wrong tries used up the last attempts first.
  if (counted.length === 0 && !uniform && state === 'live') throw codeAttemptsExceeded()
  throw invalidCode()
}

/** Stand-ins that let a missing code cost the same hash and query as a wrong one. */
const NO_ACCOUNT = '00000000-0000-0000-0000-000000000000'
const NO_CODE_HASH = '0'.repeat(64)

/**
 * The live code of this purpose sent to the account with this email, in one query whether or not the
 * account exists. `account` narrows which accounts qualify (unverified customers, say).
 */
export async function findEmailedCode (em: EntityManager, email: string, purpose: CodePurpose, account: FilterQuery<User> = {}): Promise<OneTimeCode | null> {
  return await em.findOne(OneTimeCode, { user: { ...account as object, email }, purpose, consumedAt: null }, { orderBy: { createdAt: 'desc' }, populate: ['user'] })
}

/** The live code of this purpose for the user, if any. */
export async function findLiveCode (em: EntityManager, user: User, purpose: CodePurpose): Promise<OneTimeCode | null> {
  return await em.findOne(OneTimeCode, { user, purpose, consumedAt: null }, { orderBy: { createdAt: 'desc' } })
}
