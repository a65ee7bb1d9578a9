import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IfMatchHeadersSchema, problemResponses } from '../../openapi/shared.schemas.js'
import { entityTag } from '../../plugins/resource-headers.js'
import { authServicesOf } from './auth.context.js'
import { CodeOnlyRequestSchema, VerificationPendingSchema } from './auth.schemas.js'
import { getProfile, startEmailChange, updateProfile, verifyEmailChange } from './profile.service.js'
import { EmailChangeRequestSchema, ProfileSchema, UpdateProfileRequestSchema } from './profile.schemas.js'
import { ROLES } from './user.entity.js'

const ANY_ACCOUNT = { access: { roles: ROLES } }

/** The signed-in account's own profile (any role) and its email address. */
export const profileRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const services = authServicesOf(app)

  app.get('/', {
    prefixTrailingSlash: 'no-slash',
    config: ANY_ACCOUNT,
    schema: {
      operationId: 'getProfile',
      response: { 200: ProfileSchema, ...problemResponses(400, 401, 403, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = await getProfile(request.em, request.account!)
    return reply.header('etag', entityTag(version)).send(resource)
  })

  app.patch('/', {
    prefixTrailingSlash: 'no-slash',
    config: ANY_ACCOUNT,
    schema: {
      operationId: 'updateProfile',
      headers: IfMatchHeadersSchema,
      body: UpdateProfileRequestSchema,
      response: { 200: ProfileSchema, ...problemResponses(400, 401, 403, 412, 413, 415, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = await updateProfile(request.em, request.account!, request.body, request.headers['if-match'])
    return reply.header('etag', entityTag(version)).send(resource)
  })

  app.post('/email', {
    config: ANY_ACCOUNT,
    preHandler: app.authRateLimit('email-change', (request) => request.account?.id),
    schema: {
      operationId: 'startEmailChange',
      body: EmailChangeRequestSchema,
      response: { 202: VerificationPendingSchema, ...problemResponses(400, 401, 403, 409, 413, 415, 429, 500) }
    }
  }, async (request, reply) => reply.code(202).send(await startEmailChange(request.em, services, request.account!, request.body)))

  app.post('/email/verify', {
    config: ANY_ACCOUNT,
    preHandler: app.authRateLimit('email-change-verify', (request) => request.account?.id),
    schema: {
      operationId: 'verifyEmailChange',
      body: CodeOnlyRequestSchema,
      response: { 200: ProfileSchema, ...problemResponses(400, 401, 403, 409, 413, 415, 429, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = await verifyEmailChange(request.em, services, request.account!, request.body)
    return reply.header('etag', entityTag(version)).send(resource)
  })
}
