import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IdParamsSchema, IfMatchHeadersSchema, PageQuerySchema, problemResponses } from '../../openapi/shared.schemas.js'
import { entityTag, locationOf } from '../../plugins/resource-headers.js'
import { bootstrapFirstAdmin, createStaffAccount, listStaff, updateStaff } from './staff.service.js'
import { CreateStaffHeadersSchema, CreateStaffRequestSchema, StaffPageSchema, StaffSchema, UpdateStaffRequestSchema } from './staff.schemas.js'

export const staffRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/', {
    prefixTrailingSlash: 'no-slash',
    // Anonymous requests may only create the very first admin; with a token, only admins get through.
    config: { access: { roles: ['ADMIN'], optional: true }, idempotency: {} },
    preHandler: app.authRateLimit('create-staff'),
    schema: {
      operationId: 'createStaff',
      headers: CreateStaffHeadersSchema,
      body: CreateStaffRequestSchema,
      response: { 201: StaffSchema, ...problemResponses(400, 401, 403, 409, 413, 415, 422, 429, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = request.account === null
      ? await bootstrapFirstAdmin(request.em, request.body, { expected: app.config.ADMIN_BOOTSTRAP_TOKEN, presented: request.headers['x-admin-bootstrap-token'] })
      : await createStaffAccount(request.em, app.mailer, request.body)
    return reply.code(201).header('location', locationOf(request, resource.id)).header('etag', entityTag(version)).send(resource)
  })

  app.get('/', {
    prefixTrailingSlash: 'no-slash',
    config: { access: { roles: ['ADMIN'] } },
    schema: {
      operationId: 'listStaff',
      querystring: PageQuerySchema,
      response: { 200: StaffPageSchema, ...problemResponses(400, 401, 403, 500) }
    }
  }, async (request) => await listStaff(request.em, request.query))

  app.patch('/:id', {
    config: { access: { roles: ['ADMIN'] } },
    schema: {
      operationId: 'updateStaff',
      params: IdParamsSchema,
      headers: IfMatchHeadersSchema,
      body: UpdateStaffRequestSchema,
      response: { 200: StaffSchema, ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = await updateStaff(request.em, request.account!, request.params.id, request.body, request.headers['if-match'])
    return reply.header('etag', entityTag(version)).send(resource)
  })
}
