import { randomBytes } from 'node:crypto'
import argon2 from 'argon2'
import { isCommonPassword } from './common-passwords.js'
import type { EntityManager } from '@mikro-orm/postgresql'
import { invalidField } from '../../plugins/problem.js'
import { User } from './user.entity.js'
import { accountDisabled, invalidCredentials } from './auth.errors.js'

export async function hashPassword (password: string): Promise<string> {
  return await argon2.hash(password, { type: argon2.argon2id })
}

let dummyHash: Promise<string> | undefined

/**
 * Verifies a password against a stored hash; with no hash (unknown account) it verifies against a dummy
 * one, so a wrong email costs the same time as a wrong password.
 */
export async function verifyPassword (hash: string | undefined, password: string): Promise<boolean> {
  if (hash === undefined) {
    dummyHash ??= hashPassword(randomBytes(16).toString('hex'))
    await argon2.verify(await dummyHash, password)
    return false
  }
  return await argon2.verify(hash, password)
}

/** Length is checked by the schema; this refuses the passwords everyone tries first. */
export function assertAcceptablePassword (password: string, pointer: string): void {
  if (isCommonPassword(password)) throw invalidField(pointer, 'is one of the most commonly used passwords; choose another')
}

/** A temporary password for a new staff account: 20 characters of base64url randomness. */
export function generateTemporaryPassword (): string {
  return randomBytes(15).toString('base64url')
}

/**
 * Trims and lower-cases an email address. Lower-casing can lengthen a string (`İ` becomes two code
 * points), so the stored length is checked again here.
 */
export function normalizeEmail (email: string, pointer = '/body/email'): string {
  const normalized = email.trim().toLowerCase()
  if (normalized.length > 254) throw invalidField(pointer, 'must NOT have more than 254 characters')
  return normalized
}

/**
 * Checks email and password the same way for every outcome, so timing does not reveal which was wrong:
 * the account, enabled, or INVALID_CREDENTIALS.
 */
export async function authenticate (em: EntityManager, email: string, password: string): Promise<User> {
  const user = await em.findOne(User, { email: normalizeEmail(email) })
  const matches = await verifyPassword(user?.passwordHash, password)
  if (user === null || !matches) throw invalidCredentials()
  if (user.disabledAt != null) throw accountDisabled()
  return user
}
