import fp from 'fastify-plugin'
import type { EntityManager } from '@mikro-orm/postgresql'
import { PgBoss, fromKysely, type JobResult } from 'pg-boss'

/** How a topic's messages are retried: exponential backoff from `retryDelaySeconds` (default OUTBOX_RETRY_DELAY_SECONDS), at most `retryLimit` times. */
export interface TopicOptions {
  retryLimit?: number
  retryDelaySeconds?: number
  retryDelayMaxSeconds?: number
  /** How long a delivered message stays in the queue's table (its data may hold codes: keep it short). */
  keepDeliveredSeconds?: number
  /**
   * Messages of this topic delivered at once on each instance, each by its own worker taking one at a time:
   * for slow receivers (a webhook endpoint timing out), which would otherwise hold up the messages batched
   * after theirs. Unset: one worker taking batches of ten.
   */
  concurrency?: number
}

export interface SendOptions {
  /** A message still undelivered at this time is dropped instead of delivered (an expired code). */
  notAfter?: Date
  /** Not delivered before this time (a retry a receiver's schedule puts later). */
  startAfter?: Date
}

export interface Outbox {
  /**
   * Queues a message in `em`'s transaction: a rolled-back change sends nothing, a committed one is never
   * forgotten. Delivery is the topic handler's, on whichever instance takes it first.
   */
  send: (em: EntityManager, topic: string, data: object, options?: SendOptions) => Promise<void>
  /** Declares a topic and the handler that delivers its messages; a handler that throws is retried. */
  handle: <T extends object>(topic: string, deliver: (data: T) => Promise<void>, options?: TopicOptions) => void
}

declare module 'fastify' {
  interface FastifyInstance {
    outbox: Outbox
  }
}

interface Envelope {
  data: object
  notAfter: string | null
}

export const OUTBOX_SCHEMA = 'pgboss'

/** Creates (or migrates) the queue's tables, as the first start does: for a template database that others are cloned from. */
export async function installOutbox (connectionString: string): Promise<void> {
  const boss = new PgBoss({ connectionString, schema: OUTBOX_SCHEMA, max: 1, supervise: false, schedule: false })
  await boss.start()
  await boss.stop({ graceful: false, close: true })
}

/**
 * The outbox: messages to the outside world (emails now; webhooks and live events next) are jobs of
 * pg-boss, a PostgreSQL-backed queue, inserted in the caller's transaction. Every instance runs the
 * workers; pg-boss hands each job to one of them at a time (`SKIP LOCKED`), wakes them through
 * LISTEN/NOTIFY when a job commits, and retries failures with exponential backoff.
 */
export default fp(async (app) => {
  const { DATABASE_URL } = app.config
  if (DATABASE_URL === undefined) throw new Error('DATABASE_URL must be resolved before the app is built')
  const boss = new PgBoss({ connectionString: DATABASE_URL, schema: OUTBOX_SCHEMA, max: 3, useListenNotify: true, application_name: 'commerce-api outbox' })
  boss.on('error', (error) => { app.log.error({ err: error }, 'outbox error') })
  const topics = new Map<string, { deliver: (data: object) => Promise<void>, options: TopicOptions }>()

  app.decorate('outbox', {
    send: async (em: EntityManager, topic: string, data: object, options: SendOptions = {}) => {
      if (!topics.has(topic)) throw new Error(`no outbox topic ${topic}`)
      const envelope: Envelope = { data, notAfter: options.notAfter?.toISOString() ?? null }
      await boss.send(topic, envelope, { db: fromKysely(em.getKysely()), ...(options.startAfter === undefined ? {} : { startAfter: options.startAfter }) })
    },
    handle: <T extends object>(topic: string, deliver: (data: T) => Promise<void>, options: TopicOptions = {}) => {
      topics.set(topic, { deliver: deliver as (data: object) => Promise<void>, options })
    }
  })

  app.addHook('onReady', async () => {
    await boss.start()
    for (const [topic, { deliver, options }] of topics) {
      await boss.createQueue(topic, {
        notify: true,
        retryLimit: options.retryLimit ?? 12,
        retryDelay: options.retryDelaySeconds ?? app.config.OUTBOX_RETRY_DELAY_SECONDS,
        retryBackoff: true,
        retryDelayMax: options.retryDelayMaxSeconds ?? 3600,
        deleteAfterSeconds: options.keepDeliveredSeconds ?? 3600
      })
      // Batches settle job by job: one undeliverable message is retried alone, the others are done. A full
      // batch fetches again at once; NOTIFY wakes the workers when a message commits, and polling catches retries that come due.
      const workers = options.concurrency === undefined ? { batchSize: 10, burstWhenBatchFull: true } : { batchSize: 1, localConcurrency: options.concurrency }
      await boss.work<Envelope>(topic, { ...workers, perJobResults: true, pollingIntervalSeconds: 1, notifyPollingIntervalSeconds: 1 }, async (jobs) => {
        const results: JobResult[] = []
        for (const job of jobs) {
          if (job.data.notAfter !== null && Date.parse(job.data.notAfter) < Date.now()) {
            app.log.warn({ topic, job: job.id }, 'outbox message dropped: it expired before it could be delivered')
            results.push({ id: job.id, status: 'completed' })
            continue
          }
          try {
            await deliver(job.data.data)
            results.push({ id: job.id, status: 'completed' })
          } catch (error) {
            app.log.error({ err: error, topic, job: job.id, attempt: job.retryCount + 1 }, 'outbox message not delivered: it will be retried')
            results.push({ id: job.id, status: 'failed', output: { message: error instanceof Error ? error.message : String(error) } })
          }
        }
        return results
      })
    }
  })
  app.addHook('onClose', async () => { await boss.stop({ graceful: true, timeout: 5000, close: true }) })
}, { name: 'outbox', dependencies: ['config', 'db'] })
