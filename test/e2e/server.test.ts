import t from 'tap'
import { createTestDatabase } from '../helpers/database.js'
import { httpClient } from '../helpers/client.js'
import { SERVER_PROCESS_ENV, startServer } from '../helpers/server.js'

t.test('the real server answers a generated client over HTTP and shuts down cleanly', async (t) => {
  const server = await startServer(t, { DATABASE_URL: await createTestDatabase(t) })
  const client = httpClient(server.baseUrl)

  const live = await client.GET('/health/live')
  t.equal(live.response.status, 200)
  t.same(live.data, { status: 'ok' })
  t.match(live.response.headers.get('x-request-id'), /^[0-9a-f-]{36}$/)

  const ready = await client.GET('/health/ready')
  t.equal(ready.response.status, 200)
  t.same(ready.data, { status: 'ok', checks: { database: 'up' } })

  const spec = await client.GET('/openapi.json')
  t.equal(spec.response.status, 200)
  t.equal(spec.data?.openapi, '3.1.0')

  const kept = await fetch(`${server.baseUrl}/health/live`, { headers: { 'x-request-id': 'trace-abc-123' } })
  t.equal(kept.headers.get('x-request-id'), 'trace-abc-123', 'an incoming request id is kept')
  const replaced = await fetch(`${server.baseUrl}/health/live`, { headers: { 'x-request-id': 'not an id; '.repeat(20) } })
  t.match(replaced.headers.get('x-request-id'), /^[0-9a-f-]{36}$/, 'one that does not look like an id is replaced')

  const missing = await fetch(`${server.baseUrl}/api/v1/nothing-here`)
  t.equal(missing.status, 404)
  t.equal(missing.headers.get('content-type'), 'application/problem+json; charset=utf-8')
  t.match(await missing.json(), { status: 404, code: 'ROUTE_NOT_FOUND' })

  const code = await server.stop('SIGTERM')
  t.equal(code, 0, 'SIGTERM exits cleanly')
  t.match(server.output(), /shutting down/)
  t.match(server.output(), /trace-abc-123/, 'log lines carry the request id')
})

t.test('a bad setting stops the process with one line naming the variable', async (t) => {
  const { spawnSync } = await import('node:child_process')
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'server.ts'], {
    env: { ...SERVER_PROCESS_ENV, PORT: 'eighty', DATABASE_URL: 'postgres://localhost/none' },
    encoding: 'utf8'
  })
  t.equal(result.status, 1)
  t.equal(result.stderr.trim(), 'Invalid configuration: PORT must be integer')
})
