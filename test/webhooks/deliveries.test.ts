import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { Webhook, WebhookVerificationError } from 'standardwebhooks'
import { queueWebhookEvent, type WebhookEventType } from '../../modules/webhooks/webhook.service.js'
import { fanOutEvent } from '../../modules/webhooks/webhook-delivery.service.js'
import { ISO_INSTANT, UUID_V7, problem } from '../helpers/problems.js'
import { buildWebhooks, createEndpoint, deliveriesOf, deliveriesWhen, deliveryWhen, startReceiver, verify, type WebhookHarness } from '../helpers/webhooks.js'

const PATH = '/api/v1/admin/webhooks'

/** A use case's transaction: the event is queued with the change, and goes out only if it commits. */
async function queue (app: FastifyInstance, type: WebhookEventType, data: object): Promise<void> {
  await app.orm.em.fork().transactional(async (tx) => { await queueWebhookEvent(tx, app.outbox, { type, data }) })
}

const orderData = (id: string) => ({ order: { id, number: '100042' }, customer: { id: '0193b1e4-7c1a-7d2e-9f3a-1b2c3d4e5f60', email: 'ada@example.com', name: 'Ada' } })

let harness: WebhookHarness
t.before(async () => {
  harness = await buildWebhooks(t)
})

t.test('a committed event reaches the subscribed endpoints, signed; a rolled-back one reaches nobody', async (t) => {
  const { app } = harness
  const receiver = await startReceiver(t)
  const other = await startReceiver(t)
  const endpoint = await createEndpoint(harness, receiver.url, ['order.placed', 'order.paid'])
  const unsubscribed = await createEndpoint(harness, other.url, ['order.shipped'])
  const paused = await createEndpoint(harness, `${other.url}/paused`, ['order.placed'])
  await harness.api.PATCH(`${PATH}/{id}`, { headers: harness.admin, params: { path: { id: paused.id } }, body: { active: false } })

  await t.rejects(app.orm.em.fork().transactional(async (tx) => {
    await queueWebhookEvent(tx, app.outbox, { type: 'order.placed', data: orderData('rolled-back') })
    throw new Error('checkout failed')
  }), /checkout failed/)
  await queue(app, 'order.placed', orderData('committed'))

  const [request] = await receiver.waitFor(1)
  const event = verify(endpoint.secret, request!)
  t.same(event, { type: 'order.placed', timestamp: event.timestamp, data: orderData('committed') }, 'the Standard Webhooks body, verified with the standardwebhooks library')
  t.match(event.timestamp, ISO_INSTANT)
  t.match(request!.headers, { 'content-type': 'application/json', 'webhook-id': UUID_V7, 'webhook-timestamp': /^\d+$/, 'webhook-signature': /^v1,[A-Za-z0-9+/]+=*$/ })
  t.throws(() => new Webhook(unsubscribed.secret).verify(request!.body, request!.headers as Record<string, string>), WebhookVerificationError, 'another secret does not verify')
  t.throws(() => verify(endpoint.secret, { ...request!, body: request!.body.replace('committed', 'tampered') }), WebhookVerificationError, 'a changed body does not verify')

  const [delivery] = await deliveriesWhen(harness, endpoint.id, 1)
  const detail = await deliveryWhen(harness, endpoint.id, delivery!.id, (found) => found.delivery.status === 'SUCCEEDED')
  t.match(detail.delivery, { webhookId: endpoint.id, eventId: request!.headers['webhook-id'], eventType: 'order.placed', status: 'SUCCEEDED', attemptCount: 1, lastResponseStatus: 200, lastError: null, nextAttemptAt: null, completedAt: ISO_INSTANT })
  t.same(detail.payload, JSON.parse(request!.body), 'the log shows the body as sent')
  t.match(detail.attempts, [{ responseStatus: 200, error: null, responseBody: 'thanks' }])
  t.type(detail.attempts[0]?.durationMs, 'number')

  await sleep(500)
  t.equal(receiver.received.length, 1, 'the rolled-back event never went out')
  t.equal(other.received.length, 0, 'neither the unsubscribed nor the inactive endpoint got anything')
  t.same(await deliveriesOf(harness, unsubscribed.id), [])
  t.same(await deliveriesOf(harness, paused.id), [])
})

