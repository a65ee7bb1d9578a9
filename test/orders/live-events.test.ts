import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { EventSource } from 'eventsource'
import { buildShop, createCustomer, placeOrder, secondInstance, sellable, type Customer, type ShopHarness } from '../helpers/shop.js'
import { collectCash, markDelivered, moveOrder, shipOrder } from '../helpers/fulfilment.js'
import { isOpen, openEventStream, type EventStreamClient, type StreamEvent } from '../helpers/event-stream.js'
import { problem, ISO_INSTANT } from '../helpers/problems.js'
import type { Env } from '../helpers/build.js'

async function listening (app: FastifyInstance): Promise<string> {
  return await app.listen({ host: '127.0.0.1', port: 0 })
}

async function shop (t: Test, env: Env = {}): Promise<ShopHarness & { baseUrl: string }> {
  const harness = await buildShop(t, env)
  return { ...harness, baseUrl: await listening(harness.app) }
}

async function stream (t: Test, url: string, headers: Record<string, string> = {}): Promise<EventStreamClient> {
  const opened = await openEventStream(t, url, headers)
  if (!isOpen(opened)) throw new Error(`the stream was refused: ${JSON.stringify(opened)}`)
  return opened
}

const ofOrder = (id: string) => (event: StreamEvent): boolean => event.data.order.id === id

async function ticketFor (harness: ShopHarness, headers: Record<string, string>): Promise<{ ticket: string, expiresAt: string }> {
  const { data, error } = await harness.api.POST('/api/v1/events/tickets', { headers })
  if (data === undefined) throw new Error(`no ticket: ${JSON.stringify(error)}`)
  return data
}

t.test('a customer follows their own orders: placed, then each status change, with the order summary', async (t) => {
  const harness = await shop(t)
  const customer = await createCustomer(harness)
  const other = await createCustomer(harness)
  const product = await sellable(harness)
  const events = await stream(t, `${harness.baseUrl}/api/v1/orders/events`, customer.headers)
  t.equal(events.contentType, 'text/event-stream; charset=utf-8')
  t.equal(events.headers.get('cache-control'), 'no-store')
  t.equal(events.headers.get('x-accel-buffering'), 'no', 'proxies are asked not to buffer it')

  const othersOrder = await placeOrder(harness, other, product.variantId)
  const order = await placeOrder(harness, customer, product.variantId, 2)
  const placed = await events.next()
  t.equal(placed.type, 'order.placed')
  t.match(placed.id, /^\d+$/)
  t.same(placed.data, {
    id: placed.id,
    type: 'order.placed',
    occurredAt: placed.data.occurredAt,
    order: { id: order.id, number: order.number, status: 'PENDING', paymentStatus: 'UNPAID', paymentMethod: 'COD', total: order.total, itemCount: 2, placedAt: order.placedAt },
    previousStatus: null,
    previousPaymentStatus: null
  }, 'the customer view has no customer block')
  t.match(placed.data.occurredAt, ISO_INSTANT)

  await moveOrder(harness, order.id, 'CONFIRMED')
  const confirmed = await events.next()
  t.match(confirmed, { type: 'order.status_changed', data: { order: { id: order.id, status: 'CONFIRMED' }, previousStatus: 'PENDING', previousPaymentStatus: null } })
  t.ok(BigInt(confirmed.id ?? 0) > BigInt(placed.id ?? 0), 'ids increase')

  const parcel = await shipOrder(harness, order.id)
  await collectCash(harness, order.id)
  await markDelivered(harness, parcel.id)
  const shipped = await events.next()
  const paid = await events.next()
  const delivered = await events.next()
  t.match(shipped.data, { order: { status: 'SHIPPED' }, previousStatus: 'CONFIRMED' })
  t.match(paid.data, { type: 'order.payment_changed', order: { status: 'SHIPPED', paymentStatus: 'PAID' }, previousStatus: null, previousPaymentStatus: 'UNPAID' }, 'the cash collected at the door is a payment change')
  t.match(delivered.data, { type: 'order.status_changed', order: { status: 'DELIVERED', paymentStatus: 'PAID' }, previousStatus: 'SHIPPED' })

  await sleep(300)
  t.notOk(events.events.some((event) => event.data.order.id === othersOrder.id), "another customer's order never shows")
  t.equal(events.events.length, 5)
})

