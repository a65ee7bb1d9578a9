import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { IdempotencyHeadersSchema, IdParamsSchema, problemResponses } from '../../openapi/shared.schemas.js'
import { ConfirmReviewImageRequestSchema, ImageUploadRequestSchema, ImageUploadSchema, ReviewImageParamsSchema, ReviewImageSchema } from './review-image.schemas.js'
import { addReviewImage, deleteReviewImage, startReviewImageUpload } from './review-image.service.js'
import { reviewSettingsOf } from './reviews.context.js'
import { AUTHORS } from './reviews.access.js'

export const reviewImageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const settings = reviewSettingsOf(app)

  app.post('/reviews/:id/images/uploads', {
    config: { ...AUTHORS, idempotency: {} },
    schema: {
      operationId: 'createReviewImageUpload',
      headers: IdempotencyHeadersSchema,
      params: IdParamsSchema,
      body: ImageUploadRequestSchema,
      response: { 201: ImageUploadSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 500) }
    }
  }, async (request, reply) => reply.code(201).send(await startReviewImageUpload(request.em, settings, request.account!.id, request.params.id, request.body)))

  app.post('/reviews/:id/images', {
    config: { ...AUTHORS, idempotency: {} },
    schema: {
      operationId: 'addReviewImage',
      headers: IdempotencyHeadersSchema,
      params: IdParamsSchema,
      body: ConfirmReviewImageRequestSchema,
      response: { 201: ReviewImageSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 500) }
    }
  }, async (request, reply) => reply.code(201).send(await addReviewImage(request.em, settings, request.account!.id, request.params.id, request.body)))

  app.delete('/reviews/:id/images/:imageId', {
    config: AUTHORS,
    schema: {
      operationId: 'deleteReviewImage',
      params: ReviewImageParamsSchema,
      response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 413, 415, 500) }
    }
  }, async (request, reply) => {
    await deleteReviewImage(request.em, settings, request.account!.id, request.params.id, request.params.imageId)
    return reply.code(204).send(null)
  })
}
