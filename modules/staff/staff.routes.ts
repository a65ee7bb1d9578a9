import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IdParamsSchema, PageQuerySchema, problemResponses } from '../common/common.schemas.js'
import { authServicesOf } from '../auth/auth.context.js'
import { bootstrapFirstAdmin, createStaffAccount, listStaff, updateStaff } from './staff.service.js'
import { CreateStaffHeadersSchema, CreateStaffRequestSchema, StaffPageSchema, StaffSchema, UpdateStaffRequestSchema } from './staff.schemas.js'

export const staffRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const services = authServicesOf(app)

  app.post('/', {
    prefixTrailingSlash: 'no-slash',
    // Anonymous requests may only create the very first admin; with a token, only admins get through.
    config: { access: { roles: ['ADMIN'], optional: true } },
    preHandler: app.authRateLimit('create-staff'),
    schema: {
      operationId: 'createStaff',
      headers: CreateStaffHeadersSchema,
      body: CreateStaffRequestSchema,
      response: { 201: StaffSchema, ...problemResponses(400, 401, 403, 409, 413, 415, 429, 500) }
    }
  }, async (request, reply) => {
    const staff = request.account === null
      ? await bootstrapFirstAdmin(request.em, request.body, { expected: app.config.ADMIN_BOOTSTRAP_TOKEN, presented: request.headers['x-admin-bootstrap-token'] })
      : await createStaffAccount(request.em, services, request.body)
    return reply.code(201).header('location', `/api/v1/admin/staff/${staff.id}`).send(staff)
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
      body: UpdateStaffRequestSchema,
      response: { 200: StaffSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 500) }
    }
  }, async (request) => await updateStaff(request.em, request.account!, request.params.id, request.body))
}
