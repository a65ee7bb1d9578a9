import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { IdempotencyHeadersSchema, IdParamsSchema, IfMatchHeadersSchema, PageQuerySchema, problemResponses } from '../../openapi/shared.schemas.js'
import { entityTag, locationOf } from '../../plugins/resource-headers.js'
import { createAddress, deleteAddress, getAddress, listAddresses, updateAddress } from './address.service.js'
import { AddressPageSchema, AddressSchema, CreateAddressRequestSchema, UpdateAddressRequestSchema } from './address.schemas.js'

const CUSTOMERS = { access: { roles: ['CUSTOMER'] as const } }

export const addressRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    prefixTrailingSlash: 'no-slash',
    config: CUSTOMERS,
    schema: {
      operationId: 'listAddresses',
      querystring: PageQuerySchema,
      response: { 200: AddressPageSchema, ...problemResponses(400, 401, 403, 500) }
    }
  }, async (request) => await listAddresses(request.em, request.account!, request.query))

  app.post('/', {
    prefixTrailingSlash: 'no-slash',
    config: { ...CUSTOMERS, idempotency: {} },
    schema: {
      operationId: 'createAddress',
      headers: IdempotencyHeadersSchema,
      body: CreateAddressRequestSchema,
      response: { 201: AddressSchema, ...problemResponses(400, 401, 403, 409, 413, 415, 422, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = await createAddress(request.em, request.account!, request.body)
    return reply.code(201).header('location', locationOf(request, resource.id)).header('etag', entityTag(version)).send(resource)
  })

  app.get('/:id', {
    config: CUSTOMERS,
    schema: {
      operationId: 'getAddress',
      params: IdParamsSchema,
      response: { 200: AddressSchema, ...problemResponses(400, 401, 403, 404, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = await getAddress(request.em, request.account!, request.params.id)
    return reply.header('etag', entityTag(version)).send(resource)
  })

  app.patch('/:id', {
    config: CUSTOMERS,
    schema: {
      operationId: 'updateAddress',
      params: IdParamsSchema,
      headers: IfMatchHeadersSchema,
      body: UpdateAddressRequestSchema,
      response: { 200: AddressSchema, ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = await updateAddress(request.em, request.account!, request.params.id, request.body, request.headers['if-match'])
    return reply.header('etag', entityTag(version)).send(resource)
  })

  app.delete('/:id', {
    config: CUSTOMERS,
    schema: {
      operationId: 'deleteAddress',
      params: IdParamsSchema,
      headers: IfMatchHeadersSchema,
      response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 412, 413, 415, 500) }
    }
  }, async (request, reply) => {
    await deleteAddress(request.em, request.account!, request.params.id, request.headers['if-match'])
    return reply.code(204).send(null)
  })
}
