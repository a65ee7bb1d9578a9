import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { IdempotencyHeadersSchema, IdParamsSchema, IfMatchHeadersSchema, problemResponses } from '../../openapi/shared.schemas.js'
import { entityTag, locationOf } from '../../plugins/resource-headers.js'
import { CreateDiscountRequestSchema, DiscountPageSchema, DiscountQuerySchema, DiscountSchema, UpdateDiscountRequestSchema } from './discount.schemas.js'
import { createDiscount, deleteDiscount, getDiscount, listDiscounts, updateDiscount, type DiscountSettings } from './discount.service.js'

/** Discount codes move money: admins only. */
const ADMINS = { access: { roles: ['ADMIN'] } } as const

export const discountRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const settings: DiscountSettings = { currency: app.config.SHOP_CURRENCY }

  app.get('/admin/discounts', {
    config: ADMINS,
    schema: {
      operationId: 'listDiscounts',
      querystring: DiscountQuerySchema,
      response: { 200: DiscountPageSchema, ...problemResponses(400, 401, 403, 500) }
    }
  }, async (request) => await listDiscounts(request.em, settings, request.query))

  app.post('/admin/discounts', {
    config: { ...ADMINS, idempotency: {} },
    schema: {
      operationId: 'createDiscount',
      headers: IdempotencyHeadersSchema,
      body: CreateDiscountRequestSchema,
      response: { 201: DiscountSchema, ...problemResponses(400, 401, 403, 409, 413, 415, 422, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = await createDiscount(request.em, settings, request.body)
    return reply.code(201).header('location', locationOf(request, resource.id)).header('etag', entityTag(version)).send(resource)
  })

  app.get('/admin/discounts/:id', {
    config: ADMINS,
    schema: {
      operationId: 'getDiscount',
      params: IdParamsSchema,
      response: { 200: DiscountSchema, ...problemResponses(400, 401, 403, 404, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = await getDiscount(request.em, settings, request.params.id)
    return reply.header('etag', entityTag(version)).send(resource)
  })

  app.patch('/admin/discounts/:id', {
    config: ADMINS,
    schema: {
      operationId: 'updateDiscount',
      params: IdParamsSchema,
      headers: IfMatchHeadersSchema,
      body: UpdateDiscountRequestSchema,
      response: { 200: DiscountSchema, ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = await updateDiscount(request.em, settings, request.params.id, request.body, request.headers['if-match'])
    return reply.header('etag', entityTag(version)).send(resource)
  })

  app.delete('/admin/discounts/:id', {
    config: ADMINS,
    schema: {
      operationId: 'deleteDiscount',
      params: IdParamsSchema,
      response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 409, 413, 415, 500) }
    }
  }, async (request, reply) => {
    await deleteDiscount(request.em, request.params.id)
    return reply.code(204).send(null)
  })
}
