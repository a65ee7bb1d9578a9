import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { EntityManager } from '@mikro-orm/postgresql'
import type { AccessTokenClaims, Account, AccountLookup, Audience } from '../../plugins/auth.js'
import { Session } from './session.entity.js'
import { RotatedRefreshToken } from './rotated-refresh-token.entity.js'
import { isStaffRole, type User } from './user.entity.js'
import type { TokenPair } from './auth.schemas.js'
import { invalidRefreshToken, refreshTokenReused } from './auth.errors.js'
import { isUuid } from '../../openapi/shared.schemas.js'

export interface TokenSettings {
  accessTokenTtlSeconds: number
  refreshTokenTtlDays: number
  signAccessToken: (claims: AccessTokenClaims) => string
}

export function sha256 (value: string): string {
  return createHash('sha256').update(value).digest('hex')
}

function newRefreshSecret (): string {
  return randomBytes(32).toString('base64url')
}

function tokensFor (settings: TokenSettings, user: User, session: Session, refreshSecret: string): TokenPair {
  return {
    accessToken: settings.signAccessToken({ sub: user.id, sid: session.id, role: user.role, aud: session.audience }),
    // The session id travels in the token so a reused token can be traced to its family.
    refreshToken: `${session.id}.${refreshSecret}`,
    expiresIn: settings.accessTokenTtlSeconds,
    tokenType: 'Bearer'
  }
}

function refreshExpiry (settings: TokenSettings): Date {
  return new Date(Date.now() + settings.refreshTokenTtlDays * 86_400_000)
}

/** Starts a session (a new refresh token family) and returns its first tokens. */
export async function startSession (em: EntityManager, settings: TokenSettings, user: User): Promise<TokenPair> {
  const secret = newRefreshSecret()
  const audience: Audience = isStaffRole(user.role) ? 'staff' : 'customer'
  const session = em.create(Session, { user, audience, refreshTokenHash: sha256(secret), expiresAt: refreshExpiry(settings) })
  await em.flush()
  return tokensFor(settings, user, session, secret)
}

/**
 * Rotates a refresh token. The swap is one conditional UPDATE, so two uses of the same token can never both
 * rotate it. Only a token this API really issued counts as reused (one already rotated away, or the current
 * one presented twice at once): that revokes the whole session, the first caller's new tokens included.
 * Anything else, such as a known session id with a made-up secret, is simply invalid and changes nothing.
 */
export async function rotateRefreshToken (em: EntityManager, settings: TokenSettings, refreshToken: string): Promise<TokenPair> {
  const [sessionId, secret, extra] = refreshToken.split('.')
  if (sessionId === undefined || secret === undefined || extra !== undefined || !isUuid(sessionId)) throw invalidRefreshToken()
  const session = await em.findOne(Session, { id: sessionId }, { populate: ['user'] })
  if (session === null) throw invalidRefreshToken()
  const presentedHash = sha256(secret)
  if (!timingSafeEqual(Buffer.from(presentedHash, 'hex'), Buffer.from(session.refreshTokenHash, 'hex'))) {
    const rotatedAway = await em.count(RotatedRefreshToken, { tokenHash: presentedHash, session: session.id })
    if (rotatedAway === 0) throw invalidRefreshToken()
    await revokeSession(em, session.id)
    throw refreshTokenReused()
  }
  if (session.revokedAt != null || session.expiresAt.getTime() <= Date.now() || session.user.disabledAt != null) {
    throw invalidRefreshToken()
  }
  const nextSecret = newRefreshSecret()
  const swapped = await em.transactional(async (tx) => {
    const rows = await tx.execute<Array<{ id: string }>>(
      'update sessions set refresh_token_hash = ?, rotated_at = now(), expires_at = ? where id = ? and refresh_token_hash = ? and revoked_at is null returning id',
      [sha256(nextSecret), refreshExpiry(settings), session.id, presentedHash])
    if (rows.length > 0) tx.create(RotatedRefreshToken, { tokenHash: presentedHash, session: session.id })
    return rows.length > 0
  })
  if (!swapped) {
    await revokeSession(em, session.id)
    throw refreshTokenReused()
  }
  return tokensFor(settings, session.user, session, nextSecret)
}

export async function revokeSession (em: EntityManager, sessionId: string): Promise<void> {
  await em.nativeUpdate(Session, { id: sessionId, revokedAt: null }, { revokedAt: new Date() })
}

/** Revokes every live session of the user, optionally keeping one (the caller's own). */
export async function revokeAllSessions (em: EntityManager, userId: string, exceptSessionId?: string): Promise<void> {
  await em.nativeUpdate(Session, {
    user: userId,
    revokedAt: null,
    ...(exceptSessionId === undefined ? {} : { id: { $ne: exceptSessionId } })
  }, { revokedAt: new Date() })
}

interface AccountRow {
  role: Account['role']
  must_change_password: boolean
  disabled_at: Date | null
  audience: Account['audience']
  revoked_at: Date | null
  expires_at: Date
}

/**
 * For the auth plugin: the live account behind an access token. It runs on every authenticated request,
 * so it is one indexed join in plain SQL rather than two hydrated entities.
 */
export const lookupAccount: AccountLookup = async (em, claims): Promise<Account | 'revoked' | 'disabled'> => {
  const [row] = await em.execute<AccountRow[]>(
    `select u.role, u.must_change_password, u.disabled_at, s.audience, s.revoked_at, s.expires_at
       from sessions s join users u on u.id = s.user_id
      where s.id = ? and s.user_id = ?`,
    [claims.sid, claims.sub])
  if (row === undefined || row.revoked_at !== null || new Date(row.expires_at).getTime() <= Date.now()) return 'revoked'
  if (row.disabled_at !== null) return 'disabled'
  return { id: claims.sub, role: row.role, sessionId: claims.sid, audience: row.audience, mustChangePassword: row.must_change_password }
}