t.test('staff follow every order, with its customer', async (t) => {
  const harness = await shop(t)
  const [ada, bob] = [await createCustomer(harness), await createCustomer(harness)]
  const product = await sellable(harness)
  const events = await stream(t, `${harness.baseUrl}/api/v1/admin/orders/events`, harness.staff)
  const first = await placeOrder(harness, ada, product.variantId)
  const second = await placeOrder(harness, bob, product.variantId)
  const seen = [await events.next(), await events.next()]
  t.same(seen.map((event) => [event.type, event.data.order.id, event.data.order.customer.id, event.data.order.customer.email]), [
    ['order.placed', first.id, ada.id, ada.email],
    ['order.placed', second.id, bob.id, bob.email]
  ])
  const cancelled = await harness.api.POST('/api/v1/orders/{id}/cancel', { params: { path: { id: first.id } }, headers: ada.headers, body: { reason: 'Ordered twice' } })
  t.equal(cancelled.response.status, 200)
  t.match(await events.next(), { type: 'order.status_changed', data: { order: { id: first.id, status: 'CANCELLED', customer: { id: ada.id } }, previousStatus: 'PENDING' } })
})

t.test('a refused change announces nothing', async (t) => {
  const harness = await shop(t)
  const customer = await createCustomer(harness)
  const product = await sellable(harness)
  const events = await stream(t, `${harness.baseUrl}/api/v1/admin/orders/events`, harness.staff)
  const order = await placeOrder(harness, customer, product.variantId)
  await events.next(ofOrder(order.id))
  const refused = await harness.api.PATCH('/api/v1/admin/orders/{id}', { params: { path: { id: order.id } }, headers: harness.staff, body: { status: 'DELIVERED' } })
  t.equal(refused.response.status, 409)
  // A rolled-back transaction's event never commits: publish one directly inside a transaction that fails.
  await t.rejects(harness.app.orm.em.fork().transactional(async (tx) => {
    await harness.app.liveEvents.publish(tx, { type: 'order.status_changed', scope: customer.id, data: { order: { id: order.id } } })
    throw new Error('rolled back')
  }), /rolled back/)
  await moveOrder(harness, order.id, 'CONFIRMED')
  const next = await events.next()
  t.match(next.data, { order: { status: 'CONFIRMED' }, previousStatus: 'PENDING' }, 'the next event is the next real change')
  const [logged] = await harness.app.orm.em.fork().execute<Array<{ count: string }>>('select count(*)::text as count from live_events')
  t.equal(logged?.count, '2', 'the log holds the two committed events only')
})

t.test('Last-Event-ID replays exactly the events missed, then the stream goes on live', async (t) => {
  const harness = await shop(t)
  const customer = await createCustomer(harness)
  const other = await createCustomer(harness)
  const product = await sellable(harness, 2500, 50)
  const url = `${harness.baseUrl}/api/v1/orders/events`
  const first = await stream(t, url, customer.headers)
  const order = await placeOrder(harness, customer, product.variantId)
  const seen = await first.next()
  first.close()
  await first.ended

  const missedOrder = await placeOrder(harness, customer, product.variantId)
  await placeOrder(harness, other, product.variantId)
  await moveOrder(harness, order.id, 'CONFIRMED')

  const resumed = await stream(t, url, { ...customer.headers, 'last-event-id': seen.id ?? '' })
  const replayed = [await resumed.next(), await resumed.next()]
  t.same(replayed.map((event) => [event.type, event.data.order.id, event.data.order.status]), [
    ['order.placed', missedOrder.id, 'PENDING'],
    ['order.status_changed', order.id, 'CONFIRMED']
  ], 'the two missed events of this customer, in order; not the one already seen, not the other customer\'s')
  await moveOrder(harness, missedOrder.id, 'CONFIRMED')
  t.match(await resumed.next(), { type: 'order.status_changed', data: { order: { id: missedOrder.id, status: 'CONFIRMED' } } }, 'then live')
  await sleep(200)
  t.equal(resumed.events.length, 3, 'nothing twice')

  const byQuery = await stream(t, `${url}?lastEventId=${replayed[0]?.id ?? ''}`, customer.headers)
  t.same((await Promise.all([byQuery.next(), byQuery.next()])).map((event) => event.id), [replayed[1]?.id, resumed.events[2]?.id], 'lastEventId works as the header does')
})

