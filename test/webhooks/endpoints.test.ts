import t from 'tap'
import { Webhook } from 'standardwebhooks'
import { createCustomer } from '../helpers/shop.js'
import { signInModerator } from '../helpers/uploads.js'
import { ISO_INSTANT, JSON_TYPE, PROBLEM_JSON, UUID_V7, problem, validationProblem } from '../helpers/problems.js'
import { buildWebhooks, type WebhookHarness } from '../helpers/webhooks.js'

const PATH = '/api/v1/admin/webhooks'
const UNKNOWN_ID = '0193b1e4-0000-7000-8000-00000000beef'
const SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/

let harness: WebhookHarness
t.before(async () => {
  harness = await buildWebhooks(t)
})

t.test('admins create, read, list, change and delete endpoints; the secret is shown at creation only', async (t) => {
  const { api, admin } = harness
  const created = await api.POST(PATH, { headers: admin, body: { url: 'http://127.0.0.1:9/erp', description: '  ERP import  ', eventTypes: ['order.paid', 'order.placed'] } })
  t.equal(created.response.status, 201)
  t.equal(created.response.headers.get('content-type'), JSON_TYPE)
  const endpoint = created.data!
  t.equal(created.response.headers.get('location'), `${PATH}/${endpoint.id}`)
  t.equal(created.response.headers.get('etag'), '"1"')
  t.same(endpoint, {
    id: endpoint.id,
    url: 'http://127.0.0.1:9/erp',
    description: 'ERP import',
    eventTypes: ['order.placed', 'order.paid'],
    active: true,
    disabledReason: null,
    disabledAt: null,
    consecutiveFailures: 0,
    previousSecretExpiresAt: null,
    createdAt: endpoint.createdAt,
    updatedAt: endpoint.updatedAt,
    secret: endpoint.secret
  }, 'the description trimmed, the types in the documented order')
  t.match(endpoint, { id: UUID_V7, createdAt: ISO_INSTANT, secret: SECRET })
  t.doesNotThrow(() => new Webhook(endpoint.secret), 'the secret is one the standardwebhooks library takes')

  const { secret, ...withoutSecret } = endpoint
  const read = await api.GET(`${PATH}/{id}`, { headers: admin, params: { path: { id: endpoint.id } } })
  t.same(read.data, withoutSecret, 'reading it shows no secret')
  t.equal(read.response.headers.get('etag'), '"1"')
  t.notOk(JSON.stringify(read.data).includes(secret))
  const listed = await api.GET(PATH, { headers: admin, params: { query: { limit: 100 } } })
  t.same(listed.data?.items.find((item) => item.id === endpoint.id), withoutSecret, 'nor does the list')
  t.notOk(JSON.stringify(listed.data).includes(secret))

  const changed = await api.PATCH(`${PATH}/{id}`, { headers: { ...admin, 'if-match': '"1"' }, params: { path: { id: endpoint.id } }, body: { eventTypes: ['inventory.low_stock'], description: null, active: false } })
  t.equal(changed.response.status, 200)
  t.equal(changed.response.headers.get('etag'), '"2"')
  t.match(changed.data, { ...withoutSecret, eventTypes: ['inventory.low_stock'], description: null, active: false, disabledReason: null, disabledAt: ISO_INSTANT, updatedAt: ISO_INSTANT })
  const stale = await api.PATCH(`${PATH}/{id}`, { headers: { ...admin, 'if-match': '"1"' }, params: { path: { id: endpoint.id } }, body: { active: true } })
  t.equal(stale.response.status, 412)
  t.same(stale.error, problem(412, 'PRECONDITION_FAILED', 'The resource has changed since the version named in If-Match; fetch it again and reapply the change.', `${PATH}/${endpoint.id}`))
  const reactivated = await api.PATCH(`${PATH}/{id}`, { headers: admin, params: { path: { id: endpoint.id } }, body: { active: true, url: 'https://receiver.example.com/hook' } })
  t.match(reactivated.data, { active: true, disabledAt: null, url: 'https://receiver.example.com/hook' }, 'unconditional without If-Match')

  const deleted = await api.DELETE(`${PATH}/{id}`, { headers: admin, params: { path: { id: endpoint.id } } })
  t.equal(deleted.response.status, 204)
  const gone = await api.GET(`${PATH}/{id}`, { headers: admin, params: { path: { id: endpoint.id } } })
  t.same(gone.error, problem(404, 'NOT_FOUND', 'No webhook endpoint has this id.', `${PATH}/${endpoint.id}`))
})

