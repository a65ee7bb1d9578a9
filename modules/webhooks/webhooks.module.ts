import type { FastifyPluginAsync } from 'fastify'
import { webhookRoutes } from './webhook.routes.js'
import { EVENT_TOPIC, type QueuedWebhookEvent } from './webhook.service.js'
import { attemptDelivery, DELIVERY_TOPIC, fanOutEvent, sweepWebhookEvents, type DeliveryJob } from './webhook-delivery.service.js'
import { webhookSettingsFrom } from './webhook.settings.js'

const SWEEP_EVERY_MS = 60 * 60 * 1000

/**
 * Outgoing webhooks: admins' endpoints, and the background delivery of integration events through the
 * outbox. An event queued by a use case is fanned out to its endpoints (`webhook-event`), and each delivery
 * is sent, signed, one attempt per job (`webhook-delivery`), on whichever instance takes the job.
 */
const webhooksModule: FastifyPluginAsync = async (app) => {
  const settings = webhookSettingsFrom(app.config)
  const services = { outbox: app.outbox, mailer: app.mailer, settings }

  app.outbox.handle<QueuedWebhookEvent>(EVENT_TOPIC, async (event) => {
    const deliveries = await fanOutEvent(app.orm.em.fork(), app.outbox, event)
    app.log.debug({ event: event.id, type: event.type, deliveries }, 'webhook event fanned out')
  })
  // The retry schedule is the delivery's own (each attempt queues the next); pg-boss retries only a job
  // that could not record its attempt (the database was unreachable).
  app.outbox.handle<DeliveryJob>(DELIVERY_TOPIC, async (job) => {
    const { outcome, exchange } = await attemptDelivery(app.orm.em.fork(), services, job)
    if (outcome === 'retrying' || outcome === 'failed') {
      app.log.warn({ delivery: job.deliveryId, attempt: job.step + 1, status: exchange?.status, error: exchange?.error, outcome }, 'webhook delivery attempt failed')
    }
  }, { retryLimit: 5, concurrency: app.config.WEBHOOK_DELIVERY_CONCURRENCY })

  app.scheduleJob({
    name: 'sweep-webhook-events',
    everyMs: SWEEP_EVERY_MS,
    run: async (em) => {
      const swept = await sweepWebhookEvents(em, settings.retentionDays)
      if (swept > 0) app.log.info({ swept }, 'deleted webhook events past their retention')
    }
  })

  await app.register(webhookRoutes, { settings })
}

export default webhooksModule
