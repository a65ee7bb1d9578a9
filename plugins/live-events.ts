import { PassThrough } from 'node:stream'
import fp from 'fastify-plugin'
import pg from 'pg'
import { sql } from 'kysely'
import type { FastifyReply } from 'fastify'
import type { EntityManager } from '@mikro-orm/postgresql'
import { ProblemError } from './problem.js'

/** An event as it is kept and fanned out; `seq` is its id on the wire. */
export interface LiveEvent {
  seq: string
  type: string
  /** The customer who may see it besides staff; null for staff only. */
  scope: string | null
  data: object
  createdAt: string
}

export interface StreamOptions {
  /** Only events of this scope (a customer's own); undefined: every event (staff). */
  scope?: string
  /** What a subscriber of this stream sees of an event's data (a customer's view omits what is for staff). */
  present: (event: LiveEvent) => object
  /** `Last-Event-ID`: the stream starts by replaying the retained events after it. */
  lastEventId?: string
  /** Whose stream it is, for the per-account limit. */
  owner: string
  /** The stream ends at this time (when the access it was opened with expires). */
  endsAt?: Date
}

export interface LiveEvents {
  /**
   * Records an event in `em`'s transaction and signals it with NOTIFY, which PostgreSQL delivers to every
   * instance's listener only when (and if) that transaction commits. One statement.
   */
  publish: (em: EntityManager, event: { type: string, scope: string | null, data: object }) => Promise<void>
  /** Answers the request with a `text/event-stream` of matching events: replay first, then live ones. */
  stream: (reply: FastifyReply, options: StreamOptions) => FastifyReply
}

declare module 'fastify' {
  interface FastifyInstance {
    liveEvents: LiveEvents
  }
}

const CHANNEL = 'live_events'
/** NOTIFY payloads must stay under 8000 bytes: a bigger event is signalled by its `seq` alone and read from the log. */
const MAX_INLINE_PAYLOAD = 7900
/** At most this many missed events are replayed; a client further behind is told to reload instead. */
export const MAX_REPLAY = 1000
/** A client that stops reading is dropped once this much is waiting for it. */
const MAX_BUFFERED_BYTES = 1_048_576
const RECENT_MEMORY = 10_000

interface Subscriber {
  scope: string | undefined
  send: (event: LiveEvent) => void
}

interface EventRow {
  seq: string
  type: string
  scope: string | null
  data: object
  created_at: Date
}

const toEvent = (row: EventRow): LiveEvent => ({ seq: row.seq, type: row.type, scope: row.scope, data: row.data, createdAt: new Date(row.created_at).toISOString() })

const tooManyStreams = (limit: number): ProblemError =>
  new ProblemError(429, 'TOO_MANY_STREAMS', `At most ${limit} event streams may be open at once for one account; close one first.`)

/**
 * Live events for server-sent-event streams. Events are rows of `live_events`, written in the transaction
 * of the change they announce; NOTIFY carries them to every instance's one LISTEN connection, which hands
 * them to the streams open on that instance. A reconnecting client names the last event it saw and gets
 * the retained ones after it. Streams end when the app closes.
 */