t.test('rotation answers a new secret once; reads still show none', async (t) => {
  const { api, admin } = harness
  const created = (await api.POST(PATH, { headers: admin, body: { url: 'http://127.0.0.1:9/rotate', eventTypes: ['order.placed'] } })).data!
  const rotated = await api.POST(`${PATH}/{id}/secret/rotate`, { headers: admin, params: { path: { id: created.id } } })
  t.equal(rotated.response.status, 200)
  t.match(rotated.data, { id: created.id, secret: SECRET, previousSecretExpiresAt: ISO_INSTANT })
  t.not(rotated.data?.secret, created.secret, 'a new secret')
  const overlap = Date.parse(rotated.data!.previousSecretExpiresAt!) - Date.now()
  t.ok(overlap > 23 * 3600_000 && overlap <= 24 * 3600_000, 'the previous secret keeps signing for 24 hours')
  const read = await api.GET(`${PATH}/{id}`, { headers: admin, params: { path: { id: created.id } } })
  t.notOk('secret' in (read.data ?? {}))
  t.equal(read.data?.previousSecretExpiresAt, rotated.data?.previousSecretExpiresAt)
})

t.test('creating with an Idempotency-Key replays the first answer and creates one endpoint', async (t) => {
  const { api, admin } = harness
  const body = { url: 'http://127.0.0.1:9/once', eventTypes: ['order.shipped' as const] }
  const headers = { ...admin, 'idempotency-key': 'webhook-create-once' }
  const first = await api.POST(PATH, { headers, body })
  const again = await api.POST(PATH, { headers, body })
  t.equal(again.response.status, 201)
  t.equal(again.response.headers.get('idempotent-replayed'), 'true')
  t.same(again.data, first.data)
  const other = await api.POST(PATH, { headers, body: { ...body, url: 'http://127.0.0.1:9/other' } })
  t.equal(other.response.status, 422)
  t.equal(other.error?.code, 'IDEMPOTENCY_KEY_REUSED')
  const listed = await api.GET(PATH, { headers: admin, params: { query: { limit: 100 } } })
  t.equal(listed.data?.items.filter((item) => item.url === body.url).length, 1)
})

t.test('lists page with a cursor', async (t) => {
  const { api, admin } = harness
  for (const name of ['a', 'b', 'c']) await api.POST(PATH, { headers: admin, body: { url: `http://127.0.0.1:9/page-${name}`, eventTypes: ['order.placed'] } })
  const first = await api.GET(PATH, { headers: admin, params: { query: { limit: 2 } } })
  t.equal(first.data?.items.length, 2)
  t.type(first.data?.nextCursor, 'string')
  const second = await api.GET(PATH, { headers: admin, params: { query: { limit: 2, cursor: first.data!.nextCursor! } } })
  t.notOk(second.data?.items.some((item) => first.data?.items.some((seen) => seen.id === item.id)), 'no endpoint twice')
  const bad = await api.GET(PATH, { headers: admin, params: { query: { cursor: 'not-ours' } } })
  t.equal(bad.response.status, 400)
  t.equal(bad.error?.code, 'INVALID_CURSOR')
})

