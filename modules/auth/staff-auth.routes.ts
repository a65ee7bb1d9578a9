import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { problemResponses } from '../../openapi/shared.schemas.js'
import { authServicesOf } from './auth.context.js'
import { byEmail } from './auth.routes.js'
import { staffSignIn, staffVerify } from './staff-auth.service.js'
import { SignInRequestSchema, StaffChallengeSchema, StaffVerifyRequestSchema, TokenPairSchema } from './auth.schemas.js'

export const staffAuthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const services = authServicesOf(app)

  app.post('/signin', {
    config: { access: 'public' },
    preHandler: app.authRateLimit('staff-signin', byEmail),
    schema: {
      operationId: 'staffSignIn',
      body: SignInRequestSchema,
      response: { 202: StaffChallengeSchema, ...problemResponses(400, 401, 413, 415, 429, 500) }
    }
  }, async (request, reply) => reply.code(202).send(await staffSignIn(request.em, services, request.body)))

  app.post('/verify', {
    config: { access: 'public' },
    preHandler: app.authRateLimit('staff-verify', (request) => (request.body as { challengeId?: string }).challengeId),
    schema: {
      operationId: 'staffVerify',
      body: StaffVerifyRequestSchema,
      response: { 200: TokenPairSchema, ...problemResponses(400, 401, 413, 415, 429, 500) }
    }
  }, async (request) => await staffVerify(request.em, services, request.body))
}