t.test('a Last-Event-ID older than the retained log gets a stream.reset', async (t) => {
  const harness = await shop(t)
  const customer = await createCustomer(harness)
  const product = await sellable(harness)
  const orders = [await placeOrder(harness, customer, product.variantId), await placeOrder(harness, customer, product.variantId), await placeOrder(harness, customer, product.variantId)]
  const em = harness.app.orm.em.fork()
  const rows = await em.execute<Array<{ seq: string }>>('select seq::text as seq from live_events order by seq')
  t.equal(rows.length, 3)
  // As if the first two had passed LIVE_EVENTS_RETENTION_HOURS and the sweep had removed them.
  await em.execute('delete from live_events where seq < ?', [rows[2]?.seq])
  const events = await stream(t, `${harness.baseUrl}/api/v1/orders/events`, { ...customer.headers, 'last-event-id': String(BigInt(rows[0]?.seq ?? 0) - 1n) })
  const reset = await events.next()
  t.equal(reset.type, 'stream.reset')
  t.equal(reset.id, undefined)
  t.match(reset.data, { type: 'stream.reset', detail: /no longer available: reload the orders/ })
  await moveOrder(harness, orders[0]?.id ?? '', 'CONFIRMED')
  t.match(await events.next(), { type: 'order.status_changed' }, 'and the stream goes on live')

  const ran = await harness.app.runJobOnce('prune-live-events')
  t.equal(ran, true, 'the sweep runs under its lock')
  const [kept] = await em.execute<Array<{ count: string }>>('select count(*)::text as count from live_events')
  t.equal(kept?.count, '2', 'and keeps events younger than the retention')
})

t.test('an order changed through one instance reaches a stream open on another', async (t) => {
  const harness = await shop(t)
  const other = await secondInstance(t, harness)
  const otherUrl = await listening(other.app)
  const customer = await createCustomer(harness)
  const product = await sellable(harness)
  const customerStream = await stream(t, `${otherUrl}/api/v1/orders/events`, customer.headers)
  const staffStream = await stream(t, `${otherUrl}/api/v1/admin/orders/events`, harness.staff)
  const order = await placeOrder(harness, customer, product.variantId)
  await moveOrder(harness, order.id, 'CONFIRMED')
  t.same([(await customerStream.next()).type, (await customerStream.next()).type], ['order.placed', 'order.status_changed'], 'the customer on instance B sees what instance A did')
  t.same([(await staffStream.next()).data.order.id, (await staffStream.next()).data.order.status], [order.id, 'CONFIRMED'])
  await sleep(200)
  t.equal(customerStream.events.length, 2, 'each event once')
})

t.test('tickets: a browser EventSource opens a stream with one, and follows the orders', async (t) => {
  const harness = await shop(t)
  const customer = await createCustomer(harness)
  const product = await sellable(harness)
  const { ticket, expiresAt } = await ticketFor(harness, customer.headers)
  t.match(ticket, /^[A-Za-z0-9_-]{43}$/)
  const lifetime = Date.parse(expiresAt) - Date.now()
  t.ok(lifetime > 55_000 && lifetime <= 60_000, `valid for a minute by default (${lifetime} ms)`)

  const source = new EventSource(`${harness.baseUrl}/api/v1/orders/events?ticket=${ticket}`)
  t.teardown(() => { source.close() })
  await new Promise<void>((resolve, reject) => { source.onopen = () => { resolve() }; source.onerror = (error) => { reject(error) } })
  const received = new Promise<MessageEvent>((resolve) => { source.addEventListener('order.placed', resolve) })
  const order = await placeOrder(harness, customer, product.variantId)
  const message = await received
  t.equal(JSON.parse(message.data as string).order.id, order.id)
  t.match(message.lastEventId, /^\d+$/)
})

