import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { IdempotencyHeadersSchema, IdParamsSchema, problemResponses } from '../../openapi/shared.schemas.js'
import { STAFF_ROLES } from '../auth/user.entity.js'
import { CarrierCallbackAckSchema, CarrierParamsSchema, CreateShipmentRequestSchema, UpdateShipmentRequestSchema } from './shipment.schemas.js'
import { ShipmentSchema } from '../orders/orders.contract.js'
import { createShipment, receiveCarrierCallback, updateShipment, type ShipmentSettings } from './shipment.service.js'

const STAFF = { access: { roles: STAFF_ROLES } } as const

export const shipmentRoutes: FastifyPluginAsyncTypebox<{ settings: ShipmentSettings }> = async (app, { settings }) => {
  app.post('/admin/orders/:id/shipments', {
    config: { ...STAFF, idempotency: {} },
    schema: {
      operationId: 'createShipment',
      params: IdParamsSchema,
      headers: IdempotencyHeadersSchema,
      body: CreateShipmentRequestSchema,
      response: { 201: ShipmentSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 500, 502, 503) }
    }
  }, async (request, reply) => {
    const shipment = await createShipment(request.em, settings, request.account!, request.params.id, request.body)
    return reply.code(201).header('location', `${app.prefix}/admin/shipments/${shipment.id}`).send(shipment)
  })

  app.patch('/admin/shipments/:id', {
    config: STAFF,
    schema: {
      operationId: 'updateShipment',
      params: IdParamsSchema,
      body: UpdateShipmentRequestSchema,
      response: { 200: ShipmentSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 500) }
    }
  }, async (request) => await updateShipment(request.em, settings, request.account!, request.params.id, request.body))

  app.post('/webhooks/carriers/:carrier', {
    config: { access: 'public', providerBody: true },
    schema: {
      operationId: 'receiveCarrierCallback',
      params: CarrierParamsSchema,
      body: Type.Object({}, { additionalProperties: true }),
      response: { 200: CarrierCallbackAckSchema, ...problemResponses(400, 401, 404, 413, 415, 500) }
    }
  }, async (request) => ({ received: true as const, ...await receiveCarrierCallback(request.em, settings, request.params.carrier, request.headers, request.body) }))
}
