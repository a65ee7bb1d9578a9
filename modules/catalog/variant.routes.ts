import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { IdempotencyHeadersSchema, IdParamsSchema, IfMatchHeadersSchema, problemResponses } from '../../openapi/shared.schemas.js'
import { actorOf } from '../auth/user.entity.js'
import { entityTag, locationOf } from '../../plugins/resource-headers.js'
import { AdminVariantSchema, CreateVariantRequestSchema, UpdateVariantRequestSchema, VariantParamsSchema } from './product.schemas.js'
import { createVariant, deleteVariant, updateVariant } from './variant.service.js'
import { catalogContextOf } from './catalog.context.js'
import { STAFF } from './catalog.access.js'

export const variantRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { settings } = catalogContextOf(app)

  app.post('/admin/products/:id/variants', {
    config: { ...STAFF, idempotency: {} },
    schema: {
      operationId: 'createVariant',
      headers: IdempotencyHeadersSchema,
      params: IdParamsSchema,
      body: CreateVariantRequestSchema,
      response: { 201: AdminVariantSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = await createVariant(request.em, settings, request.params.id, request.body, actorOf(request.account!))
    return reply.code(201).header('location', locationOf(request, resource.id)).header('etag', entityTag(version)).send(resource)
  })

  app.patch('/admin/products/:id/variants/:variantId', {
    config: STAFF,
    schema: {
      operationId: 'updateVariant',
      params: VariantParamsSchema,
      headers: IfMatchHeadersSchema,
      body: UpdateVariantRequestSchema,
      response: { 200: AdminVariantSchema, ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = await updateVariant(request.em, settings, request.params.id, request.params.variantId, request.body, request.headers['if-match'])
    return reply.header('etag', entityTag(version)).send(resource)
  })

  app.delete('/admin/products/:id/variants/:variantId', {
    config: STAFF,
    schema: {
      operationId: 'deleteVariant',
      params: VariantParamsSchema,
      response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 409, 413, 415, 500) }
    }
  }, async (request, reply) => {
    await deleteVariant(request.em, request.params.id, request.params.variantId)
    return reply.code(204).send(null)
  })
}
