import t from 'tap'
import { build } from '../helpers/build.js'
import { dropTestDatabase } from '../helpers/database.js'

t.test('liveness answers without touching the database', async (t) => {
  const app = await build(t)
  const response = await app.inject({ method: 'GET', url: '/health/live' })
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^application\/json/)
  t.same(response.json(), { status: 'ok' })
})

t.test('readiness reports the database up', async (t) => {
  const app = await build(t)
  const response = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(response.statusCode, 200)
  t.same(response.json(), { status: 'ok', checks: { database: 'up' } })
})

t.test('readiness answers 503 when the database is gone', async (t) => {
  const app = await build(t)
  await dropTestDatabase(app.config.DATABASE_URL as string)
  const response = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(response.statusCode, 503)
  t.match(response.headers['content-type'], /^application\/problem\+json/)
  t.same(response.json(), {
    type: 'urn:commerce-api:problem:service-unavailable',
    title: 'Service Unavailable',
    status: 503,
    detail: 'The database is not reachable.',
    instance: '/health/ready',
    code: 'SERVICE_UNAVAILABLE'
  })
})

t.test('unknown query parameters are rejected, not ignored', async (t) => {
  const app = await build(t)
  const response = await app.inject({ method: 'GET', url: '/health/live?verbose=1' })
  t.equal(response.statusCode, 400)
  t.match(response.json(), { code: 'VALIDATION_FAILED', errors: [{ pointer: '/query/verbose', detail: 'must NOT have additional properties' }] })
})
