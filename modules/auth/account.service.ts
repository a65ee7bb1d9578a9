import type { EntityManager } from '@mikro-orm/postgresql'
import type { Mailer } from '../../plugins/mail.js'
import { User, type Role, type StaffRole } from './user.entity.js'
import { assertAcceptablePassword, generateTemporaryPassword, hashPassword, normalizeEmail } from './passwords.js'
import { staffCredentialsEmail } from './auth.emails.js'
import { emailTaken } from './auth.errors.js'

/** Accounts made by other parts of the shop (staff administration, demo data) rather than by sign-up. */

/** Checks a password someone chose (`pointer` names the field) and hashes it: slow, so do it outside locks. */
export async function hashChosenPassword (password: string, pointer: string): Promise<string> {
  assertAcceptablePassword(password, pointer)
  return await hashPassword(password)
}

export interface NewAccount {
  email: string
  name: string
  role: Role
  passwordHash: string
  /** The address is known to work (set for staff whose codes will prove it, and for demo accounts). */
  emailVerified?: boolean
  mustChangePassword?: boolean
}

/** Creates an account; a taken email is 409 EMAIL_TAKEN. Flushed with the caller's unit of work. */
export async function createAccount (em: EntityManager, input: NewAccount): Promise<User> {
  const email = normalizeEmail(input.email)
  if (await em.count(User, { email }) > 0) throw emailTaken()
  return em.create(User, {
    email,
    name: input.name.trim(),
    passwordHash: input.passwordHash,
    role: input.role,
    emailVerifiedAt: input.emailVerified === true ? new Date() : null,
    mustChangePassword: input.mustChangePassword ?? false
  })
}

/** A staff account with a generated temporary password, emailed to it and to be changed at first sign-in. */
export async function createStaffAccount (em: EntityManager, mailer: Mailer, input: { email: string, name: string, role: StaffRole }): Promise<User> {
  const temporaryPassword = generateTemporaryPassword()
  const passwordHash = await hashPassword(temporaryPassword)
  return await em.transactional(async (tx) => {
    const user = await createAccount(tx, { ...input, passwordHash, mustChangePassword: true })
    await tx.flush()
    await mailer.send(tx, staffCredentialsEmail(user.email, user.name, user.role, temporaryPassword))
    return user
  })
}
