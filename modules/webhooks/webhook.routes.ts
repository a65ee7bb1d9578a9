import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { IdempotencyHeadersSchema, IdParamsSchema, IfMatchHeadersSchema, PageQuerySchema, problemResponses } from '../../openapi/shared.schemas.js'
import { entityTag, locationOf } from '../../plugins/resource-headers.js'
import {
  CreateWebhookEndpointRequestSchema, DeliveryParamsSchema, DeliveryQuerySchema, UpdateWebhookEndpointRequestSchema, WebhookDeliveryDetailSchema,
  WebhookDeliveryPageSchema, WebhookDeliverySchema, WebhookEndpointPageSchema, WebhookEndpointSchema, WebhookEndpointWithSecretSchema
} from './webhook.schemas.js'
import {
  createWebhookEndpoint, deleteWebhookEndpoint, getWebhookEndpoint, listWebhookEndpoints, rotateWebhookSecret, updateWebhookEndpoint
} from './webhook.service.js'
import { getDelivery, listDeliveries, redeliver, sendTestEvent } from './webhook-delivery.service.js'
import type { WebhookSettings } from './webhook.settings.js'

const ADMINS = { access: { roles: ['ADMIN'] } } as const

/** `/admin/webhooks`: admins manage endpoints, read their delivery logs, and send again. */
export const webhookRoutes: FastifyPluginAsyncTypebox<{ settings: WebhookSettings }> = async (app, { settings }) => {
  const { policy } = settings

  app.get('/', {
    prefixTrailingSlash: 'no-slash',
    config: ADMINS,
    schema: {
      operationId: 'listWebhooks',
      querystring: PageQuerySchema,
      response: { 200: WebhookEndpointPageSchema, ...problemResponses(400, 401, 403, 500) }
    }
  }, async (request) => await listWebhookEndpoints(request.em, request.query))

  app.post('/', {
    prefixTrailingSlash: 'no-slash',
    config: { ...ADMINS, idempotency: {} },
    schema: {
      operationId: 'createWebhook',
      headers: IdempotencyHeadersSchema,
      body: CreateWebhookEndpointRequestSchema,
      response: { 201: WebhookEndpointWithSecretSchema, ...problemResponses(400, 401, 403, 409, 413, 415, 422, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = await createWebhookEndpoint(request.em, policy, request.body)
    return reply.code(201).header('location', locationOf(request, resource.id)).header('etag', entityTag(version)).send(resource)
  })

  app.get('/:id', {
    config: ADMINS,
    schema: {
      operationId: 'getWebhook',
      params: IdParamsSchema,
      response: { 200: WebhookEndpointSchema, ...problemResponses(400, 401, 403, 404, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = await getWebhookEndpoint(request.em, request.params.id)
    return reply.header('etag', entityTag(version)).send(resource)
  })

  app.patch('/:id', {
    config: ADMINS,
    schema: {
      operationId: 'updateWebhook',
      params: IdParamsSchema,
      headers: IfMatchHeadersSchema,
      body: UpdateWebhookEndpointRequestSchema,
      response: { 200: WebhookEndpointSchema, ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415, 422, 500) }
    }
  }, async (request, reply) => {
    const { resource, version } = await updateWebhookEndpoint(request.em, policy, request.params.id, request.body, request.headers['if-match'])
    return reply.header('etag', entityTag(version)).send(resource)
  })

  app.delete('/:id', {
    config: ADMINS,
    schema: {
      operationId: 'deleteWebhook',
      params: IdParamsSchema,
      response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 413, 415, 500) }
    }
  }, async (request, reply) => {
    await deleteWebhookEndpoint(request.em, request.params.id)
    return reply.code(204).send(null)
  })

  app.post('/:id/secret/rotate', {
    config: { ...ADMINS, idempotency: {} },
    schema: {
      operationId: 'rotateWebhookSecret',
      headers: IdempotencyHeadersSchema,
      params: IdParamsSchema,
      response: { 200: WebhookEndpointWithSecretSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 500) }
    }
  }, async (request) => (await rotateWebhookSecret(request.em, request.params.id)).resource)

  app.post('/:id/test', {
    config: { ...ADMINS, idempotency: {} },
    schema: {
      operationId: 'sendWebhookTest',
      headers: IdempotencyHeadersSchema,
      params: IdParamsSchema,
      response: { 202: WebhookDeliverySchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 500) }
    }
  }, async (request, reply) => reply.code(202).send(await sendTestEvent(request.em, app.outbox, request.params.id)))

  app.get('/:id/deliveries', {
    config: ADMINS,
    schema: {
      operationId: 'listWebhookDeliveries',
      params: IdParamsSchema,
      querystring: DeliveryQuerySchema,
      response: { 200: WebhookDeliveryPageSchema, ...problemResponses(400, 401, 403, 404, 500) }
    }
  }, async (request) => await listDeliveries(request.em, request.params.id, request.query))

  app.get('/:id/deliveries/:deliveryId', {
    config: ADMINS,
    schema: {
      operationId: 'getWebhookDelivery',
      params: DeliveryParamsSchema,
      response: { 200: WebhookDeliveryDetailSchema, ...problemResponses(400, 401, 403, 404, 500) }
    }
  }, async (request) => await getDelivery(request.em, request.params.id, request.params.deliveryId))

  app.post('/:id/deliveries/:deliveryId/redeliver', {
    config: { ...ADMINS, idempotency: {} },
    schema: {
      operationId: 'redeliverWebhookDelivery',
      headers: IdempotencyHeadersSchema,
      params: DeliveryParamsSchema,
      response: { 202: WebhookDeliverySchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 500) }
    }
  }, async (request, reply) => reply.code(202).send(await redeliver(request.em, app.outbox, request.params.id, request.params.deliveryId)))
}
