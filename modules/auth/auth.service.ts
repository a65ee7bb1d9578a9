import type { EntityManager } from '@mikro-orm/postgresql'
import type { Mailer } from '../../plugins/mail.js'
import { OneTimeCode } from './one-time-code.entity.js'
import { User, isStaffRole, lockUser } from './user.entity.js'
import { consumeCode, findLiveCode, issueCode, mayIssueCode, CODE_TTL_SECONDS, type CodeSettings } from './one-time-codes.js'
import { revokeAllSessions, startSession, type TokenSettings } from './sessions.js'
import type { TokenPair } from './auth.schemas.js'
import { assertAcceptablePassword, hashPassword, normalizeEmail, verifyPassword } from './passwords.js'
import { passwordResetEmail, staffSignInCodeEmail, verificationCodeEmail } from './auth.emails.js'
import { accountDisabled, emailNotVerified, emailTaken, invalidCode, invalidCredentials, invalidCurrentPassword } from './auth.errors.js'
import { invalidField } from '../../plugins/problem.js'

/** What the identity use cases need besides the EntityManager. */
export interface AuthServices {
  mailer: Mailer
  codes: CodeSettings
  tokens: TokenSettings
  /** Runs work after the response, so its duration cannot tell the client whether an account exists. */
  afterResponse: (name: string, task: () => Promise<void>) => void
}

const ACCEPTED = { message: 'If the account exists, a code has been sent to it.' }

async function findByEmail (em: EntityManager, email: string): Promise<User | null> {
  return await em.findOne(User, { email: normalizeEmail(email) })
}

async function sendVerificationCode (em: EntityManager, services: AuthServices, user: User): Promise<void> {
  const { code } = await issueCode(em, services.codes, user, 'VERIFY_EMAIL')
  await services.mailer.send(verificationCodeEmail(user.email, user.name, code))
}

export async function signUp (em: EntityManager, services: AuthServices, input: { email: string, password: string, name: string }): Promise<{ email: string, codeExpiresIn: number }> {
  assertAcceptablePassword(input.password, '/body/password')
  const email = normalizeEmail(input.email)
  if (await em.count(User, { email }) > 0) throw emailTaken()
  const passwordHash = await hashPassword(input.password)
  const { user, code } = await em.transactional(async (tx) => {
    const created = tx.create(User, { email, name: input.name.trim(), passwordHash, role: 'CUSTOMER' })
    return { user: created, code: (await issueCode(tx, services.codes, created, 'VERIFY_EMAIL')).code }
  })
  await services.mailer.send(verificationCodeEmail(user.email, user.name, code))
  return { email, codeExpiresIn: CODE_TTL_SECONDS }
}

export async function verifyEmail (em: EntityManager, services: AuthServices, input: { email: string, code: string }): Promise<TokenPair> {
  const user = await findByEmail(em, input.email)
  // Staff prove their address through the two-step sign-in only: a code alone never gives them tokens.
  if (user === null || isStaffRole(user.role) || user.emailVerifiedAt != null) throw invalidCode()
  await consumeCode(em, services.codes, await findLiveCode(em, user, 'VERIFY_EMAIL'), input.code)
  return await em.transactional(async (tx) => {
    const verified = await lockUser(tx, user.id)
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

/** Checks email and password the same way for every outcome, so timing does not reveal which was wrong. */
async function authenticate (em: EntityManager, email: string, password: string): Promise<User> {
  const user = await findByEmail(em, email)
  const matches = await verifyPassword(user?.passwordHash, password)
  if (user === null || !matches) throw invalidCredentials()
  if (user.disabledAt != null) throw accountDisabled()
  return user
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

export async function staffSignIn (em: EntityManager, services: AuthServices, input: { email: string, password: string }): Promise<{ challengeId: string, expiresIn: number }> {
  const user = await authenticate(em, input.email, input.password)
  if (!isStaffRole(user.role)) throw invalidCredentials()
  const { code, record } = await issueCode(em, services.codes, user, 'STAFF_SIGNIN')
  await services.mailer.send(staffSignInCodeEmail(user.email, user.name, code))
  return { challengeId: record.id, expiresIn: CODE_TTL_SECONDS }
}

export async function staffVerify (em: EntityManager, services: AuthServices, input: { challengeId: string, code: string }): Promise<TokenPair> {
  const challenge = await em.findOne(OneTimeCode, { id: input.challengeId, purpose: 'STAFF_SIGNIN' })
  await consumeCode(em, services.codes, challenge, input.code)
  return await em.transactional(async (tx) => {
    const user = await lockUser(tx, (challenge as OneTimeCode).user.id)
    if (user.disabledAt != null) throw accountDisabled()
    // The code arrived by email: the address is proven.
    user.emailVerifiedAt ??= new Date()
    return await startSession(tx, services.tokens, user)
  })
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
    const { code } = await issueCode(em, services.codes, user, 'RESET_PASSWORD')
    await services.mailer.send(passwordResetEmail(user.email, user.name, code))
  })
  return ACCEPTED
}

export async function resetPassword (em: EntityManager, services: AuthServices, input: { email: string, code: string, newPassword: string }): Promise<void> {
  assertAcceptablePassword(input.newPassword, '/body/newPassword')
  const user = await findByEmail(em, input.email)
  if (user === null) throw invalidCode()
  await consumeCode(em, services.codes, await findLiveCode(em, user, 'RESET_PASSWORD'), input.code)
  const passwordHash = await hashPassword(input.newPassword)
  await em.transactional(async (tx) => {
    const locked = await lockUser(tx, user.id)
    locked.passwordHash = passwordHash
    locked.mustChangePassword = false
    // Whoever reset the password proved they read the mailbox.
    locked.emailVerifiedAt ??= new Date()
    await revokeAllSessions(tx, locked.id)
  })
}
