import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Test } from 'tap'
import { Webhook } from 'standardwebhooks'
import type { components } from '../../openapi/schema.js'
import type { ApiClient } from './client.js'
import { bootstrapAdmin, bearer, buildWithMail, type IdentityHarness } from './identity.js'
import type { Env } from './build.js'

export type WebhookEndpoint = components['schemas']['WebhookEndpoint']
export type WebhookEndpointWithSecret = components['schemas']['WebhookEndpointWithSecret']
export type WebhookDelivery = components['schemas']['WebhookDelivery']
export type WebhookDeliveryDetail = components['schemas']['WebhookDeliveryDetail']
export type WebhookEventType = components['schemas']['WebhookEventType']

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders
  body: string
}

export interface Receiver {
  url: string
  received: ReceivedWebhook[]
  /** Waits until `count` requests have arrived; rejects after `timeoutMs`. */
  waitFor: (count: number, timeoutMs?: number) => Promise<ReceivedWebhook[]>
}

/**
 * A webhook receiver on loopback, closed on teardown. `answer` gives each request's status by its index
 * (0 for the first): 200 unless told otherwise.
 */
export async function startReceiver (t: Test, answer: (index: number, request: ReceivedWebhook) => number = () => 200): Promise<Receiver> {
  const received: ReceivedWebhook[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const entry = { headers: request.headers, body: Buffer.concat(chunks).toString('utf8') }
      const status = answer(received.length, entry)
      received.push(entry)
      response.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'thanks' : `receiver says ${status}`)
    })
  })
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  t.teardown(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
  })
  const { port } = server.address() as AddressInfo
  const waitFor = async (count: number, timeoutMs = 15_000): Promise<ReceivedWebhook[]> => {
    const deadline = Date.now() + timeoutMs
    while (received.length < count) {
      if (Date.now() > deadline) throw new Error(`the receiver got ${received.length} requests, not ${count}, within ${timeoutMs} ms`)
      await sleep(25)
    }
    return received
  }
  return { url: `http://127.0.0.1:${port}/hooks`, received, waitFor }
}

/** Verifies a received webhook with the standardwebhooks library, as an integrator would; returns its body. */
export function verify (secret: string, request: ReceivedWebhook): { type: string, timestamp: string, data: Record<string, any> } {
  const headers = {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature'])
  }
  return new Webhook(secret).verify(request.body, headers) as { type: string, timestamp: string, data: Record<string, any> }
}

export interface WebhookHarness extends IdentityHarness {
  admin: { authorization: string }
  adminEmail: string
}

/** Fast retries: two, a second apart, then FAILED; the endpoint disabled after two failed deliveries in a row. */
export const FAST_RETRIES: Env = { WEBHOOK_RETRY_SCHEDULE_SECONDS: '1,1', WEBHOOK_DISABLE_AFTER_FAILURES: '2' }

export async function buildWebhooks (t: Test, env: Env = {}): Promise<WebhookHarness> {
  const harness = await buildWithMail(t, { ...FAST_RETRIES, ...env })
  const admin = await bootstrapAdmin(harness)
  return { ...harness, admin: bearer(admin), adminEmail: admin.email }
}

export async function createEndpoint (harness: { api: ApiClient, admin: { authorization: string } }, url: string, eventTypes: WebhookEventType[] = ['order.placed']): Promise<WebhookEndpointWithSecret> {
  const { data, error } = await harness.api.POST('/api/v1/admin/webhooks', { headers: harness.admin, body: { url, eventTypes } })
  if (data === undefined) throw new Error(`creating the endpoint failed: ${JSON.stringify(error)}`)
  return data
}

export async function deliveriesOf (harness: { api: ApiClient, admin: { authorization: string } }, id: string): Promise<WebhookDelivery[]> {
  const { data, error } = await harness.api.GET('/api/v1/admin/webhooks/{id}/deliveries', { headers: harness.admin, params: { path: { id }, query: { limit: 100 } } })
  if (data === undefined) throw new Error(`listing deliveries failed: ${JSON.stringify(error)}`)
  return data.items
}

/** The delivery with its attempts, once `done` says it has got where the test waits for. */
export async function deliveryWhen (harness: { api: ApiClient, admin: { authorization: string } }, id: string, deliveryId: string, done: (detail: WebhookDeliveryDetail) => boolean, timeoutMs = 15_000): Promise<WebhookDeliveryDetail> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const { data, error } = await harness.api.GET('/api/v1/admin/webhooks/{id}/deliveries/{deliveryId}', { headers: harness.admin, params: { path: { id, deliveryId } } })
    if (data === undefined) throw new Error(`reading the delivery failed: ${JSON.stringify(error)}`)
    if (done(data)) return data
    if (Date.now() > deadline) throw new Error(`the delivery did not get there within ${timeoutMs} ms: ${JSON.stringify(data.delivery)}`)
    await sleep(100)
  }
}

/** The endpoint's deliveries, once there are `count` of them (the fan-out runs in the background). */
export async function deliveriesWhen (harness: { api: ApiClient, admin: { authorization: string } }, id: string, count: number, timeoutMs = 15_000): Promise<WebhookDelivery[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const deliveries = await deliveriesOf(harness, id)
    if (deliveries.length >= count) return deliveries
    if (Date.now() > deadline) throw new Error(`${deliveries.length} deliveries, not ${count}, within ${timeoutMs} ms`)
    await sleep(100)
  }
}
