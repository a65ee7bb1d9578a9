import type { EntityManager } from '@mikro-orm/postgresql'
import type { Account } from '../../plugins/auth.js'
import { assertIfMatch, type Versioned } from '../../plugins/resource-headers.js'
import { lockUser, User } from './user.entity.js'
import type { AuthServices } from './auth.service.js'
import { emailTaken, invalidCode, invalidCurrentPassword } from './auth.errors.js'
import { emailChangeCodeEmail } from './auth.emails.js'
import { consumeCode, findLiveCode, issueCode, CODE_TTL_SECONDS } from './one-time-codes.js'
import { normalizeEmail, verifyPassword } from './passwords.js'
import type { Profile, UpdateProfileRequest } from './profile.schemas.js'

export function toProfile (user: User): Versioned<Profile> {
  return {
    resource: {
      id: user.id,
      email: user.email,
      name: user.name,
      phone: user.phone ?? null,
      role: user.role,
      emailVerified: user.emailVerifiedAt != null,
      mustChangePassword: user.mustChangePassword,
      createdAt: user.createdAt.toISOString(),
      updatedAt: user.updatedAt.toISOString()
    },
    version: user.version
  }
}

export async function getProfile (em: EntityManager, account: Account): Promise<Versioned<Profile>> {
  return toProfile(await em.findOneOrFail(User, { id: account.id }))
}

/** Renames or re-phones the account; with `If-Match`, only if it is still the version the caller saw. */
export async function updateProfile (em: EntityManager, account: Account, input: UpdateProfileRequest, ifMatch?: string): Promise<Versioned<Profile>> {
  const user = await em.transactional(async (tx) => {
    const found = await lockUser(tx, account.id)
    assertIfMatch(ifMatch, found.version)
    if (input.name !== undefined) found.name = input.name.trim()
    if (input.phone !== undefined) found.phone = input.phone
    return found
  })
  return toProfile(user)
}

/** Sends a code to the new address; nothing changes until it is verified. */
export async function startEmailChange (em: EntityManager, services: AuthServices, account: Account, input: { newEmail: string, password: string }): Promise<{ email: string, codeExpiresIn: number }> {
  const user = await em.findOneOrFail(User, { id: account.id })
  if (!await verifyPassword(user.passwordHash, input.password)) throw invalidCurrentPassword()
  const newEmail = normalizeEmail(input.newEmail, '/body/newEmail')
  if (await em.count(User, { email: newEmail }) > 0) throw emailTaken()
  await em.transactional(async (tx) => {
    const { code, record } = await issueCode(tx, services.codes, user, 'CHANGE_EMAIL', newEmail)
    await services.mailer.send(tx, emailChangeCodeEmail(newEmail, user.name, code), { notAfter: record.expiresAt })
  })
  return { email: newEmail, codeExpiresIn: CODE_TTL_SECONDS }
}

export async function verifyEmailChange (em: EntityManager, services: AuthServices, account: Account, input: { code: string }): Promise<Versioned<Profile>> {
  const user = await em.findOneOrFail(User, { id: account.id })
  const record = await consumeCode(em, services.codes, await findLiveCode(em, user, 'CHANGE_EMAIL'), input.code)
  const newEmail = record.newEmail
  if (newEmail == null) throw invalidCode()
  const changed = await em.transactional(async (tx) => {
    const locked = await lockUser(tx, account.id)
    if (await tx.count(User, { email: newEmail }) > 0) throw emailTaken()
    locked.email = newEmail
    locked.emailVerifiedAt = new Date()
    return locked
  })
  return toProfile(changed)
}