t.test('a receiver answering 500 then 200 gets the event twice with the same webhook-id', async (t) => {
  const receiver = await startReceiver(t, (index) => index === 0 ? 500 : 200)
  const endpoint = await createEndpoint(harness, receiver.url, ['order.paid'])
  await queue(harness.app, 'order.paid', orderData('retried'))
  const [first, second] = await receiver.waitFor(2)
  t.equal(first!.headers['webhook-id'], second!.headers['webhook-id'], 'one id for every attempt')
  t.equal(first!.body, second!.body, 'the same bytes')
  t.same(verify(endpoint.secret, second!), verify(endpoint.secret, first!))
  const [delivery] = await deliveriesWhen(harness, endpoint.id, 1)
  const detail = await deliveryWhen(harness, endpoint.id, delivery!.id, (found) => found.delivery.status === 'SUCCEEDED')
  t.match(detail.delivery, { status: 'SUCCEEDED', attemptCount: 2, lastResponseStatus: 200, nextAttemptAt: null })
  t.match(detail.attempts, [
    { responseStatus: 200, error: null },
    { responseStatus: 500, error: 'answered 500', responseBody: 'receiver says 500' }
  ], 'both attempts, newest first')
  t.ok(Date.parse(detail.attempts[0]!.attemptedAt) > Date.parse(detail.attempts[1]!.attemptedAt))
  const endpointNow = await harness.api.GET(`${PATH}/{id}`, { headers: harness.admin, params: { path: { id: endpoint.id } } })
  t.equal(endpointNow.data?.consecutiveFailures, 0, 'a delivery that finally succeeded is no failure')
})

t.test('while a retry is due, the delivery shows when; spent retries make it FAILED; two in a row disable the endpoint and email the admins', async (t) => {
  const { api, admin, smtp } = harness
  const receiver = await startReceiver(t, () => 503)
  const endpoint = await createEndpoint(harness, receiver.url, ['order.cancelled'])
  await queue(harness.app, 'order.cancelled', orderData('first failure'))
  const [delivery] = await deliveriesWhen(harness, endpoint.id, 1)
  const retrying = await deliveryWhen(harness, endpoint.id, delivery!.id, (found) => found.delivery.attemptCount === 1)
  t.match(retrying.delivery, { status: 'PENDING', lastResponseStatus: 503, nextAttemptAt: ISO_INSTANT, completedAt: null })
  t.ok(Date.parse(retrying.delivery.nextAttemptAt!) > Date.parse(retrying.delivery.lastAttemptAt!), 'the next attempt is scheduled after the last')
  const failed = await deliveryWhen(harness, endpoint.id, delivery!.id, (found) => found.delivery.status !== 'PENDING')
  t.match(failed.delivery, { status: 'FAILED', attemptCount: 3, lastResponseStatus: 503, lastError: 'answered 503', nextAttemptAt: null, completedAt: ISO_INSTANT }, 'the first attempt and both retries, then FAILED')
  t.equal(failed.attempts.length, 3)
  const once = (await api.GET(`${PATH}/{id}`, { headers: admin, params: { path: { id: endpoint.id } } })).data!
  t.match(once, { active: true, consecutiveFailures: 1 }, 'one failed delivery does not disable it')

  await queue(harness.app, 'order.cancelled', orderData('second failure'))
  const deliveries = await deliveriesWhen(harness, endpoint.id, 2)
  await deliveryWhen(harness, endpoint.id, deliveries[0]!.id, (found) => found.delivery.status === 'FAILED')
  const disabled = (await api.GET(`${PATH}/{id}`, { headers: admin, params: { path: { id: endpoint.id } } })).data!
  t.match(disabled, { active: false, consecutiveFailures: 2, disabledAt: ISO_INSTANT, disabledReason: 'its last 2 deliveries failed after every attempt (the last: answered 503).' })
  const mail = await smtp.nextMessage(harness.adminEmail, 10_000)
  t.equal(mail.subject, `Webhook endpoint disabled: ${receiver.url}`)
  t.match(mail.text, `The webhook endpoint ${receiver.url} (id ${endpoint.id}) has been disabled: its last 2 deliveries failed`)
  t.match(mail.html, /<p>Hello First Admin,<\/p>/)

  await queue(harness.app, 'order.cancelled', orderData('after disabling'))
  await sleep(700)
  t.equal((await deliveriesOf(harness, endpoint.id)).length, 2, 'a disabled endpoint gets no new deliveries')
  const reenabled = await api.PATCH(`${PATH}/{id}`, { headers: admin, params: { path: { id: endpoint.id } }, body: { active: true } })
  t.match(reenabled.data, { active: true, consecutiveFailures: 0, disabledReason: null, disabledAt: null }, 'an admin re-enables it with a clean slate')
  const failedOnly = await api.GET(`${PATH}/{id}/deliveries`, { headers: admin, params: { path: { id: endpoint.id }, query: { status: 'FAILED', limit: 1 } } })
  t.equal(failedOnly.data?.items.length, 1)
  t.equal(failedOnly.data?.items[0]?.id, deliveries[0]!.id, 'newest first')
  const next = await api.GET(`${PATH}/{id}/deliveries`, { headers: admin, params: { path: { id: endpoint.id }, query: { status: 'FAILED', limit: 1, cursor: failedOnly.data!.nextCursor! } } })
  t.same(next.data?.items.map((item) => item.id), [deliveries[1]!.id])
  t.equal(next.data?.nextCursor, null)
})

