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
