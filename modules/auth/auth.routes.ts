import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { ROLES } from './user.entity.js'
import { problemResponses } from '../../openapi/shared.schemas.js'
import { authServicesOf } from './auth.context.js'
import { normalizeEmail } from './passwords.js'
import { revokeAllSessions, revokeSession, rotateRefreshToken } from './session.service.js'
import { changePassword, forgotPassword, resendVerificationCode, resetPassword, signIn, signUp, verifyEmail } from './auth.service.js'
import {
  AcceptedSchema, ChangePasswordRequestSchema, EmailOnlyRequestSchema, RefreshRequestSchema, ResetPasswordRequestSchema,
  SignInRequestSchema, SignUpRequestSchema, TokenPairSchema, VerificationPendingSchema, VerifyEmailRequestSchema
} from './auth.schemas.js'

/** The per-account rate-limit key of requests that name an account by email. */
export const byEmail = (request: FastifyRequest): string | undefined => {
  const email = (request.body as { email?: unknown } | undefined)?.email
  return typeof email === 'string' ? normalizeEmail(email) : undefined
}

/** The per-account rate-limit key of a refresh: the session its token names. */
const bySession = (request: FastifyRequest): string | undefined => {
  const token = (request.body as { refreshToken?: unknown } | undefined)?.refreshToken
  return typeof token === 'string' ? token.split('.')[0] : undefined
}

export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const services = authServicesOf(app)

  app.post('/signup', {
    config: { access: 'public' },
    preHandler: app.authRateLimit('signup', byEmail),
    schema: {
      operationId: 'signUp',
      body: SignUpRequestSchema,
      response: { 202: VerificationPendingSchema, ...problemResponses(400, 413, 415, 429, 500) }
    }
  }, async (request, reply) => reply.code(202).send(signUp(request.em, services, request.body)))

  app.post('/verify-email', {
    config: { access: 'public' },
    preHandler: app.authRateLimit('verify-email', byEmail),
    schema: {
      operationId: 'verifyEmail',
      body: VerifyEmailRequestSchema,
      response: { 200: TokenPairSchema, ...problemResponses(400, 413, 415, 429, 500) }
    }
  }, async (request) => await verifyEmail(request.em, services, request.body))

  app.post('/resend-code', {
    config: { access: 'public' },
    preHandler: app.authRateLimit('resend-code', byEmail),
    schema: {
      operationId: 'resendVerificationCode',
      body: EmailOnlyRequestSchema,
      response: { 202: AcceptedSchema, ...problemResponses(400, 413, 415, 429, 500) }
    }
  }, async (request, reply) => reply.code(202).send(await resendVerificationCode(request.em, services, request.body)))

  app.post('/signin', {
    config: { access: 'public' },
    preHandler: app.authRateLimit('signin', byEmail),
    schema: {
      operationId: 'signIn',
      body: SignInRequestSchema,
      response: { 200: TokenPairSchema, ...problemResponses(400, 401, 403, 413, 415, 429, 500) }
    }
  }, async (request) => await signIn(request.em, services, request.body))

  app.post('/refresh', {
    config: { access: 'public' },
    preHandler: app.authRateLimit('refresh', bySession),
    schema: {
      operationId: 'refreshTokens',
      body: RefreshRequestSchema,
      response: { 200: TokenPairSchema, ...problemResponses(400, 401, 413, 415, 429, 500) }
    }
  }, async (request) => await rotateRefreshToken(request.em, services.tokens, request.body.refreshToken))

  app.post('/signout', {
    config: { access: { roles: ROLES, allowPasswordChangePending: true } },
    schema: {
      operationId: 'signOut',
      response: { 204: Type.Null(), ...problemResponses(400, 401, 413, 415, 500) }
    }
  }, async (request, reply) => {
    await revokeSession(request.em, request.account!.sessionId)
    return reply.code(204).send(null)
  })

  app.post('/signout-all', {
    config: { access: { roles: ROLES, allowPasswordChangePending: true } },
    schema: {
      operationId: 'signOutEverywhere',
      response: { 204: Type.Null(), ...problemResponses(400, 401, 413, 415, 500) }
    }
  }, async (request, reply) => {
    await revokeAllSessions(request.em, request.account!.id)
    return reply.code(204).send(null)
  })

  app.post('/password/change', {
    config: { access: { roles: ROLES, allowPasswordChangePending: true } },
    preHandler: app.authRateLimit('password-change', (request) => request.account?.id),
    schema: {
      operationId: 'changePassword',
      body: ChangePasswordRequestSchema,
      response: { 204: Type.Null(), ...problemResponses(400, 401, 413, 415, 429, 500) }
    }
  }, async (request, reply) => {
    await changePassword(request.em, request.account!, request.body)
    return reply.code(204).send(null)
  })

  app.post('/password/forgot', {
    config: { access: 'public' },
    preHandler: app.authRateLimit('password-forgot', byEmail),
    schema: {
      operationId: 'forgotPassword',
      body: EmailOnlyRequestSchema,
      response: { 202: AcceptedSchema, ...problemResponses(400, 413, 415, 429, 500) }
    }
  }, async (request, reply) => reply.code(202).send(await forgotPassword(request.em, services, request.body)))

  app.post('/password/reset', {
    config: { access: 'public' },
    preHandler: app.authRateLimit('password-reset', byEmail),
    schema: {
      operationId: 'resetPassword',
      body: ResetPasswordRequestSchema,
      response: { 204: Type.Null(), ...problemResponses(400, 413, 415, 429, 500) }
    }
  }, async (request, reply) => {
    await resetPassword(request.em, services, request.body)
    return reply.code(204).send(null)
  })
}
