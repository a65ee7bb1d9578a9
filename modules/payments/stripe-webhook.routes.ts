import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { problemResponses } from '../../openapi/shared.schemas.js'
import { invalidField } from '../../plugins/problem.js'
import { ProviderBodySchema, ProviderEventAckSchema, StripeEventHeadersSchema } from './payment.schemas.js'
import { stripeNotConfigured, stripeSignatureInvalid } from './payments.errors.js'
import type { PaymentSettings } from './payments.settings.js'
import { receiveStripeEvent } from './stripe-events.service.js'
import { SignatureRejectedError } from './stripe-gateway.js'

/** Stripe's events. Scoped, so that here, and only here, a JSON body stays the raw bytes its signature covers. */
export const stripeWebhookRoutes: FastifyPluginAsyncTypebox<{ settings: PaymentSettings }> = async (app, { settings }) => {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => { done(null, body) })

  app.post('/webhooks/stripe', {
    config: { access: 'public', providerBody: true },
    schema: {
      operationId: 'receiveStripeEvent',
      headers: StripeEventHeadersSchema,
      body: ProviderBodySchema,
      response: { 200: ProviderEventAckSchema, ...problemResponses(400, 404, 413, 415, 500) }
    }
  }, async (request) => {
    if (settings.gateway === null) throw stripeNotConfigured()
    const body = request.body as unknown
    if (!Buffer.isBuffer(body)) throw invalidField('/body', 'must be the event Stripe sent')
    let event
    try {
      event = settings.gateway.parseEvent(body, request.headers['stripe-signature'])
    } catch (error) {
      if (error instanceof SignatureRejectedError) throw stripeSignatureInvalid()
      throw error
    }
    const { duplicate } = await receiveStripeEvent(request.em, settings, event)
    return { received: true as const, duplicate }
  })
}
