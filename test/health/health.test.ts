import t from 'tap'
import { build } from '../helpers/build.js'
import { injectClient } from '../helpers/client.js'
import { dropTestDatabase } from '../helpers/database.js'
import { problem, validationProblem, JSON_TYPE, PROBLEM_JSON } from '../helpers/problems.js'

t.test('liveness answers without touching the database', async (t) => {
  const api = injectClient(await build(t))
  const { data, response } = await api.GET('/health/live')
  t.equal(response.status, 200)
  t.equal(response.headers.get('content-type'), JSON_TYPE)
  t.same(data, { status: 'ok' })
})

t.test('readiness reports the database up', async (t) => {
  const api = injectClient(await build(t))
  const { data, response } = await api.GET('/health/ready')
  t.equal(response.status, 200)
  t.same(data, { status: 'ok', checks: { database: 'up' } })
})

t.test('readiness answers 503 when the database is gone', async (t) => {
  const app = await build(t)
  await dropTestDatabase(app.config.DATABASE_URL as string)
  const { error, response } = await injectClient(app).GET('/health/ready')
  t.equal(response.status, 503)
  t.equal(response.headers.get('content-type'), PROBLEM_JSON)
  t.same(error, problem(503, 'SERVICE_UNAVAILABLE', 'The database is not reachable.', '/health/ready'))
})

t.test('unknown query parameters are rejected, not ignored', async (t) => {
  const api = injectClient(await build(t))
  // A query parameter the contract does not have.
  const { error, response } = await api.GET('/health/live', { params: { query: { verbose: 1 } } as never })
  t.equal(response.status, 400)
  t.same(error, validationProblem('/health/live?verbose=1', [{ pointer: '/query/verbose', detail: 'must NOT have additional properties' }]))
})
