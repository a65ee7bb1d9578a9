import { timingSafeEqual, createHash } from 'node:crypto'
import type { EntityManager } from '@mikro-orm/postgresql'
import { STAFF_ROLES, type Account } from '../../plugins/auth.js'
import { invalidField } from '../../plugins/problem.js'
import { User, type StaffRole } from '../auth/user.entity.js'
import type { AuthServices } from '../auth/auth.service.js'
import { emailTaken } from '../auth/auth.errors.js'
import { staffCredentialsEmail } from '../auth/auth.emails.js'
import { assertAcceptablePassword, generateTemporaryPassword, hashPassword, normalizeEmail } from '../auth/passwords.js'
import { revokeAllSessions } from '../auth/sessions.js'
import { findPage } from '../common/pagination.js'
import type { PageQuery } from '../common/common.schemas.js'
import { bootstrapClosed, bootstrapTokenInvalid, cannotChangeOwnAccess, lastAdmin } from './staff.errors.js'
import type { CreateStaffRequest, Staff, UpdateStaffRequest } from './staff.schemas.js'

export function toStaff (user: User): Staff {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role as StaffRole,
    status: user.disabledAt == null ? 'ACTIVE' : 'DISABLED',
    mustChangePassword: user.mustChangePassword,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString()
  }
}

function sameSecret (presented: string | undefined, expected: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest()
  return presented !== undefined && timingSafeEqual(digest(presented), digest(expected))
}

/** Serialises everything that decides whether the shop has an admin: the bootstrap and admin changes. */
async function lockAdminRoster (tx: EntityManager): Promise<void> {
  await tx.execute("select pg_advisory_xact_lock(hashtext('commerce-api:admin-roster'))")
}

/** The bootstrap is open only while no staff account has ever been created. */
async function bootstrapIsOpen (em: EntityManager): Promise<boolean> {
  return await em.count(User, { role: { $in: [...STAFF_ROLES] } }) === 0
}

/**
 * Creates the very first admin of an empty shop. The check and the insert run under one transaction-scoped
 * advisory lock, so however many requests (on however many instances) race, exactly one admin is created.
 * A closed bootstrap answers before any input is checked or any password hashed.
 */
export async function bootstrapFirstAdmin (em: EntityManager, input: CreateStaffRequest, token: { expected?: string, presented?: string }): Promise<Staff> {
  if (token.expected !== undefined && !sameSecret(token.presented, token.expected)) throw bootstrapTokenInvalid()
  if (!await bootstrapIsOpen(em)) throw bootstrapClosed()
  if (input.role !== 'ADMIN') throw invalidField('/body/role', 'must be ADMIN for the first staff account')
  if (input.password === undefined) throw invalidField('/body/password', 'is required for the first admin')
  assertAcceptablePassword(input.password, '/body/password')
  const email = normalizeEmail(input.email)
  const passwordHash = await hashPassword(input.password)
  const admin = await em.transactional(async (tx) => {
    await lockAdminRoster(tx)
    if (!await bootstrapIsOpen(tx)) throw bootstrapClosed()
    if (await tx.count(User, { email }) > 0) throw emailTaken()
    return tx.create(User, { email, name: input.name.trim(), passwordHash, role: 'ADMIN', emailVerifiedAt: new Date() })
  })
  return toStaff(admin)
}

/** An admin creates staff: the account gets a generated temporary password, sent to its email. */
export async function createStaffAccount (em: EntityManager, services: AuthServices, input: CreateStaffRequest): Promise<Staff> {
  if (input.password !== undefined) throw invalidField('/body/password', 'must not be sent: a temporary password is generated and emailed to the new account')
  const email = normalizeEmail(input.email)
  if (await em.count(User, { email }) > 0) throw emailTaken()
  const temporaryPassword = generateTemporaryPassword()
  const user = em.create(User, { email, name: input.name.trim(), passwordHash: await hashPassword(temporaryPassword), role: input.role, mustChangePassword: true })
  await em.flush()
  await services.mailer.send(staffCredentialsEmail(user.email, user.name, user.role, temporaryPassword))
  return toStaff(user)
}

export async function listStaff (em: EntityManager, query: PageQuery): Promise<{ items: Staff[], nextCursor: string | null }> {
  return await findPage(em, User, { role: { $in: [...STAFF_ROLES] } }, query, toStaff)
}

/**
 * Renames, changes the role of, disables or re-enables a staff account. Under the roster lock, a change
 * that would leave the shop without an active admin is refused, whoever asks.
 */
export async function updateStaff (em: EntityManager, caller: Account, id: string, input: UpdateStaffRequest): Promise<Staff> {
  const user = await em.transactional(async (tx) => {
    await lockAdminRoster(tx)
    const found = await tx.findOneOrFail(User, { id, role: { $in: [...STAFF_ROLES] } }, { refresh: true })
    const removesAdmin = found.role === 'ADMIN' && found.disabledAt == null && (input.status === 'DISABLED' || (input.role !== undefined && input.role !== 'ADMIN'))
    if (removesAdmin && found.id === caller.id) throw cannotChangeOwnAccess()
    if (removesAdmin && await tx.count(User, { role: 'ADMIN', disabledAt: null, id: { $ne: found.id } }) === 0) throw lastAdmin()
    if (input.name !== undefined) found.name = input.name.trim()
    if (input.role !== undefined) found.role = input.role
    if (input.status === 'DISABLED' && found.disabledAt == null) {
      found.disabledAt = new Date()
      await revokeAllSessions(tx, found.id)
    }
    if (input.status === 'ACTIVE') found.disabledAt = null
    return found
  })
  return toStaff(user)
}
