import type { EntityManager } from '@mikro-orm/postgresql'
import { OneTimeCode } from './one-time-code.entity.js'
import { isStaffRole, lockUser } from './user.entity.js'
import { consumeCode, issueCode, CODE_TTL_SECONDS } from './one-time-codes.js'
import { startSession } from './session.service.js'
import { authenticate } from './passwords.js'
import type { AuthServices } from './auth.service.js'
import type { TokenPair } from './auth.schemas.js'
import { staffSignInCodeEmail } from './auth.emails.js'
import { accountDisabled, invalidCredentials } from './auth.errors.js'

/** Step one: the password. A challenge is issued and its code emailed; no token yet. */
export async function staffSignIn (em: EntityManager, services: AuthServices, input: { email: string, password: string }): Promise<{ challengeId: string, expiresIn: number }> {
  const user = await authenticate(em, input.email, input.password)
  if (!isStaffRole(user.role)) throw invalidCredentials()
  const record = await em.transactional(async (tx) => {
    const issued = await issueCode(tx, services.codes, user, 'STAFF_SIGNIN')
    await services.mailer.send(tx, staffSignInCodeEmail(user.email, user.name, issued.code), { notAfter: issued.record.expiresAt })
    return issued.record
  })
  return { challengeId: record.id, expiresIn: CODE_TTL_SECONDS }
}

/** Step two: the challenge and its emailed code, for staff tokens. */
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
