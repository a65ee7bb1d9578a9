import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { IdParamsSchema, PageQuerySchema, problemResponses } from '../common/common.schemas.js'
import { createAddress, deleteAddress, getAddress, listAddresses, updateAddress } from './addresses.service.js'
import { AddressPageSchema, AddressSchema, CreateAddressRequestSchema, UpdateAddressRequestSchema } from './customers.schemas.js'

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
    config: CUSTOMERS,
    schema: {
      operationId: 'createAddress',
      body: CreateAddressRequestSchema,
      response: { 201: AddressSchema, ...problemResponses(400, 401, 403, 409, 413, 415, 500) }
    }
  }, async (request, reply) => {
    const address = await createAddress(request.em, request.account!, request.body)
    return reply.code(201).header('location', `/api/v1/me/addresses/${address.id}`).send(address)
  })

  app.get('/:id', {
    config: CUSTOMERS,
    schema: {
      operationId: 'getAddress',
      params: IdParamsSchema,
      response: { 200: AddressSchema, ...problemResponses(400, 401, 403, 404, 500) }
    }
  }, async (request) => await getAddress(request.em, request.account!, request.params.id))

  app.patch('/:id', {
    config: CUSTOMERS,
    schema: {
      operationId: 'updateAddress',
      params: IdParamsSchema,
      body: UpdateAddressRequestSchema,
      response: { 200: AddressSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 500) }
    }
  }, async (request) => await updateAddress(request.em, request.account!, request.params.id, request.body))

  app.delete('/:id', {
    config: CUSTOMERS,
    schema: {
      operationId: 'deleteAddress',
      params: IdParamsSchema,
      response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 413, 415, 500) }
    }
  }, async (request, reply) => {
    await deleteAddress(request.em, request.account!, request.params.id)
    return reply.code(204).send(null)
  })
}
