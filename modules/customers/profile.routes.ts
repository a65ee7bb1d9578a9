import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { EVERY_ROLE } from '../../plugins/auth.js'
import { problemResponses } from '../common/common.schemas.js'
import { authServicesOf } from '../auth/auth.context.js'
import { CodeOnlyRequestSchema, VerificationPendingSchema } from '../auth/auth.schemas.js'
import { getProfile, startEmailChange, updateProfile, verifyEmailChange } from './profile.service.js'
import { EmailChangeRequestSchema, ProfileSchema, UpdateProfileRequestSchema } from './customers.schemas.js'

export const profileRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const services = authServicesOf(app)

  app.get('/', {
    prefixTrailingSlash: 'no-slash',
    config: { access: { roles: EVERY_ROLE } },
    schema: {
      operationId: 'getProfile',
      response: { 200: ProfileSchema, ...problemResponses(400, 401, 403, 500) }
    }
  }, async (request) => await getProfile(request.em, request.account!))

  app.patch('/', {
    prefixTrailingSlash: 'no-slash',
    config: { access: { roles: EVERY_ROLE } },
    schema: {
      operationId: 'updateProfile',
      body: UpdateProfileRequestSchema,
      response: { 200: ProfileSchema, ...problemResponses(400, 401, 403, 413, 415, 500) }
    }
  }, async (request) => await updateProfile(request.em, request.account!, request.body))

  app.post('/email', {
    config: { access: { roles: EVERY_ROLE } },
    preHandler: app.authRateLimit('email-change', (request) => request.account?.id),
    schema: {
      operationId: 'startEmailChange',
      body: EmailChangeRequestSchema,
      response: { 202: VerificationPendingSchema, ...problemResponses(400, 401, 403, 409, 413, 415, 429, 500) }
    }
  }, async (request, reply) => reply.code(202).send(await startEmailChange(request.em, services, request.account!, request.body)))

  app.post('/email/verify', {
    config: { access: { roles: EVERY_ROLE } },
    preHandler: app.authRateLimit('email-change-verify', (request) => request.account?.id),
    schema: {
      operationId: 'verifyEmailChange',
      body: CodeOnlyRequestSchema,
      response: { 200: ProfileSchema, ...problemResponses(400, 401, 403, 409, 413, 415, 429, 500) }
    }
  }, async (request) => await verifyEmailChange(request.em, services, request.account!, request.body))
}
