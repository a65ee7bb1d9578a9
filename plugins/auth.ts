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
 *   `allowPasswordChangePending: true` admits accounts that must still replace a temporary password;
 *   `ticket: true` also accepts a single-use ticket as `?ticket=` in place of the header (event streams,
 *   which browsers open without headers).
 */
export type RouteAccess = 'public' | {
  roles: readonly AccessRole[]
  optional?: boolean
  allowPasswordChangePending?: boolean
  ticket?: boolean
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

/** Redeems a single-use ticket: the claims of the access token it was exchanged for, or null (used, expired, unknown). */
export type TicketRedemption = (em: EntityManager, ticket: string) => Promise<{ claims: AccessTokenClaims, accessExpiresAt: Date } | null>

export interface AuthOptions {
  /** Re-reads the account and session behind a token, on every authenticated request. */
  lookupAccount: AccountLookup
  /** Redeems the tickets of routes declaring `ticket: true`. */
  redeemTicket: TicketRedemption
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
    /** When the access the caller authenticated with expires (its token's, or its ticket's token's), or null. */
    accessExpiresAt: Date | null
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

function ticketOf (query: unknown): string | undefined {
  const ticket = (query as { ticket?: unknown } | undefined)?.ticket
  return typeof ticket === 'string' ? ticket : undefined
}

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
export default fp<AuthOptions>(async (app, { lookupAccount, redeemTicket, roles, staffRoles }) => {
  await app.register(jwt, {
    secret: app.config.JWT_SECRET,
    decoratorName: 'accessTokenClaims',
    // @fastify/jwt reads a number as seconds.
    sign: { algorithm: 'HS256', expiresIn: app.config.ACCESS_TOKEN_TTL_SECONDS, iss: TOKEN_ISSUER },
    verify: { algorithms: ['HS256'], allowedIss: TOKEN_ISSUER, allowedAud: [...AUDIENCES], requiredClaims: [...REQUIRED_CLAIMS] }
  })
  app.decorateRequest('account', null)
  app.decorateRequest('accessExpiresAt', null)

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
    const ticket = token === undefined && access.ticket === true ? ticketOf(request.query) : undefined
    let claims: AccessTokenClaims
    let accessExpiresAt: Date
    if (token !== undefined) {
      try {
        claims = app.jwt.verify<AccessTokenClaims & { exp: number }>(token)
      } catch (error) {
        const expired = (error as { code?: string }).code === 'FAST_JWT_EXPIRED'
        throw unauthorized(expired ? 'TOKEN_EXPIRED' : 'INVALID_TOKEN', expired ? 'The access token has expired; refresh it.' : 'The access token is not valid.')
      }
      accessExpiresAt = new Date((claims as AccessTokenClaims & { exp: number }).exp * 1000)
    } else if (ticket !== undefined) {
      const redeemed = await redeemTicket(request.em, ticket)
      if (redeemed === null) throw unauthorized('INVALID_TICKET', 'The ticket is not valid: it was used already, has expired, or was never issued. Get a new one.')
      ;({ claims, accessExpiresAt } = redeemed)
    } else {
      if (access.optional === true) return
      throw unauthorized('UNAUTHORIZED', access.ticket === true ? 'A valid bearer access token or a ticket (?ticket=) is required.' : 'A valid bearer access token is required.')
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
    request.accessExpiresAt = accessExpiresAt
  })
}, { name: 'auth', dependencies: ['config', 'db'] })
