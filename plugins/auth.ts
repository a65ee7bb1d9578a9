import fp from 'fastify-plugin'
import jwt from '@fastify/jwt'
import type { EntityManager } from '@mikro-orm/postgresql'
import { ProblemError } from './problem.js'
import { isUuid } from '../openapi/shared.schemas.js'

/**
 * The shop's roles. Infrastructure holds no list of them: the accounts module declares them by merging
 * into this interface (one property per role), and passes the list itself as the plugin's `roles`.
 */
export interface AccessRoles {}
export type AccessRole = Extract<keyof AccessRoles, string>

/** Token audiences: staff tokens and customer tokens never stand in for each other on staff routes. */
export type Audience = 'customer' | 'staff'
export const AUDIENCES = ['customer', 'staff'] as const satisfies readonly Audience[]

/**
 * Who may call a route, declared in its `config.access`:
 * - `'public'`: anyone;
 * - `{ roles }`: a valid access token of one of these roles (401 without one, 403 with another role);
 *   `optional: true` lets requests without any Authorization header through as anonymous;
 *   `allowPasswordChangePending: true` admits accounts that must still replace a temporary password.
 */
export type RouteAccess = 'public' | {
  roles: readonly AccessRole[]
  optional?: boolean
  allowPasswordChangePending?: boolean
}

/** Claims of our access tokens. `aud` keeps customer tokens out of staff routes. */
export interface AccessTokenClaims {
  sub: string
  sid: string
  role: AccessRole
  aud: Audience
}

/** The caller as the database knows it now: role, status and session are re-read on every request. */
export interface Account {
  id: string
  role: AccessRole
  sessionId: string
  audience: Audience
  mustChangePassword: boolean
}

export type AccountLookup = (em: EntityManager, claims: AccessTokenClaims) => Promise<Account | 'revoked' | 'disabled'>

export interface AuthOptions {
  /** Re-reads the account and session behind a token, on every authenticated request. */
  lookupAccount: AccountLookup
  /** Every role a token may carry. */
  roles: readonly AccessRole[]
  /** The roles of staff: a route open to these only requires a staff token. */
  staffRoles: readonly AccessRole[]
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess
  }
  interface FastifyRequest {
    /** The authenticated caller, or null on public and anonymous requests. */
    account: Account | null
  }
}

export function unauthorized (code: string, detail: string): ProblemError {
  return new ProblemError(401, code, detail, { headers: { 'www-authenticate': 'Bearer' } })
}

export function forbidden (code: string, detail: string): ProblemError {
  return new ProblemError(403, code, detail)
}

const TOKEN_ISSUER = 'commerce-api'
/** A token lacking any of these is refused, however well signed. */
const REQUIRED_CLAIMS = ['iss', 'aud', 'sub', 'sid', 'role', 'iat', 'exp'] as const

function readBearer (header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/.exec(header.trim())
  if (match === null) throw unauthorized('INVALID_TOKEN', 'The Authorization header must be "Bearer <access token>".')
  return match[1]
}

/**
 * Authentication and authorization for every route, from its declared `config.access`. Access tokens are
 * HS256 JWTs (no other algorithm is accepted); the session and account behind one are checked on each
 * request, so sign-out, disabling and role changes take effect at once.
 */
export default fp<AuthOptions>(async (app, { lookupAccount, roles, staffRoles }) => {
  await app.register(jwt, {
    secret: app.config.JWT_SECRET,
    decoratorName: 'accessTokenClaims',
    // @fastify/jwt reads a number as seconds.
    sign: { algorithm: 'HS256', expiresIn: app.config.ACCESS_TOKEN_TTL_SECONDS, iss: TOKEN_ISSUER },
    verify: { algorithms: ['HS256'], allowedIss: TOKEN_ISSUER, allowedAud: [...AUDIENCES], requiredClaims: [...REQUIRED_CLAIMS] }
  })
  app.decorateRequest('account', null)

  /** Signed claims still go to SQL: each must have the shape this API issues. */
  const hasClaimShapes = (claims: AccessTokenClaims): boolean =>
    typeof claims.sub === 'string' && isUuid(claims.sub) &&
    typeof claims.sid === 'string' && isUuid(claims.sid) &&
    roles.includes(claims.role)

  app.addHook('onRoute', (route) => {
    if (route.schema?.operationId !== undefined && route.config?.access === undefined) {
      throw new Error(`route ${String(route.method)} ${route.url} must declare config.access`)
    }
  })

  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access
    if (access === undefined || access === 'public') return
    const token = readBearer(request.headers.authorization)
    if (token === undefined) {
      if (access.optional === true) return
      throw unauthorized('UNAUTHORIZED', 'A valid bearer access token is required.')
    }
    let claims: AccessTokenClaims
    try {
      claims = app.jwt.verify<AccessTokenClaims>(token)
    } catch (error) {
      const expired = (error as { code?: string }).code === 'FAST_JWT_EXPIRED'
      throw unauthorized(expired ? 'TOKEN_EXPIRED' : 'INVALID_TOKEN', expired ? 'The access token has expired; refresh it.' : 'The access token is not valid.')
    }
    if (!hasClaimShapes(claims)) throw unauthorized('INVALID_TOKEN', 'The access token is not valid.')
    const staffOnly = access.roles.every((role) => staffRoles.includes(role))
    if (staffOnly && claims.aud !== 'staff') {
      throw unauthorized('INVALID_TOKEN', 'Staff operations need a staff access token.')
    }
    const account = await lookupAccount(request.em, claims)
    if (account === 'revoked') throw unauthorized('SESSION_REVOKED', 'This session has ended; sign in again.')
    if (account === 'disabled') throw unauthorized('ACCOUNT_DISABLED', 'This account is disabled.')
    if (!access.roles.includes(account.role)) {
      throw forbidden('FORBIDDEN', `This operation requires one of the roles ${access.roles.join(', ')}.`)
    }
    if (account.mustChangePassword && access.allowPasswordChangePending !== true) {
      throw forbidden('PASSWORD_CHANGE_REQUIRED', 'Change the temporary password (POST /api/v1/auth/password/change) before doing anything else.')
    }
    request.account = account
  })
}, { name: 'auth', dependencies: ['config', 'db'] })
