import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { IdempotencyHeadersSchema, IdOrSlugParamsSchema, IdParamsSchema, IfMatchHeadersSchema, IfNoneMatchHeadersSchema, NotModifiedSchema, problemResponses } from '../../openapi/shared.schemas.js'
import { actorOf } from '../auth/user.entity.js'
import { entityTag, locationOf } from '../../plugins/resource-headers.js'
import { AdminProductPageSchema, AdminProductQuerySchema, AdminProductSchema, CreateProductRequestSchema, ProductSchema, UpdateProductRequestSchema } from './product.schemas.js'
import { adminGetProduct, createProduct, deleteProduct, getProduct, listAdminProducts, updateProduct } from './product.service.js'
import { catalogContextOf } from './catalog.context.js'
import { ADMINS, STAFF, STOREFRONT } from './catalog.access.js'

export const productRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { settings, media } = catalogContextOf(app)

  app.get('/products/:idOrSlug', {
    config: STOREFRONT,
    schema: {
      operationId: 'getProduct',
      params: IdOrSlugParamsSchema,
      headers: IfNoneMatchHeadersSchema,
      response: { 200: ProductSchema, 304: NotModifiedSchema, ...problemResponses(400, 404, 500) }
    }
  }, async (request) => await getProduct(request.em, settings, request.params.idOrSlug))

  app.get('/admin/products', {
    config: STAFF,
    schema: {
      operationId: 'adminListProducts',
      querystring: AdminProductQuerySchema,
      response: { 200: AdminProductPageSchema, ...problemResponses(400, 401, 403, 500) }
    }
  }, async (request) => await listAdminProducts(request.em, settings, request.query))

  app.post('/admin/products', {
    config: { ...STAFF, idempotency: {} },
    schema: {
      operationId: 'createProduct',
      headers: IdempotencyHeadersSchema,
      body: CreateProductRequestSchema,
      response: { 201: AdminProductSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = await createProduct(request.em, settings, request.body, actorOf(request.account!))
    return reply.code(201).header('location', locationOf(request, resource.id)).header('etag', entityTag(version)).send(resource)
  })

  app.get('/admin/products/:id', {
    config: STAFF,
    schema: {
      operationId: 'adminGetProduct',
      params: IdParamsSchema,
      response: { 200: AdminProductSchema, ...problemResponses(400, 401, 403, 404, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = await adminGetProduct(request.em, settings, request.params.id)
    return reply.header('etag', entityTag(version)).send(resource)
  })

  app.patch('/admin/products/:id', {
    config: STAFF,
    schema: {
      operationId: 'updateProduct',
      params: IdParamsSchema,
      headers: IfMatchHeadersSchema,
      body: UpdateProductRequestSchema,
      response: { 200: AdminProductSchema, ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = await updateProduct(request.em, settings, request.params.id, request.body, request.headers['if-match'])
    return reply.header('etag', entityTag(version)).send(resource)
  })

  app.delete('/admin/products/:id', {
    config: ADMINS,
    schema: {
      operationId: 'deleteProduct',
      params: IdParamsSchema,
      response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 409, 413, 415, 500) }
    }
  }, async (request, reply) => {
    await deleteProduct(request.em, media, request.params.id)
    return reply.code(204).send(null)
  })
}
