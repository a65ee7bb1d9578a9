import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { IdempotencyHeadersSchema, IdOrSlugParamsSchema, IdParamsSchema, IfNoneMatchHeadersSchema, NotModifiedSchema, problemResponses } from '../../openapi/shared.schemas.js'
import { locationOf } from '../../plugins/resource-headers.js'
import { MoveProductsQuerySchema } from './catalog.schemas.js'
import { CategorySchema, CategoryTreeSchema, CreateCategoryRequestSchema, UpdateCategoryRequestSchema } from './category.schemas.js'
import { categoryTree, createCategory, deleteCategory, getCategory, updateCategory } from './category.service.js'
import { STAFF, STOREFRONT } from './catalog.access.js'

export const categoryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/categories', {
    config: STOREFRONT,
    schema: {
      operationId: 'listCategories',
      headers: IfNoneMatchHeadersSchema,
      response: { 200: CategoryTreeSchema, 304: NotModifiedSchema, ...problemResponses(400, 500) }
    }
  }, async (request) => await categoryTree(request.em, { activeOnly: true }))

  app.get('/categories/:idOrSlug', {
    config: STOREFRONT,
    schema: {
      operationId: 'getCategory',
      params: IdOrSlugParamsSchema,
      headers: IfNoneMatchHeadersSchema,
      response: { 200: CategorySchema, 304: NotModifiedSchema, ...problemResponses(400, 404, 500) }
    }
  }, async (request) => await getCategory(request.em, request.params.idOrSlug))

  app.get('/admin/categories', {
    config: STAFF,
    schema: {
      operationId: 'adminListCategories',
      response: { 200: CategoryTreeSchema, ...problemResponses(400, 401, 403, 500) }
    }
  }, async (request) => await categoryTree(request.em, { activeOnly: false }))

  app.post('/admin/categories', {
    config: { ...STAFF, idempotency: {} },
    schema: {
      operationId: 'createCategory',
      headers: IdempotencyHeadersSchema,
      body: CreateCategoryRequestSchema,
      response: { 201: CategorySchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 500) }
    }
  }, async (request, reply) => {
    const category = await createCategory(request.em, request.body)
    return reply.code(201).header('location', locationOf(request, category.id)).send(category)
  })

  app.patch('/admin/categories/:id', {
    config: STAFF,
    schema: {
      operationId: 'updateCategory',
      params: IdParamsSchema,
      body: UpdateCategoryRequestSchema,
      response: { 200: CategorySchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 500) }
    }
  }, async (request) => await updateCategory(request.em, request.params.id, request.body))

  app.delete('/admin/categories/:id', {
    config: STAFF,
    schema: {
      operationId: 'deleteCategory',
      params: IdParamsSchema,
      querystring: MoveProductsQuerySchema,
      response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 409, 413, 415, 500) }
    }
  }, async (request, reply) => {
    await deleteCategory(request.em, request.params.id, request.query.moveProductsTo)
    return reply.code(204).send(null)
  })
}
