import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { problemResponses } from '../../openapi/shared.schemas.js'
import { LivenessSchema, ReadinessSchema } from './health.schemas.js'
import { checkDatabase } from './health.service.js'

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/live', {
    config: { access: 'public' },
    schema: {
      operationId: 'getLiveness',
      response: { 200: LivenessSchema, ...problemResponses(400, 500) }
    }
  }, async () => ({ status: 'ok' as const }))

  app.get('/ready', {
    config: { access: 'public' },
    schema: {
      operationId: 'getReadiness',
      response: { 200: ReadinessSchema, ...problemResponses(400, 500, 503) }
    }
  }, async (request) => {
    await checkDatabase(request.em)
    return { status: 'ok' as const, checks: { database: 'up' as const } }
  })
}
