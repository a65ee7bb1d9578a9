import { timingSafeEqual, createHash } from 'node:crypto'
import type { EntityManager } from '@mikro-orm/postgresql'
import type { Account } from '../../plugins/auth.js'
import type { Mailer } from '../../plugins/mail.js'
import { invalidField } from '../../plugins/problem.js'
import { lockForTransaction } from '../../plugins/db/advisory-lock.js'
import { findPage } from '../../plugins/pagination.js'
import { assertIfMatch, type Versioned } from '../../plugins/resource-headers.js'
import type { Page, PageQuery } from '../../openapi/shared.schemas.js'
import { User, STAFF_ROLES, type StaffRole } from '../auth/user.entity.js'
import { createAccount, createStaffAccount as createStaffAccountWithTemporaryPassword, hashChosenPassword } from '../auth/account.service.js'
import { revokeAllSessions } from '../auth/session.service.js'
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

function versioned (user: User): Versioned<Staff> {
  return { resource: toStaff(user), version: user.version }
}

function sameSecret (presented: string | undefined, expected: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest()
  return presented !== undefined && timingSafeEqual(digest(presented), digest(expected))
}

/** Serialises everything that decides whether the shop has an admin: the bootstrap and admin changes. */
async function lockAdminRoster (tx: EntityManager): Promise<void> {
  await lockForTransaction(tx, 'admin-roster')
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
export async function bootstrapFirstAdmin (em: EntityManager, input: CreateStaffRequest, token: { expected?: string, presented?: string }): Promise<Versioned<Staff>> {
  if (token.expected !== undefined && !sameSecret(token.presented, token.expected)) throw bootstrapTokenInvalid()
  if (!await bootstrapIsOpen(em)) throw bootstrapClosed()
  if (input.role !== 'ADMIN') throw invalidField('/body/role', 'must be ADMIN for the first staff account')
  if (input.password === undefined) throw invalidField('/body/password', 'is required for the first admin')
  const passwordHash = await hashChosenPassword(input.password, '/body/password')
  const admin = await em.transactional(async (tx) => {
    await lockAdminRoster(tx)
    if (!await bootstrapIsOpen(tx)) throw bootstrapClosed()
    return await createAccount(tx, { email: input.email, name: input.name, role: 'ADMIN', passwordHash, emailVerified: true })
  })
  return versioned(admin)
}

/** An admin creates staff: the account gets a generated temporary password, sent to its email. */
export async function createStaffAccount (em: EntityManager, mailer: Mailer, input: CreateStaffRequest): Promise<Versioned<Staff>> {
  if (input.password !== undefined) throw invalidField('/body/password', 'must not be sent: a temporary password is generated and emailed to the new account')
  return versioned(await createStaffAccountWithTemporaryPassword(em, mailer, input))
}

export async function listStaff (em: EntityManager, query: PageQuery): Promise<Page<Staff>> {
  return await findPage(em, User, { role: { $in: [...STAFF_ROLES] } }, query, toStaff)
}

/**
 * Renames, changes the role of, disables or re-enables a staff account; with `If-Match`, only if it is
 * still the version the caller saw. Under the roster lock, a change that would leave the shop without an
 * active admin is refused, whoever asks.
 */
export async function updateStaff (em: EntityManager, caller: Account, id: string, input: UpdateStaffRequest, ifMatch?: string): Promise<Versioned<Staff>> {
  const user = await em.transactional(async (tx) => {
    await lockAdminRoster(tx)
    const found = await tx.findOneOrFail(User, { id, role: { $in: [...STAFF_ROLES] } }, { refresh: true })
    assertIfMatch(ifMatch, found.version)
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
  return versioned(user)
}