t.test('moderators are refused, customers too, and anonymous callers are asked for a token', async (t) => {
  const { api, admin, app } = harness
  const endpoint = (await api.POST(PATH, { headers: admin, body: { url: 'http://127.0.0.1:9/staff', eventTypes: ['order.placed'] } })).data!
  const moderator = await signInModerator({ ...harness, staff: admin })
  const forbidden = problem(403, 'FORBIDDEN', 'This operation requires one of the roles ADMIN.', PATH)
  const listed = await api.GET(PATH, { headers: moderator })
  t.equal(listed.response.status, 403)
  t.same(listed.error, forbidden)
  t.equal((await api.POST(PATH, { headers: moderator, body: { url: 'http://127.0.0.1:9/m', eventTypes: ['order.placed'] } })).response.status, 403)
  t.equal((await api.PATCH(`${PATH}/{id}`, { headers: moderator, params: { path: { id: endpoint.id } }, body: { active: false } })).response.status, 403)
  t.equal((await api.POST(`${PATH}/{id}/secret/rotate`, { headers: moderator, params: { path: { id: endpoint.id } } })).response.status, 403)
  t.equal((await api.GET(`${PATH}/{id}/deliveries`, { headers: moderator, params: { path: { id: endpoint.id } } })).response.status, 403)

  const customer = await createCustomer({ app })
  const asCustomer = await api.GET(PATH, { headers: customer.headers })
  t.equal(asCustomer.response.status, 401)
  t.same(asCustomer.error, problem(401, 'INVALID_TOKEN', 'Staff operations need a staff access token.', PATH))
  const anonymous = await api.GET(PATH)
  t.equal(anonymous.response.status, 401)
  t.equal(anonymous.response.headers.get('content-type'), PROBLEM_JSON)
  t.equal((await api.DELETE(`${PATH}/{id}`, { params: { path: { id: endpoint.id } } })).response.status, 401)
})

t.test('unknown ids are 404s on every operation', async (t) => {
  const { api, admin } = harness
  const path = { id: UNKNOWN_ID }
  const instance = `${PATH}/${UNKNOWN_ID}`
  const expected = problem(404, 'NOT_FOUND', 'No webhook endpoint has this id.', instance)
  t.same((await api.GET(`${PATH}/{id}`, { headers: admin, params: { path } })).error, expected)
  t.same((await api.PATCH(`${PATH}/{id}`, { headers: admin, params: { path }, body: { active: false } })).error, expected)
  t.same((await api.DELETE(`${PATH}/{id}`, { headers: admin, params: { path } })).error, expected)
  t.same((await api.POST(`${PATH}/{id}/secret/rotate`, { headers: admin, params: { path } })).error, { ...expected, instance: `${instance}/secret/rotate` })
  t.same((await api.POST(`${PATH}/{id}/test`, { headers: admin, params: { path } })).error, { ...expected, instance: `${instance}/test` })
  t.same((await api.GET(`${PATH}/{id}/deliveries`, { headers: admin, params: { path } })).error, { ...expected, instance: `${instance}/deliveries` })
  t.same((await api.GET(`${PATH}/{id}/deliveries/{deliveryId}`, { headers: admin, params: { path: { ...path, deliveryId: UNKNOWN_ID } } })).error, { ...expected, instance: `${instance}/deliveries/${UNKNOWN_ID}` })
  const endpoint = (await api.POST(PATH, { headers: admin, body: { url: 'http://127.0.0.1:9/known', eventTypes: ['order.placed'] } })).data!
  const noDelivery = await api.POST(`${PATH}/{id}/deliveries/{deliveryId}/redeliver`, { headers: admin, params: { path: { id: endpoint.id, deliveryId: UNKNOWN_ID } } })
  t.same(noDelivery.error, problem(404, 'NOT_FOUND', 'This webhook endpoint has no delivery with this id.', `${PATH}/${endpoint.id}/deliveries/${UNKNOWN_ID}/redeliver`))
  const notAnId = await api.GET(`${PATH}/{id}`, { headers: admin, params: { path: { id: 'nope' } } })
  t.equal(notAnId.response.status, 400)
  t.equal(notAnId.error?.code, 'VALIDATION_FAILED')
})

