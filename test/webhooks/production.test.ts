import t from 'tap'
import { WebhookEndpoint } from '../../modules/webhooks/webhook.entity.js'
import { queueWebhookEvent } from '../../modules/webhooks/webhook.service.js'
import { buildWebhooks, deliveriesWhen, deliveryWhen, startReceiver, type WebhookHarness } from '../helpers/webhooks.js'

const PATH = '/api/v1/admin/webhooks'

/** The app as production runs it: https receivers on public addresses only. */
const PRODUCTION = {
  NODE_ENV: 'production',
  JWT_SECRET: 'a-production-secret-of-more-than-32-characters',
  STORAGE_DRIVER: 's3',
  S3_BUCKET: 'commerce-test'
}

let harness: WebhookHarness
t.before(async () => {
  harness = await buildWebhooks(t, PRODUCTION)
})

t.test('production defaults: https to public addresses only', async (t) => {
  t.equal(harness.app.config.WEBHOOK_REQUIRE_HTTPS, true)
  t.equal(harness.app.config.WEBHOOK_ALLOW_PRIVATE_ADDRESSES, false)
})

t.test('private, loopback and metadata URLs are refused with a 422 naming the address', async (t) => {
  const { api, admin } = harness
  const cases: Array<[string, string]> = [
    ['https://127.0.0.1/hook', '127.0.0.1 is a loopback address'],
    ['https://10.0.0.8/hook', '10.0.0.8 is a private address'],
    ['https://192.168.1.20/hook', '192.168.1.20 is a private address'],
    ['https://[::1]/hook', '::1 is a loopback address'],
    ['https://[::ffff:10.0.0.1]/hook', '::ffff:a00:1 is a private address'],
    ['https://169.254.169.254/latest/meta-data/', '169.254.169.254 is a link-local address (cloud metadata services live there)'],
    ['https://100.100.100.200/', '100.100.100.200 is a carrier-grade NAT address'],
    ['https://localhost/hook', 'localhost is this machine']
  ]
  for (const [url, reason] of cases) {
    const response = await api.POST(PATH, { headers: admin, body: { url, eventTypes: ['order.placed'] } })
    t.equal(response.response.status, 422, url)
    const detail = `must reach a public address: ${reason}`
    t.same(response.error, {
      type: 'urn:commerce-api:problem:webhook-url-refused',
      title: 'Unprocessable Content',
      status: 422,
      detail: `The webhook URL is refused: ${detail}.`,
      instance: PATH,
      code: 'WEBHOOK_URL_REFUSED',
      errors: [{ pointer: '/body/url', detail }]
    })
  }
  const plain = await api.POST(PATH, { headers: admin, body: { url: 'http://93.184.215.14/hook', eventTypes: ['order.placed'] } })
  t.equal(plain.response.status, 422)
  t.equal(plain.error?.detail, 'The webhook URL is refused: must use https: this server only sends webhooks over TLS.')
  const accepted = await api.POST(PATH, { headers: admin, body: { url: 'https://93.184.215.14/hook', eventTypes: ['order.placed'] } })
  t.equal(accepted.response.status, 201, 'a public address is accepted')
  const moved = await api.PATCH(`${PATH}/{id}`, { headers: admin, params: { path: { id: accepted.data!.id } }, body: { url: 'https://127.0.0.1/hook' } })
  t.equal(moved.response.status, 422, 'a change of URL is checked the same way')
  t.equal(moved.error?.code, 'WEBHOOK_URL_REFUSED')
  const listed = await api.GET(PATH, { headers: admin, params: { query: { limit: 100 } } })
  t.same(listed.data?.items.map((item) => item.url), ['https://93.184.215.14/hook'], 'nothing refused was saved, nor changed')
})

t.test('a URL that passed when saved but now reaches a private address is refused at delivery, before connecting', async (t) => {
  const { app } = harness
  const receiver = await startReceiver(t)
  const port = new URL(receiver.url).port
  // As if DNS had changed since the URL was checked: the rows are written past the API's check.
  const em = app.orm.em.fork()
  const byName = em.create(WebhookEndpoint, { url: `https://localhost:${port}/hooks`, eventTypes: ['order.refunded'], active: true, secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}`, consecutiveFailures: 0 } as WebhookEndpoint)
  const byAddress = em.create(WebhookEndpoint, { url: `http://127.0.0.1:${port}/hooks`, eventTypes: ['order.refunded'], active: true, secret: `whsec_${Buffer.alloc(32, 2).toString('base64')}`, consecutiveFailures: 0 } as WebhookEndpoint)
  await em.flush()
  await app.orm.em.fork().transactional(async (tx) => { await queueWebhookEvent(tx, app.outbox, { type: 'order.refunded', data: { order: { id: 'x' } } }) })

  for (const [endpoint, error] of [[byName, /^refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address$/], [byAddress, /^refused: 127\.0\.0\.1 is a loopback address$/]] as const) {
    const [delivery] = await deliveriesWhen(harness, endpoint.id, 1)
    const failed = await deliveryWhen(harness, endpoint.id, delivery!.id, (found) => found.delivery.status === 'FAILED')
    t.equal(failed.attempts.length, 3, 'every attempt was refused')
    t.ok(failed.attempts.every((attempt) => attempt.responseStatus === null && error.test(attempt.error ?? '')), failed.attempts[0]?.error ?? '')
  }
  t.equal(receiver.received.length, 0, 'the receiver on loopback never got a request')
})