export default fp(async (app) => {
  const { DATABASE_URL, LIVE_EVENTS_RETENTION_HOURS, LIVE_EVENTS_HEARTBEAT_SECONDS, LIVE_EVENTS_MAX_STREAMS_PER_ACCOUNT } = app.config
  if (DATABASE_URL === undefined) throw new Error('DATABASE_URL must be resolved before the app is built')
  const subscribers = new Set<Subscriber>()
  const streamsPerOwner = new Map<string, number>()
  const openStreams = new Set<PassThrough>()
  // Events already handed out on this instance, so that catching up after a lost connection sends none twice.
  const recent = new Set<string>()

  function dispatch (event: LiveEvent): void {
    if (recent.has(event.seq)) return
    recent.add(event.seq)
    if (recent.size > RECENT_MEMORY) recent.delete(recent.values().next().value as string)
    for (const subscriber of subscribers) {
      if (subscriber.scope === undefined || subscriber.scope === event.scope) subscriber.send(event)
    }
  }

  async function readEvents (where: ReturnType<typeof sql<boolean>>, limit: number): Promise<LiveEvent[]> {
    const { rows } = await sql<EventRow>`select seq::text as seq, type, scope, data, created_at from live_events where ${where} order by seq limit ${limit}`
      .execute(app.orm.em.fork().getKysely())
    return rows.map(toEvent)
  }

  // One LISTEN connection per instance, reconnected with backoff when it drops (never once the app closes).
  let listener: pg.Client | undefined
  let closed = false
  let attempt = 0
  let retry: NodeJS.Timeout | undefined
  let lostAt: number | undefined

  function received (payload: LiveEvent | { seq: string }): void {
    if ('type' in payload) {
      dispatch(payload)
      return
    }
    readEvents(sql<boolean>`seq = ${payload.seq}`, 1).then((events) => { events.forEach(dispatch) }, (error: unknown) => {
      app.log.error({ err: error, seq: payload.seq }, 'live events: could not read a signalled event')
    })
  }

  /** Whatever committed while the connection was down was never signalled here: read it from the log. */
  function catchUp (): void {
    if (lostAt === undefined) return
    const since = new Date(lostAt - 5000)
    lostAt = undefined
    readEvents(sql<boolean>`created_at >= ${since}`, 10 * MAX_REPLAY).then((events) => { events.forEach(dispatch) }, (error: unknown) => {
      app.log.error({ err: error }, 'live events: could not catch up after reconnecting')
    })
  }

  function reconnectLater (): void {
    if (closed || retry !== undefined) return
    const delay = Math.min(500 * 2 ** attempt++, 10_000)
    retry = setTimeout(() => {
      retry = undefined
      listen().then(catchUp, (error: unknown) => {
        app.log.error({ err: error, attempt }, 'live events: reconnecting the listener failed; trying again')
        reconnectLater()
      })
    }, delay)
  }

  async function listen (): Promise<void> {
    const client = new pg.Client({ connectionString: DATABASE_URL, application_name: 'commerce-api live events', keepAlive: true })
    const lost = (): void => {
      if (listener !== client) return
      listener = undefined
      lostAt ??= Date.now()
      reconnectLater()
    }
    client.on('notification', (message) => {
      if (message.channel !== CHANNEL || message.payload === undefined) return
      received(JSON.parse(message.payload) as LiveEvent | { seq: string })
    })
    client.on('error', (error) => {
      app.log.error({ err: error }, 'live events: listener connection failed')
      lost()
    })
    client.on('end', lost)
    try {
      await client.connect()
      await client.query(`LISTEN ${CHANNEL}`)
    } catch (error) {
      await client.end().catch(() => {})
      throw error
    }
    if (closed) {
      await client.end()
      return
    }
    listener = client
    attempt = 0
  }

  async function publish (em: EntityManager, event: { type: string, scope: string | null, data: object }): Promise<void> {
    await sql`
      with inserted as (
        insert into live_events (type, scope, data) values (${event.type}, ${event.scope}, ${JSON.stringify(event.data)}::jsonb)
        returning seq, type, scope, data, created_at
      ), payload as (
        select seq, json_build_object('seq', seq::text, 'type', type, 'scope', scope, 'data', data, 'createdAt', to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text as text from inserted
      )
      select pg_notify(${CHANNEL}, case when octet_length(text) <= ${MAX_INLINE_PAYLOAD} then text else json_build_object('seq', seq::text)::text end) from payload`
      .execute(em.getKysely())
  }

  /** The retained events after `lastEventId` for this stream, or 'gap' when some it missed are no longer retained or too many to replay. */
  async function missedEvents (lastEventId: string, scope: string | undefined): Promise<LiveEvent[] | 'gap'> {
    const { rows: [oldest] } = await sql<{ seq: string | null }>`select min(seq)::text as seq from live_events`.execute(app.orm.em.fork().getKysely())
    if (oldest?.seq != null && BigInt(oldest.seq) > BigInt(lastEventId) + 1n) return 'gap'
    const events = await readEvents(scope === undefined ? sql<boolean>`seq > ${lastEventId}` : sql<boolean>`seq > ${lastEventId} and scope = ${scope}`, MAX_REPLAY + 1)
    return events.length > MAX_REPLAY ? 'gap' : events
  }

  function stream (reply: FastifyReply, options: StreamOptions): FastifyReply {
    const open = streamsPerOwner.get(options.owner) ?? 0
    if (open >= LIVE_EVENTS_MAX_STREAMS_PER_ACCOUNT) throw tooManyStreams(LIVE_EVENTS_MAX_STREAMS_PER_ACCOUNT)
    streamsPerOwner.set(options.owner, open + 1)

    const body = new PassThrough()
    openStreams.add(body)
    const write = (text: string): void => {
      if (body.writableEnded) return
      if (body.writableLength > MAX_BUFFERED_BYTES) {
        app.log.warn({ owner: options.owner }, 'live events: a client stopped reading; its stream is closed')
        body.end()
        return
      }
      body.write(text)
    }
    const writeEvent = (event: LiveEvent): void => {
      write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify({ id: event.seq, type: event.type, occurredAt: event.createdAt, ...options.present(event) })}\n\n`)
    }

    // Live events arriving while the replay is read wait, so that the stream keeps the log's order and sends each once.
    let pending: LiveEvent[] | undefined = []
    const subscriber: Subscriber = { scope: options.scope, send: (event) => { if (pending === undefined) writeEvent(event); else pending.push(event) } }
    subscribers.add(subscriber)
    const heartbeat = setInterval(() => { write(': heartbeat\n\n') }, LIVE_EVENTS_HEARTBEAT_SECONDS * 1000)
    const expiry = options.endsAt === undefined ? undefined : setTimeout(() => { body.end() }, Math.max(0, options.endsAt.getTime() - Date.now()))

    let closed = false
    const close = (): void => {
      if (closed) return
      closed = true
      subscribers.delete(subscriber)
      openStreams.delete(body)
      clearInterval(heartbeat)
      clearTimeout(expiry)
      const remaining = (streamsPerOwner.get(options.owner) ?? 1) - 1
      if (remaining === 0) streamsPerOwner.delete(options.owner)
      else streamsPerOwner.set(options.owner, remaining)
      if (!body.writableEnded) body.end()
    }
    body.on('close', close)
    body.on('finish', close)
    reply.raw.on('close', close)

    write(`retry: 3000\n: ${options.lastEventId === undefined ? 'connected' : `replaying after ${options.lastEventId}`}\n\n`)
    const replayed = options.lastEventId === undefined ? Promise.resolve([]) : missedEvents(options.lastEventId, options.scope)
    replayed.then((missed) => {
      const sent = new Set<string>()
      if (missed === 'gap') {
        write(`event: stream.reset\ndata: ${JSON.stringify({ type: 'stream.reset', detail: 'Some events after Last-Event-ID are no longer available: reload the orders, then follow this stream.' })}\n\n`)
      } else {
        for (const event of missed) { writeEvent(event); sent.add(event.seq) }
      }
      const waiting = pending ?? []
      pending = undefined
      for (const event of waiting) if (!sent.has(event.seq)) writeEvent(event)
    }, (error: unknown) => {
      app.log.error({ err: error }, 'live events: replay failed')
      close()
    })

    return reply
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-store')
      // Proxies such as nginx must pass each event on at once, not buffer the stream.
      .header('x-accel-buffering', 'no')
      .send(body)
  }

  app.decorate('liveEvents', { publish, stream })

  app.scheduleJob({
    name: 'prune-live-events',
    everyMs: 10 * 60_000,
    // The newest event always stays: it tells a reconnecting client whether what it missed is still here.
    run: async (em) => {
      await sql`delete from live_events where created_at < now() - make_interval(hours => ${LIVE_EVENTS_RETENTION_HOURS}) and seq < (select max(seq) from live_events)`.execute(em.getKysely())
    }
  })

  app.addHook('onReady', listen)
  // Open streams would hold the server open: they end first, then the listener closes.
  app.addHook('preClose', async () => { for (const body of openStreams) body.end() })
  app.addHook('onClose', async () => {
    closed = true
    clearTimeout(retry)
    const client = listener
    listener = undefined
    await client?.end()
  })
}, { name: 'live-events', dependencies: ['config', 'db', 'jobs'] })