t.test('tickets: used once only, even by two requests at once; refused after their lifetime', async (t) => {
  const harness = await shop(t, { EVENT_TICKET_TTL_SECONDS: '1' })
  const customer = await createCustomer(harness)
  const url = `${harness.baseUrl}/api/v1/orders/events`
  const invalid = (instance = '/api/v1/orders/events?ticket=[redacted]') => problem(401, 'INVALID_TICKET', 'The ticket is not valid: it was used already, has expired, or was never issued. Get a new one.', instance)

  const { ticket } = await ticketFor(harness, customer.headers)
  const first = await openEventStream(t, `${url}?ticket=${ticket}`)
  t.equal(first.status, 200)
  const again = await openEventStream(t, `${url}?ticket=${ticket}`)
  t.same(again, { status: 401, problem: invalid() }, 'a used ticket is refused')

  const racing = await ticketFor(harness, customer.headers)
  const race = await Promise.all(Array.from({ length: 8 }, async () => await openEventStream(t, `${url}?ticket=${racing.ticket}`)))
  t.same(race.map((answer) => answer.status).sort(), [200, 401, 401, 401, 401, 401, 401, 401], 'of eight at once, one opens the stream')

  const expiring = await ticketFor(harness, customer.headers)
  const lifetime = Date.parse(expiring.expiresAt) - Date.now()
  t.ok(lifetime <= 1000, 'EVENT_TICKET_TTL_SECONDS=1 gives a one-second ticket')
  await sleep(lifetime + 200)
  t.same(await openEventStream(t, `${url}?ticket=${expiring.ticket}`), { status: 401, problem: invalid() }, 'an expired ticket is refused')
  const unused = await ticketFor(harness, customer.headers)
  await sleep(Date.parse(unused.expiresAt) - Date.now() + 200)
  t.equal(await harness.app.runJobOnce('purge-expired-event-tickets'), true)
  const [left] = await harness.app.orm.em.fork().execute<Array<{ count: string }>>('select count(*)::text as count from event_tickets')
  t.equal(left?.count, '0', 'the sweep deletes tickets that expired unused')
  t.same(await openEventStream(t, `${url}?ticket=${'x'.repeat(43)}`), { status: 401, problem: invalid() }, 'as is one never issued')
})

t.test('tickets: the stream checks who the ticket stands for', async (t) => {
  const harness = await shop(t)
  const customer = await createCustomer(harness)
  const customerTicket = await ticketFor(harness, customer.headers)
  t.same(await openEventStream(t, `${harness.baseUrl}/api/v1/admin/orders/events?ticket=${customerTicket.ticket}`),
    { status: 401, problem: problem(401, 'INVALID_TOKEN', 'Staff operations need a staff access token.', '/api/v1/admin/orders/events?ticket=[redacted]') }, "a customer's ticket does not open the staff stream")
  const staffTicket = await ticketFor(harness, harness.staff)
  t.same(await openEventStream(t, `${harness.baseUrl}/api/v1/orders/events?ticket=${staffTicket.ticket}`),
    { status: 403, problem: problem(403, 'FORBIDDEN', 'This operation requires one of the roles CUSTOMER.', '/api/v1/orders/events?ticket=[redacted]') }, 'and a problem never shows the ticket')

  const revoked = await ticketFor(harness, customer.headers)
  t.equal((await harness.api.POST('/api/v1/auth/signout', { headers: customer.headers })).response.status, 204)
  t.same(await openEventStream(t, `${harness.baseUrl}/api/v1/orders/events?ticket=${revoked.ticket}`),
    { status: 401, problem: problem(401, 'SESSION_REVOKED', 'This session has ended; sign in again.', '/api/v1/orders/events?ticket=[redacted]') }, 'signing out voids the ticket')

  const someone = await createCustomer(harness)
  const noTicketRoute = await harness.api.GET('/api/v1/orders', { params: { query: { ticket: (await ticketFor(harness, someone.headers)).ticket } as never } })
  t.equal(noTicketRoute.response.status, 401, 'other routes take no ticket in place of a token')
  t.same(await openEventStream(t, `${harness.baseUrl}/api/v1/orders/events`),
    { status: 401, problem: problem(401, 'UNAUTHORIZED', 'A valid bearer access token or a ticket (?ticket=) is required.', '/api/v1/orders/events') })
  const anonymous = await harness.api.POST('/api/v1/events/tickets', {})
  t.equal(anonymous.response.status, 401)
})

