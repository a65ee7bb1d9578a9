import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { IdempotencyHeadersSchema, IdOrSlugParamsSchema, IdParamsSchema, IfMatchHeadersSchema, IfNoneMatchHeadersSchema, NotModifiedSchema, problemResponses } from '../../openapi/shared.schemas.js'
import { entityTag } from '../../plugins/resource-headers.js'
import { CreateReviewRequestSchema, ReviewPageSchema, ReviewQuerySchema, ReviewSchema, UpdateReviewRequestSchema } from './review.schemas.js'
import { createReview, deleteReview, reviewAsSeenBy, updateReview } from './review.service.js'
import { listProductReviews } from './review-list.service.js'
import { reviewSettingsOf } from './reviews.context.js'
import { ANYONE, AUTHORS, STOREFRONT } from './reviews.access.js'

export const reviewRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const settings = reviewSettingsOf(app)

  app.get('/products/:idOrSlug/reviews', {
    config: STOREFRONT,
    schema: {
      operationId: 'listProductReviews',
      params: IdOrSlugParamsSchema,
      querystring: ReviewQuerySchema,
      headers: IfNoneMatchHeadersSchema,
      response: { 200: ReviewPageSchema, 304: NotModifiedSchema, ...problemResponses(400, 404, 500) }
    }
  }, async (request) => await listProductReviews(request.em, settings, request.params.idOrSlug, request.query))

  app.post('/products/:idOrSlug/reviews', {
    config: { ...AUTHORS, idempotency: {} },
    schema: {
      operationId: 'createReview',
      params: IdOrSlugParamsSchema,
      headers: IdempotencyHeadersSchema,
      body: CreateReviewRequestSchema,
      response: { 201: ReviewSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = await createReview(request.em, settings, request.account!.id, request.params.idOrSlug, request.body)
    return reply.code(201).header('location', `${app.prefix}/reviews/${resource.id}`).header('etag', entityTag(version)).send(resource)
  })

  app.get('/reviews/:id', {
    config: ANYONE,
    schema: {
      operationId: 'getReview',
      params: IdParamsSchema,
      response: { 200: ReviewSchema, ...problemResponses(400, 401, 403, 404, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = await reviewAsSeenBy(request.em, settings, request.params.id, request.account?.id ?? null)
    return reply.header('etag', entityTag(version)).send(resource)
  })

  app.patch('/reviews/:id', {
    config: AUTHORS,
    schema: {
      operationId: 'updateReview',
      params: IdParamsSchema,
      headers: IfMatchHeadersSchema,
      body: UpdateReviewRequestSchema,
      response: { 200: ReviewSchema, ...problemResponses(400, 401, 403, 404, 412, 413, 415, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = await updateReview(request.em, settings, request.account!.id, request.params.id, request.body, request.headers['if-match'])
    return reply.header('etag', entityTag(version)).send(resource)
  })

  app.delete('/reviews/:id', {
    config: AUTHORS,
    schema: {
      operationId: 'deleteReview',
      params: IdParamsSchema,
      response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 409, 413, 415, 500) }
    }
  }, async (request, reply) => {
    await deleteReview(request.em, settings, request.params.id, { authorId: request.account!.id })
    return reply.code(204).send(null)
  })
}
