import type { Test } from 'tap'
import { createParser } from 'eventsource-parser'
import { assertMatchesSchema, assertResponseMatchesSpec } from './contract.js'

/** One server-sent event, its `data` parsed as JSON. */
export interface StreamEvent {
  id: string | undefined
  type: string | undefined
  data: any
}

export interface EventStreamClient {
  status: number
  contentType: string | null
  headers: Headers
  /** Every event received so far, in order. */
  events: StreamEvent[]
  comments: string[]
  /** The next event not yet taken (matching `match`, when given), waiting for it; rejects after `timeoutMs`. */
  next: (match?: (event: StreamEvent) => boolean, timeoutMs?: number) => Promise<StreamEvent>
  /** Resolves once a comment containing `text` has arrived. */
  comment: (text: string, timeoutMs?: number) => Promise<void>
  /** Resolves when the server ends the stream. */
  ended: Promise<void>
  close: () => void
}

const EVENT_SCHEMAS: Record<string, string> = { 'stream.reset': '#/components/schemas/StreamReset' }

async function until (condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/**
 * Opens an event stream over real HTTP and parses what arrives (with eventsource-parser, the parser the
 * `eventsource` package uses). A refusal is returned as `{ status, problem }`; every event's data is
 * checked against the spec's schema for that stream.
 */
export async function openEventStream (t: Test, url: string, headers: Record<string, string> = {}): Promise<EventStreamClient | { status: number, problem: any }> {
  const controller = new AbortController()
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal })
  const contentType = response.headers.get('content-type')
  if (response.status !== 200) {
    const body = await response.text()
    assertResponseMatchesSpec({ method: 'GET', url, statusCode: response.status, contentType: contentType ?? undefined, body })
    return { status: response.status, problem: JSON.parse(body) }
  }
  const schema = new URL(url).pathname.startsWith('/api/v1/admin/') ? '#/components/schemas/AdminOrderEvent' : '#/components/schemas/OrderEvent'
  const events: StreamEvent[] = []
  const comments: string[] = []
  const taken = new Set<StreamEvent>()
  const parser = createParser({
    onEvent: (message) => {
      const data = JSON.parse(message.data) as unknown
      assertMatchesSchema(EVENT_SCHEMAS[message.event ?? ''] ?? schema, data)
      events.push({ id: message.id, type: message.event, data })
    },
    onComment: (comment) => { comments.push(comment) }
  })
  const body = response.body
  if (body === null) throw new Error('the stream has no body')
  const ended = (async () => {
    const decoder = new TextDecoder()
    try {
      for await (const chunk of body) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }))
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error
    }
  })()
  t.teardown(() => { controller.abort() })

  return {
    status: response.status,
    contentType,
    headers: response.headers,
    events,
    comments,
    next: async (match = () => true, timeoutMs = 10_000) => {
      let found: StreamEvent | undefined
      await until(() => {
        found = events.find((event) => !taken.has(event) && match(event))
        return found !== undefined
      }, timeoutMs, 'an event')
      taken.add(found as StreamEvent)
      return found as StreamEvent
    },
    comment: async (text, timeoutMs = 10_000) => { await until(() => comments.some((comment) => comment.includes(text)), timeoutMs, `a comment with ${text}`) },
    ended,
    close: () => { controller.abort() }
  }
}

export function isOpen (stream: EventStreamClient | { status: number, problem: any }): stream is EventStreamClient {
  return 'events' in stream
}
