import { defineEntity, LockMode, p, type EntityManager } from '@mikro-orm/core'
import { entityProperties } from '../../plugins/db/entity-properties.js'

/** The shop's roles: customers, and the staff who run the shop. */
export const ROLES = ['CUSTOMER', 'ADMIN', 'MODERATOR'] as const
export const STAFF_ROLES = ['ADMIN', 'MODERATOR'] as const
export type Role = typeof ROLES[number]
export type StaffRole = typeof STAFF_ROLES[number]

declare module '../../plugins/auth.js' {
  // The roles the auth plugin accepts in tokens and in routes' `config.access`.
  interface AccessRoles extends Record<Role, true> {}
}

export function isStaffRole (role: Role): role is StaffRole {
  return role !== 'CUSTOMER'
}

export const UserSchema = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    ...entityProperties,
    /** Normalised: trimmed and lower-cased, so uniqueness is case-insensitive. */
    email: p.string().length(254).unique(),
    passwordHash: p.text().hidden(),
    name: p.string().length(100),
    phone: p.string().length(16).nullable(),
    role: p.enum(ROLES),
    emailVerifiedAt: p.datetime().nullable(),
    disabledAt: p.datetime().nullable(),
    mustChangePassword: p.boolean().default(false),
    version: p.integer().version()
  }
})

export class User extends UserSchema.class {}

UserSchema.setClass(User)

/**
 * Reads the user's current row and locks it until the transaction ends: concurrent changes to one account
 * are serialised, each applied to the latest version (a copy loaded earlier in the request may be stale).
 */
export async function lockUser (tx: EntityManager, id: string): Promise<User> {
  return await tx.findOneOrFail(User, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true })
}

/** Who made a recorded change: an account, or the shop itself (`SYSTEM`: jobs and providers' callbacks). */
export const ACTOR_ROLES = [...ROLES, 'SYSTEM'] as const
export type ActorRole = typeof ACTOR_ROLES[number]
export interface Actor {
  role: ActorRole
  id: string | null
}

export const SYSTEM_ACTOR: Actor = { role: 'SYSTEM', id: null }

export function actorOf (account: { id: string, role: Role }): Actor {
  return { role: account.role, id: account.id }
}

/** An actor's columns on a record of a change: the role, and the account while it exists. */
export const actorProperties = {
  actorRole: p.enum(ACTOR_ROLES),
  actor: () => p.manyToOne(UserSchema).nullable().deleteRule('set null')
}