t.test('streams refuse a malformed Last-Event-ID and more streams than an account may hold', async (t) => {
  const harness = await shop(t, { LIVE_EVENTS_MAX_STREAMS_PER_ACCOUNT: '2' })
  const customer = await createCustomer(harness)
  const url = `${harness.baseUrl}/api/v1/orders/events`
  const bad = await openEventStream(t, url, { ...customer.headers, 'last-event-id': 'abc' })
  t.match(bad, { status: 400, problem: { code: 'VALIDATION_FAILED', errors: [{ pointer: '/headers/last-event-id' }] } })
  const huge = await openEventStream(t, `${url}?lastEventId=${'9'.repeat(19)}`, customer.headers)
  t.match(huge, { status: 400, problem: { code: 'VALIDATION_FAILED' } })

  const open = [await stream(t, url, customer.headers), await stream(t, url, customer.headers)]
  t.same(await openEventStream(t, url, customer.headers), { status: 429, problem: problem(429, 'TOO_MANY_STREAMS', 'At most 2 event streams may be open at once for one account; close one first.', '/api/v1/orders/events') })
  const someoneElse = await createCustomer(harness)
  t.equal((await openEventStream(t, url, someoneElse.headers)).status, 200, 'the limit is per account')
  open[0]?.close()
  await sleep(200)
  t.equal((await openEventStream(t, url, customer.headers)).status, 200, 'closing one frees its place')
})

t.test('heartbeats keep an idle stream alive; a stream ends when its access expires', async (t) => {
  const harness = await shop(t, { LIVE_EVENTS_HEARTBEAT_SECONDS: '1', ACCESS_TOKEN_TTL_SECONDS: '3' })
  const customer: Customer = await createCustomer(harness)
  const events = await stream(t, `${harness.baseUrl}/api/v1/orders/events`, customer.headers)
  await events.comment('heartbeat', 5000)
  const opened = Date.now()
  await events.ended
  t.ok(Date.now() - opened < 4000, 'the stream ended by itself once the 3-second token expired')
  t.ok(events.comments.filter((comment) => comment.includes('heartbeat')).length >= 1)
})

t.test('closing the app ends its open streams cleanly', async (t) => {
  const harness = await shop(t)
  const customer = await createCustomer(harness)
  const customerStream = await stream(t, `${harness.baseUrl}/api/v1/orders/events`, customer.headers)
  const staffStream = await stream(t, `${harness.baseUrl}/api/v1/admin/orders/events`, harness.staff)
  const started = Date.now()
  await harness.app.close()
  await Promise.all([customerStream.ended, staffStream.ended])
  t.ok(Date.now() - started < 5000, 'close did not wait for the clients to leave')
})

t.test('the listener reconnects after its connection is killed, and catches up on what it missed', async (t) => {
  const harness = await shop(t)
  const customer = await createCustomer(harness)
  const product = await sellable(harness)
  const events = await stream(t, `${harness.baseUrl}/api/v1/orders/events`, customer.headers)
  const em = harness.app.orm.em.fork()
  const killed = await em.execute<Array<{ killed: boolean }>>(
    "select pg_terminate_backend(pid) as killed from pg_stat_activity where application_name = 'commerce-api live events' and datname = current_database()")
  t.same(killed, [{ killed: true }], "the instance's one listener connection is gone")
  const order = await placeOrder(harness, customer, product.variantId)
  t.match(await events.next(() => true, 15_000), { type: 'order.placed', data: { order: { id: order.id } } }, 'an event committed while it was down still arrives')
  await moveOrder(harness, order.id, 'CONFIRMED')
  t.match(await events.next(), { type: 'order.status_changed' }, 'and live ones after it')
  await sleep(300)
  t.equal(events.events.length, 2, 'each once')
})
