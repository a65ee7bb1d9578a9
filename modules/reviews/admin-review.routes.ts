import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { IdParamsSchema, IfMatchHeadersSchema, problemResponses } from '../../openapi/shared.schemas.js'
import { entityTag } from '../../plugins/resource-headers.js'
import { AdminReviewPageSchema, AdminReviewQuerySchema, AdminReviewSchema, ModerateReviewRequestSchema } from './review.schemas.js'
import { listReviewsForStaff } from './review-list.service.js'
import { getReviewForStaff, moderateReview } from './review-moderation.service.js'
import { deleteReview } from './review.service.js'
import { reviewSettingsOf } from './reviews.context.js'
import { STAFF } from './reviews.access.js'

export const adminReviewRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const settings = reviewSettingsOf(app)

  app.get('/admin/reviews', {
    config: STAFF,
    schema: {
      operationId: 'adminListReviews',
      querystring: AdminReviewQuerySchema,
      response: { 200: AdminReviewPageSchema, ...problemResponses(400, 401, 403, 500) }
    }
  }, async (request) => await listReviewsForStaff(request.em, settings, request.query))

  app.get('/admin/reviews/:id', {
    config: STAFF,
    schema: {
      operationId: 'adminGetReview',
      params: IdParamsSchema,
      response: { 200: AdminReviewSchema, ...problemResponses(400, 401, 403, 404, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = await getReviewForStaff(request.em, settings, request.params.id)
    return reply.header('etag', entityTag(version)).send(resource)
  })

  app.patch('/admin/reviews/:id', {
    config: STAFF,
    schema: {
      operationId: 'moderateReview',
      params: IdParamsSchema,
      headers: IfMatchHeadersSchema,
      body: ModerateReviewRequestSchema,
      response: { 200: AdminReviewSchema, ...problemResponses(400, 401, 403, 404, 412, 413, 415, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = await moderateReview(request.em, settings, request.account!.id, request.params.id, request.body, request.headers['if-match'])
    return reply.header('etag', entityTag(version)).send(resource)
  })

  app.delete('/admin/reviews/:id', {
    config: STAFF,
    schema: {
      operationId: 'adminDeleteReview',
      params: IdParamsSchema,
      response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 413, 415, 500) }
    }
  }, async (request, reply) => {
    await deleteReview(request.em, settings, request.params.id, 'STAFF')
    return reply.code(204).send(null)
  })
}