t.test('a retry due after the endpoint was deactivated is not sent: the delivery is CANCELLED', async (t) => {
  const { api, admin } = harness
  const receiver = await startReceiver(t, () => 500)
  const endpoint = await createEndpoint(harness, receiver.url, ['order.shipped'])
  await queue(harness.app, 'order.shipped', orderData('paused'))
  await receiver.waitFor(1)
  await api.PATCH(`${PATH}/{id}`, { headers: admin, params: { path: { id: endpoint.id } }, body: { active: false } })
  const [delivery] = await deliveriesWhen(harness, endpoint.id, 1)
  const cancelled = await deliveryWhen(harness, endpoint.id, delivery!.id, (found) => found.delivery.status !== 'PENDING')
  t.match(cancelled.delivery, { status: 'CANCELLED', attemptCount: 1, lastError: 'not sent: the endpoint was not active when the attempt was due', nextAttemptAt: null })
  await sleep(1500)
  t.equal(receiver.received.length, 1, 'nothing was sent after the deactivation')
  const redeliver = await api.POST(`${PATH}/{id}/deliveries/{deliveryId}/redeliver`, { headers: admin, params: { path: { id: endpoint.id, deliveryId: delivery!.id } } })
  t.equal(redeliver.response.status, 409)
  t.same(redeliver.error, problem(409, 'WEBHOOK_INACTIVE', 'This webhook endpoint is not active; set active to true before sending to it.', `${PATH}/${endpoint.id}/deliveries/${delivery!.id}/redeliver`))
  const test = await api.POST(`${PATH}/{id}/test`, { headers: admin, params: { path: { id: endpoint.id } } })
  t.equal(test.response.status, 409)
  t.equal(test.error?.code, 'WEBHOOK_INACTIVE')
})

