import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { IdempotencyHeadersSchema, IdParamsSchema, problemResponses } from '../../openapi/shared.schemas.js'
import { ConfirmImageRequestSchema, ImageParamsSchema, ImageUploadRequestSchema, ImageUploadSchema, ProductImageSchema, UpdateImageRequestSchema } from './product-image.schemas.js'
import { addProductImage, deleteProductImage, startProductImageUpload, updateProductImage } from './product-image.service.js'
import { catalogContextOf } from './catalog.context.js'
import { STAFF } from './catalog.access.js'

export const productImageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { settings, media } = catalogContextOf(app)

  app.post('/admin/products/:id/images/uploads', {
    config: { ...STAFF, idempotency: {} },
    schema: {
      operationId: 'createProductImageUpload',
      headers: IdempotencyHeadersSchema,
      params: IdParamsSchema,
      body: ImageUploadRequestSchema,
      response: { 201: ImageUploadSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 500) }
    }
  }, async (request, reply) => reply.code(201).send(await startProductImageUpload(request.em, media, request.params.id, request.body, request.account!.id)))

  app.post('/admin/products/:id/images', {
    config: { ...STAFF, idempotency: {} },
    schema: {
      operationId: 'addProductImage',
      headers: IdempotencyHeadersSchema,
      params: IdParamsSchema,
      body: ConfirmImageRequestSchema,
      response: { 201: ProductImageSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 500) }
    }
  }, async (request, reply) => reply.code(201).send(await addProductImage(request.em, settings, media, request.params.id, request.body)))

  app.patch('/admin/products/:id/images/:imageId', {
    config: STAFF,
    schema: {
      operationId: 'updateProductImage',
      params: ImageParamsSchema,
      body: UpdateImageRequestSchema,
      response: { 200: ProductImageSchema, ...problemResponses(400, 401, 403, 404, 413, 415, 500) }
    }
  }, async (request) => await updateProductImage(request.em, settings, request.params.id, request.params.imageId, request.body))

  app.delete('/admin/products/:id/images/:imageId', {
    config: STAFF,
    schema: {
      operationId: 'deleteProductImage',
      params: ImageParamsSchema,
      response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 413, 415, 500) }
    }
  }, async (request, reply) => {
    await deleteProductImage(request.em, media, request.params.id, request.params.imageId)
    return reply.code(204).send(null)
  })
}
