import { randomBytes } from 'node:crypto'
import type { EntityManager } from '@mikro-orm/postgresql'
import { uuidv7 } from 'uuidv7'
import type { Outbox } from '../../plugins/outbox.js'
import { invalidField, type ProblemError } from '../../plugins/problem.js'
import { textOrNull } from '../../plugins/validation.js'
import { findPage } from '../../plugins/pagination.js'
import { retryOnConflict } from '../../plugins/db/retry.js'
import { assertIfMatch, type Versioned } from '../../plugins/resource-headers.js'
import type { Page, PageQuery } from '../../openapi/shared.schemas.js'
import { WEBHOOK_EVENT_TYPES, WebhookEndpoint as WebhookEndpointEntity, type WebhookEventType } from './webhook.entity.js'
import type { CreateWebhookEndpointRequest, UpdateWebhookEndpointRequest, WebhookEndpoint, WebhookEndpointWithSecret } from './webhook.schemas.js'
import { checkWebhookUrl, UrlRefused, type UrlPolicy } from './webhook-url.js'
import { PREVIOUS_SECRET_TTL_MS } from './webhook.settings.js'
import { webhookNotFound, webhookUrlRefused } from './webhooks.errors.js'

// The event types live with the entity (the schemas read them too); callers take them from here.
export { WEBHOOK_EVENT_TYPES, TEST_EVENT_TYPE, type WebhookEventType } from './webhook.entity.js'

/** The outbox topic of events waiting to be fanned out to their endpoints. */
export const EVENT_TOPIC = 'webhook-event'

/** An event as it travels through the outbox to the fan-out. */
export interface QueuedWebhookEvent {
  id: string
  type: string
  timestamp: string
  data: object
}

/** Queues one integration event in em's transaction (one outbox job); fan-out to the subscribed endpoints happens in the background. */
export async function queueWebhookEvent (em: EntityManager, outbox: Outbox, event: { type: WebhookEventType, data: object }): Promise<void> {
  const queued: QueuedWebhookEvent = { id: uuidv7(), type: event.type, timestamp: new Date().toISOString(), data: event.data }
  await outbox.send(em, EVENT_TOPIC, queued)
}

/** A Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes. */
function newSecret (): string {
  return `whsec_${randomBytes(32).toString('base64')}`
}

export function toWebhookEndpoint (endpoint: WebhookEndpointEntity): WebhookEndpoint {
  const previousActive = endpoint.previousSecretExpiresAt != null && endpoint.previousSecretExpiresAt > new Date()
  return {
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description ?? null,
    eventTypes: WEBHOOK_EVENT_TYPES.filter((type) => endpoint.eventTypes.includes(type)),
    active: endpoint.active,
    disabledReason: endpoint.disabledReason ?? null,
    disabledAt: endpoint.disabledAt?.toISOString() ?? null,
    consecutiveFailures: endpoint.consecutiveFailures,
    previousSecretExpiresAt: previousActive ? endpoint.previousSecretExpiresAt?.toISOString() ?? null : null,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString()
  }
}

function withSecret (endpoint: WebhookEndpointEntity): Versioned<WebhookEndpointWithSecret> {
  return { resource: { ...toWebhookEndpoint(endpoint), secret: endpoint.secret }, version: endpoint.version }
}

function versioned (endpoint: WebhookEndpointEntity): Versioned<WebhookEndpoint> {
  return { resource: toWebhookEndpoint(endpoint), version: endpoint.version }
}

/** The URL as it will be called, or the problem saying why this server will not call it. */
async function acceptedUrl (raw: string, policy: UrlPolicy): Promise<string> {
  try {
    return await checkWebhookUrl(raw, policy)
  } catch (error) {
    if (!(error instanceof UrlRefused)) throw error
    const problem: ProblemError = error.malformed ? invalidField('/body/url', error.message) : webhookUrlRefused(error.message)
    throw problem
  }
}

export async function listWebhookEndpoints (em: EntityManager, query: PageQuery): Promise<Page<WebhookEndpoint>> {
  return await findPage(em, WebhookEndpointEntity, {}, query, toWebhookEndpoint)
}

export async function createWebhookEndpoint (em: EntityManager, policy: UrlPolicy, input: CreateWebhookEndpointRequest): Promise<Versioned<WebhookEndpointWithSecret>> {
  const url = await acceptedUrl(input.url, policy)
  const endpoint = em.create(WebhookEndpointEntity, {
    url,
    description: textOrNull(input.description),
    eventTypes: [...input.eventTypes],
    active: input.active ?? true,
    secret: newSecret(),
    consecutiveFailures: 0
  } as WebhookEndpointEntity)
  await em.flush()
  return withSecret(endpoint)
}

export async function getWebhookEndpoint (em: EntityManager, id: string): Promise<Versioned<WebhookEndpoint>> {
  const endpoint = await em.findOne(WebhookEndpointEntity, { id })
  if (endpoint === null) throw webhookNotFound()
  return versioned(endpoint)
}

/** Changes an endpoint; with `If-Match`, only if it is still the version the caller saw. */
export async function updateWebhookEndpoint (em: EntityManager, policy: UrlPolicy, id: string, input: UpdateWebhookEndpointRequest, ifMatch?: string): Promise<Versioned<WebhookEndpoint>> {
  // Resolving the host is network work: done before the transaction, which then holds no lock while it waits.
  const url = input.url === undefined ? undefined : await acceptedUrl(input.url, policy)
  const endpoint = await retryOnConflict(em, async (tx) => {
    const found = await tx.findOne(WebhookEndpointEntity, { id })
    if (found === null) throw webhookNotFound()
    assertIfMatch(ifMatch, found.version)
    if (url !== undefined) found.url = url
    if (input.description !== undefined) found.description = textOrNull(input.description)
    if (input.eventTypes !== undefined) found.eventTypes = [...input.eventTypes]
    if (input.active === true && !found.active) {
      found.active = true
      found.consecutiveFailures = 0
      found.disabledReason = null
      found.disabledAt = null
    } else if (input.active === false && found.active) {
      found.active = false
      found.disabledAt = new Date()
    }
    return found
  })
  return versioned(endpoint)
}

/** Its deliveries and their attempts go with it; a delivery still scheduled finds nothing to send. */
export async function deleteWebhookEndpoint (em: EntityManager, id: string): Promise<void> {
  if (await em.nativeDelete(WebhookEndpointEntity, { id }) === 0) throw webhookNotFound()
}

/**
 * A new signing secret; the one it replaces keeps signing (a second signature on every delivery) for
 * PREVIOUS_SECRET_TTL_MS, so a receiver can switch without refusing a delivery in between.
 */
export async function rotateWebhookSecret (em: EntityManager, id: string): Promise<Versioned<WebhookEndpointWithSecret>> {
  const endpoint = await retryOnConflict(em, async (tx) => {
    const found = await tx.findOne(WebhookEndpointEntity, { id })
    if (found === null) throw webhookNotFound()
    found.previousSecret = found.secret
    found.previousSecretExpiresAt = new Date(Date.now() + PREVIOUS_SECRET_TTL_MS)
    found.secret = newSecret()
    return found
  })
  return withSecret(endpoint)
}