t.test('bad bodies are 400s naming the field, and nothing is created', async (t) => {
  const { api, admin, app } = harness
  const before = (await api.GET(PATH, { headers: admin, params: { query: { limit: 100 } } })).data!.items.length
  const post = async (body: unknown) => await app.inject({ method: 'POST', url: PATH, headers: { ...admin, 'content-type': 'application/json' }, payload: JSON.stringify(body) })
  const cases: Array<[unknown, string, string]> = [
    [{ url: 'http://127.0.0.1:9/x', eventTypes: ['order.exploded'] }, '/body/eventTypes/0', 'must be equal to one of the allowed values'],
    [{ url: 'http://127.0.0.1:9/x', eventTypes: ['order.placed', 'order.placed'] }, '/body/eventTypes', 'must NOT have duplicate items (items ## 1 and 0 are identical)'],
    [{ url: 'http://127.0.0.1:9/x', eventTypes: [] }, '/body/eventTypes', 'must NOT have fewer than 1 items'],
    [{ url: 'http://127.0.0.1:9/x' }, '/body/eventTypes', "must have required property 'eventTypes'"],
    [{ url: 42, eventTypes: ['order.placed'] }, '/body/url', 'must be string'],
    [{ url: 'http://127.0.0.1:9/x', eventTypes: ['order.placed'], active: 'yes' }, '/body/active', 'must be boolean'],
    [{ url: 'http://127.0.0.1:9/x', eventTypes: ['order.placed'], secret: 'whsec_mine' }, '/body/secret', 'must NOT have additional properties'],
    [{ url: `http://127.0.0.1:9/${'x'.repeat(2048)}`, eventTypes: ['order.placed'] }, '/body/url', 'must NOT have more than 2048 characters'],
    [{ url: 'erp.example.com/hook', eventTypes: ['order.placed'] }, '/body/url', 'must be an absolute http or https URL'],
    [{ url: 'ftp://erp.example.com/hook', eventTypes: ['order.placed'] }, '/body/url', 'must be an absolute http or https URL'],
    [{ url: 'https://user:secret@erp.example.com/hook', eventTypes: ['order.placed'] }, '/body/url', 'must not carry credentials (user:password@); authenticate the requests with the signature'],
    [{ url: 'https://erp.example.com/hook#part', eventTypes: ['order.placed'] }, '/body/url', 'must not have a fragment (#…), which is never sent']
  ]
  for (const [body, pointer, detail] of cases) {
    const response = await post(body)
    t.equal(response.statusCode, 400, `${pointer}: ${detail}`)
    t.same(response.json(), validationProblem(PATH, [{ pointer, detail }]))
  }
  const noChange = await api.PATCH(`${PATH}/{id}`, { headers: admin, params: { path: { id: UNKNOWN_ID } }, body: {} as never })
  t.equal(noChange.response.status, 400, 'a change must change something')
  const huge = await app.inject({ method: 'POST', url: PATH, headers: { ...admin, 'content-type': 'application/json' }, payload: JSON.stringify({ url: 'http://127.0.0.1:9/x', eventTypes: ['order.placed'], description: 'x'.repeat(2_000_000) }) })
  t.equal(huge.statusCode, 413)
  t.equal(huge.json().code, 'PAYLOAD_TOO_LARGE')
  const notJson = await app.inject({ method: 'POST', url: PATH, headers: { ...admin, 'content-type': 'application/json' }, payload: '{"url":' })
  t.equal(notJson.statusCode, 400)
  t.equal(notJson.json().code, 'MALFORMED_JSON')
  t.equal((await api.GET(PATH, { headers: admin, params: { query: { limit: 100 } } })).data!.items.length, before, 'nothing was created')
})

t.test('the delivery log refuses a status it does not know', async (t) => {
  const { api, admin } = harness
  const endpoint = (await api.POST(PATH, { headers: admin, body: { url: 'http://127.0.0.1:9/log', eventTypes: ['order.placed'] } })).data!
  const response = await api.GET(`${PATH}/{id}/deliveries`, { headers: admin, params: { path: { id: endpoint.id }, query: { status: 'LOST' as never } } })
  t.equal(response.response.status, 400)
  t.same(response.error, validationProblem(`${PATH}/${endpoint.id}/deliveries?status=LOST`, [{ pointer: '/query/status', detail: 'must be equal to one of the allowed values' }]))
  t.same((await api.GET(`${PATH}/{id}/deliveries`, { headers: admin, params: { path: { id: endpoint.id } } })).data, { items: [], nextCursor: null })
})