t.test('a test event goes to one endpoint; a redelivery sends the same event again with the same id', async (t) => {
  const { api, admin } = harness
  const receiver = await startReceiver(t)
  const endpoint = await createEndpoint(harness, receiver.url, ['inventory.low_stock'])
  const bystander = await createEndpoint(harness, `${receiver.url}/bystander`, ['inventory.low_stock'])
  const test = await api.POST(`${PATH}/{id}/test`, { headers: { ...admin, 'idempotency-key': 'test-once' }, params: { path: { id: endpoint.id } } })
  t.equal(test.response.status, 202)
  t.match(test.data, { id: UUID_V7, webhookId: endpoint.id, eventId: UUID_V7, eventType: 'webhook.test', status: 'PENDING', attemptCount: 0 })
  const replay = await api.POST(`${PATH}/{id}/test`, { headers: { ...admin, 'idempotency-key': 'test-once' }, params: { path: { id: endpoint.id } } })
  t.same(replay.data, test.data, 'a replayed test queues nothing more')
  const [first] = await receiver.waitFor(1)
  t.same(verify(endpoint.secret, first!).data, { webhookId: endpoint.id, message: 'A test event sent from the back office: a 2xx answer means the endpoint works.' })
  t.equal(first!.headers['webhook-id'], test.data!.eventId)
  await deliveryWhen(harness, endpoint.id, test.data!.id, (found) => found.delivery.status === 'SUCCEEDED')

  const again = await api.POST(`${PATH}/{id}/deliveries/{deliveryId}/redeliver`, { headers: admin, params: { path: { id: endpoint.id, deliveryId: test.data!.id } } })
  t.equal(again.response.status, 202)
  t.match(again.data, { id: test.data!.id, status: 'PENDING', attemptCount: 1, completedAt: null })
  const [, second] = await receiver.waitFor(2)
  t.equal(second!.headers['webhook-id'], first!.headers['webhook-id'], 'the same webhook-id')
  t.equal(second!.body, first!.body, 'the same body')
  const redelivered = await deliveryWhen(harness, endpoint.id, test.data!.id, (found) => found.delivery.status === 'SUCCEEDED')
  t.match(redelivered.delivery, { attemptCount: 2 })
  t.equal(redelivered.attempts.length, 2)

  const elsewhere = await api.POST(`${PATH}/{id}/deliveries/{deliveryId}/redeliver`, { headers: admin, params: { path: { id: bystander.id, deliveryId: test.data!.id } } })
  t.equal(elsewhere.response.status, 404, "another endpoint's delivery is not found under this one")
  t.same(elsewhere.error, problem(404, 'NOT_FOUND', 'This webhook endpoint has no delivery with this id.', `${PATH}/${bystander.id}/deliveries/${test.data!.id}/redeliver`))
  const read = await api.GET(`${PATH}/{id}/deliveries/{deliveryId}`, { headers: admin, params: { path: { id: bystander.id, deliveryId: test.data!.id } } })
  t.equal(read.response.status, 404)
  await sleep(300)
  t.equal(receiver.received.length, 2, 'the bystander got nothing')
  t.same(await deliveriesOf(harness, bystander.id), [])
})

t.test('after a rotation, deliveries are signed with the new secret and, for the overlap, the old one', async (t) => {
  const { api, admin } = harness
  const receiver = await startReceiver(t)
  const endpoint = await createEndpoint(harness, receiver.url, ['order.delivered'])
  const rotated = (await api.POST(`${PATH}/{id}/secret/rotate`, { headers: admin, params: { path: { id: endpoint.id } } })).data!
  await queue(harness.app, 'order.delivered', orderData('rotated'))
  const [request] = await receiver.waitFor(1)
  t.equal(String(request!.headers['webhook-signature']).split(' ').length, 2, 'two signatures')
  t.same(verify(rotated.secret, request!).data, orderData('rotated'), 'the new secret verifies')
  t.same(verify(endpoint.secret, request!).data, orderData('rotated'), 'so does the previous one, within the overlap')
  const stranger = `whsec_${Buffer.alloc(32, 7).toString('base64')}`
  t.throws(() => verify(stranger, request!), WebhookVerificationError, 'no other secret does')

  const twice = (await api.POST(`${PATH}/{id}/secret/rotate`, { headers: admin, params: { path: { id: endpoint.id } } })).data!
  await queue(harness.app, 'order.delivered', orderData('rotated twice'))
  const [, latest] = await receiver.waitFor(2)
  t.same(verify(twice.secret, latest!).data, orderData('rotated twice'))
  t.same(verify(rotated.secret, latest!).data, orderData('rotated twice'), 'the secret it replaced still verifies')
  t.throws(() => verify(endpoint.secret, latest!), WebhookVerificationError, 'the oldest one no longer does')
})

t.test('a fan-out run again (pg-boss retrying it) creates no delivery twice', async (t) => {
  const { app } = harness
  const receiver = await startReceiver(t)
  const endpoint = await createEndpoint(harness, receiver.url, ['order.refunded'])
  const event = { id: '0193b1e4-7c1a-7d2e-9f3a-00000000f0f0', type: 'order.refunded', timestamp: new Date().toISOString(), data: orderData('fanned') }
  t.equal(await fanOutEvent(app.orm.em.fork(), app.outbox, event), 1, 'one delivery for the one subscribed endpoint')
  t.equal(await fanOutEvent(app.orm.em.fork(), app.outbox, event), 0, 'none the second time')
  await receiver.waitFor(1)
  await sleep(500)
  t.equal(receiver.received.length, 1, 'sent once')
  t.equal((await deliveriesOf(harness, endpoint.id)).length, 1)
})
