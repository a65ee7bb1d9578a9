import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { queueWebhookEvent } from '../../modules/webhooks/webhook.service.js'
import { secondInstance } from '../helpers/shop.js'
import { buildWebhooks, createEndpoint, deliveriesWhen, deliveryWhen, startReceiver, verify } from '../helpers/webhooks.js'

t.test('two instances on one database deliver each event to each endpoint exactly once', async (t) => {
  const harness = await buildWebhooks(t)
  const other = await secondInstance(t, harness, { WEBHOOK_RETRY_SCHEDULE_SECONDS: '1,1' })
  const flaky = await startReceiver(t, (index) => index % 5 === 0 ? 500 : 200)
  const steady = await startReceiver(t)
  const first = await createEndpoint(harness, flaky.url, ['order.placed'])
  const second = await createEndpoint(harness, steady.url, ['order.placed', 'order.paid'])

  const queue = async (app: FastifyInstance, index: number): Promise<void> => {
    await app.orm.em.fork().transactional(async (tx) => {
      await queueWebhookEvent(tx, app.outbox, { type: 'order.placed', data: { order: { id: `order-${index}` }, customer: { id: 'c', email: 'c@example.com', name: 'C' } } })
    })
  }
  const events = 30
  await Promise.all(Array.from({ length: events }, async (_, index) => { await queue(index % 2 === 0 ? harness.app : other.app, index) }))

  await steady.waitFor(events, 30_000)
  const deliveries = await deliveriesWhen(harness, first.id, events, 30_000)
  for (const delivery of deliveries) await deliveryWhen(harness, first.id, delivery.id, (found) => found.delivery.status === 'SUCCEEDED', 30_000)
  await sleep(1500)

  const ids = (received: typeof steady.received): string[] => received.map((request) => String(request.headers['webhook-id']))
  t.equal(steady.received.length, events, 'the steady receiver got each event once')
  t.equal(new Set(ids(steady.received)).size, events, 'thirty different webhook-ids')
  const succeeded = flaky.received.filter((request, index) => index % 5 !== 0)
  t.equal(succeeded.length, events, 'the flaky receiver acknowledged each event once')
  t.equal(new Set(ids(succeeded)).size, events)
  t.same(new Set(ids(flaky.received)), new Set(ids(steady.received)), 'one id per event, the same for every endpoint')
  t.same(steady.received.map((request) => verify(second.secret, request).data.order.id).sort(), Array.from({ length: events }, (_, index) => `order-${index}`).sort())
})
