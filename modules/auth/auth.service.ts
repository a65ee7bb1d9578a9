import type { EntityManager } from '@mikro-orm/postgresql'
import type { Mailer } from '../../plugins/mail.js'
import { invalidField } from '../../plugins/problem.js'
import { lockForTransaction } from '../../plugins/db/advisory-lock.js'
import type { OneTimeCode } from './one-time-code.entity.js'
import { User, isStaffRole, lockUser } from './user.entity.js'
import { consumeCode, findEmailedCode, issueCode, mayIssueCode, CODE_TTL_SECONDS, type CodeSettings } from './one-time-codes.js'
import { revokeAllSessions, startSession, type TokenSettings } from './session.service.js'
import type { TokenPair } from './auth.schemas.js'
import { assertAcceptablePassword, authenticate, hashPassword, normalizeEmail, verifyPassword } from './passwords.js'
import { passwordResetEmail, signUpAttemptEmail, verificationCodeEmail } from './auth.emails.js'
import { emailNotVerified, invalidCredentials, invalidCurrentPassword } from './auth.errors.js'

/** What the identity use cases need besides the EntityManager. */
export interface AuthServices {
  mailer: Mailer
  codes: CodeSettings
  tokens: TokenSettings
  /** Runs work after the response, so its duration cannot tell the client whether an account exists. */
  afterResponse: (name: string, task: () => Promise<void>) => void
}

const ACCEPTED = { message: 'If the account exists, a code has been sent to it.' }

async function sendVerificationCode (em: EntityManager, services: AuthServices, user: User): Promise<void> {
  await em.transactional(async (tx) => {
    const { code, record } = await issueCode(tx, services.codes, user, 'VERIFY_EMAIL')
    await services.mailer.send(tx, verificationCodeEmail(user.email, user.name, code), { notAfter: record.expiresAt })
  })
}

/**
 * Answers at once, the same way whether or not the email is taken: everything that depends on the account
 * runs after the response. A new address gets an account and a code; the owner of a taken one is told that
 * someone tried to sign up with it.
 */
export function signUp (em: EntityManager, services: AuthServices, input: { email: string, password: string, name: string }): { email: string, codeExpiresIn: number } {
  assertAcceptablePassword(input.password, '/body/password')
  const email = normalizeEmail(input.email)
  const name = input.name.trim()
  services.afterResponse('sign up', async () => {
    const passwordHash = await hashPassword(input.password)
    await em.transactional(async (tx) => {
      // Sign-ups racing for one new address: the others wait, then find the first one's account.
      await lockForTransaction(tx, `sign-up:${email}`)
      const existing = await tx.findOne(User, { email })
      if (existing !== null) {
        await services.mailer.send(tx, signUpAttemptEmail(existing.email, existing.name))
        return
      }
      const user = tx.create(User, { email, name, passwordHash, role: 'CUSTOMER' })
      const { code, record } = await issueCode(tx, services.codes, user, 'VERIFY_EMAIL')
      await services.mailer.send(tx, verificationCodeEmail(user.email, user.name, code), { notAfter: record.expiresAt })
    })
  })
  return { email, codeExpiresIn: CODE_TTL_SECONDS }
}

export async function verifyEmail (em: EntityManager, services: AuthServices, input: { email: string, code: string }): Promise<TokenPair> {
  // Staff prove their address through the two-step sign-in only: a code alone never gives them tokens.
  const record = await findEmailedCode(em, normalizeEmail(input.email), 'VERIFY_EMAIL', { role: 'CUSTOMER', emailVerifiedAt: null, disabledAt: null })
  await consumeCode(em, services.codes, record, input.code, { uniform: true })
  return await em.transactional(async (tx) => {
    const verified = await lockUser(tx, (record as OneTimeCode).user.id)
    verified.emailVerifiedAt ??= new Date()
    return await startSession(tx, services.tokens, verified)
  })
}

export async function resendVerificationCode (em: EntityManager, services: AuthServices, input: { email: string }): Promise<{ message: string }> {
  const email = normalizeEmail(input.email)
  services.afterResponse('resend verification code', async () => {
    const user = await em.findOne(User, { email })
    if (user === null || isStaffRole(user.role) || user.emailVerifiedAt != null) return
    if (await mayIssueCode(em, services.codes, user, 'VERIFY_EMAIL')) await sendVerificationCode(em, services, user)
  })
  return ACCEPTED
}

export async function signIn (em: EntityManager, services: AuthServices, input: { email: string, password: string }): Promise<TokenPair> {
  const user = await authenticate(em, input.email, input.password)
  if (isStaffRole(user.role)) throw invalidCredentials()
  if (user.emailVerifiedAt == null) {
    if (await mayIssueCode(em, services.codes, user, 'VERIFY_EMAIL')) await sendVerificationCode(em, services, user)
    throw emailNotVerified()
  }
  return await startSession(em, services.tokens, user)
}

export async function changePassword (em: EntityManager, account: { id: string, sessionId: string }, input: { currentPassword: string, newPassword: string }): Promise<void> {
  if (input.newPassword === input.currentPassword) throw invalidField('/body/newPassword', 'must differ from the current password')
  assertAcceptablePassword(input.newPassword, '/body/newPassword')
  const passwordHash = await hashPassword(input.newPassword)
  await em.transactional(async (tx) => {
    const user = await lockUser(tx, account.id)
    if (!await verifyPassword(user.passwordHash, input.currentPassword)) throw invalidCurrentPassword()
    user.passwordHash = passwordHash
    user.mustChangePassword = false
    await revokeAllSessions(tx, user.id, account.sessionId)
  })
}

export async function forgotPassword (em: EntityManager, services: AuthServices, input: { email: string }): Promise<{ message: string }> {
  const email = normalizeEmail(input.email)
  services.afterResponse('send password reset code', async () => {
    const user = await em.findOne(User, { email })
    if (user === null || user.disabledAt != null || !await mayIssueCode(em, services.codes, user, 'RESET_PASSWORD')) return
    await em.transactional(async (tx) => {
      const { code, record } = await issueCode(tx, services.codes, user, 'RESET_PASSWORD')
      await services.mailer.send(tx, passwordResetEmail(user.email, user.name, code), { notAfter: record.expiresAt })
    })
  })
  return ACCEPTED
}

export async function resetPassword (em: EntityManager, services: AuthServices, input: { email: string, code: string, newPassword: string }): Promise<void> {
  assertAcceptablePassword(input.newPassword, '/body/newPassword')
  const record = await findEmailedCode(em, normalizeEmail(input.email), 'RESET_PASSWORD', { disabledAt: null })
  await consumeCode(em, services.codes, record, input.code, { uniform: true })
  const passwordHash = await hashPassword(input.newPassword)
  await em.transactional(async (tx) => {
    const locked = await lockUser(tx, (record as OneTimeCode).user.id)
    locked.passwordHash = passwordHash
    locked.mustChangePassword = false
    // Whoever reset the password proved they read the mailbox.
    locked.emailVerifiedAt ??= new Date()
    await revokeAllSessions(tx, locked.id)
  })
}
