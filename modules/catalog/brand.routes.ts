import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { IdempotencyHeadersSchema, IdOrSlugParamsSchema, IdParamsSchema, IfNoneMatchHeadersSchema, NotModifiedSchema, PageQuerySchema, problemResponses } from '../../openapi/shared.schemas.js'
import { locationOf } from '../../plugins/resource-headers.js'
import { MoveProductsQuerySchema } from './catalog.schemas.js'
import { BrandPageSchema, BrandSchema, CreateBrandRequestSchema, UpdateBrandRequestSchema } from './brand.schemas.js'
import { createBrand, deleteBrand, getBrand, listBrands, updateBrand } from './brand.service.js'
import { STAFF, STOREFRONT } from './catalog.access.js'

export const brandRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/brands', {
    config: STOREFRONT,
    schema: {
      operationId: 'listBrands',
      querystring: PageQuerySchema,
      headers: IfNoneMatchHeadersSchema,
      response: { 200: BrandPageSchema, 304: NotModifiedSchema, ...problemResponses(400, 500) }
    }
  }, async (request) => await listBrands(request.em, request.query))

  app.get('/brands/:idOrSlug', {
    config: STOREFRONT,
    schema: {
      operationId: 'getBrand',
      params: IdOrSlugParamsSchema,
      headers: IfNoneMatchHeadersSchema,
      response: { 200: BrandSchema, 304: NotModifiedSchema, ...problemResponses(400, 404, 500) }
    }
  }, async (request) => await getBrand(request.em, request.params.idOrSlug))

  app.get('/admin/brands', {
    config: STAFF,
    schema: {
      operationId: 'adminListBrands',
      querystring: PageQuerySchema,
      response: { 200: BrandPageSchema, ...problemResponses(400, 401, 403, 500) }
    }
  }, async (request) => await listBrands(request.em, request.query))

  app.post('/admin/brands', {
    config: { ...STAFF, idempotency: {} },
    schema: {
      operationId: 'createBrand',
      headers: IdempotencyHeadersSchema,
      body: CreateBrandRequestSchema,
      response: { 201: BrandSchema, ...problemResponses(400, 401, 403, 409, 413, 415, 422, 500) }
    }
  }, async (request, reply) => {
    const brand = await createBrand(request.em, request.body)
    return reply.code(201).header('location', locationOf(request, brand.id)).send(brand)
  })

  app.patch('/admin/brands/:id', {
    config: STAFF,
    schema: {
      operationId: 'updateBrand',
      params: IdParamsSchema,
      body: UpdateBrandRequestSchema,
      response: { 200: BrandSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 500) }
    }
  }, async (request) => await updateBrand(request.em, request.params.id, request.body))

  app.delete('/admin/brands/:id', {
    config: STAFF,
    schema: {
      operationId: 'deleteBrand',
      params: IdParamsSchema,
      querystring: MoveProductsQuerySchema,
      response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 409, 413, 415, 500) }
    }
  }, async (request, reply) => {
    await deleteBrand(request.em, request.params.id, request.query.moveProductsTo)
    return reply.code(204).send(null)
  })
}
