import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../fastify.config.js'
import { testConfig } from '../helpers/build.js'

type LogLine = Record<string, any>

interface LoggedApp {
  app: FastifyInstance
  raw: string[]
  lines: () => LogLine[]
}

/** The whole app logging at info into memory; `extend` may add test-only routes before it starts. */
async function loggedApp (t: Test, extend: (app: FastifyInstance) => void = () => {}): Promise<LoggedApp> {
  const raw: string[] = []
  const app = await buildApp(await testConfig(t, { LOG_LEVEL: 'info' }), { logStream: { write: (line) => { raw.push(line) } } })
  t.teardown(async () => { await app.close() })
  extend(app)
  await app.ready()
  return { app, raw, lines: () => raw.map((line) => JSON.parse(line) as LogLine) }
}

t.test('log lines are JSON and carry the request id of the response', async (t) => {
  const { app, raw, lines } = await loggedApp(t)
  const responses = [
    await app.inject({ method: 'GET', url: '/health/live' }),
    await app.inject({ method: 'GET', url: '/health/ready' }),
    await app.inject({ method: 'GET', url: '/api/v1/nothing-here' }),
    await app.inject({ method: 'GET', url: '/health/live?verbose=1' }),
    await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'lb-trace-0042' } })
  ]
  t.same(responses.map((response) => response.statusCode), [200, 200, 404, 400, 200])

  t.ok(raw.length > 0, 'something was logged')
  for (const line of raw) {
    t.doesNotThrow(() => JSON.parse(line), `a JSON line: ${line.slice(0, 80)}`)
    t.ok(line.endsWith('\n'), 'one line each')
  }

  const ids = responses.map((response) => response.headers['x-request-id'] as string)
  t.equal(ids[4], 'lb-trace-0042')
  t.equal(new Set(ids).size, ids.length, 'each request has its own id')

  const requestLines = lines().filter((line) => line.req !== undefined || line.res !== undefined || line.reqId !== undefined)
  t.ok(requestLines.every((line) => ids.includes(line.reqId)), 'every request line carries the id of one of the responses')
  for (const [index, id] of ids.entries()) {
    const own = requestLines.filter((line) => line.reqId === id)
    t.match(own.find((line) => line.msg === 'incoming request'), { level: 30, req: { method: 'GET' } }, `request ${index} was logged on arrival`)
    t.match(own.find((line) => line.msg === 'request completed'), { level: 30, res: { statusCode: responses[index]?.statusCode } }, `request ${index} was logged on completion`)
  }
  t.match(requestLines.find((line) => line.reqId === ids[3] && line.code !== undefined), { code: 'VALIDATION_FAILED', status: 400 }, 'a client error is logged with its request id')
})

const SECRETS = {
  authorization: 'Bearer secret-token-value',
  cookie: 'session=secret-cookie-value',
  password: 'secret-password-value',
  currentPassword: 'secret-current-password',
  newPassword: 'secret-new-password',
  token: 'secret-body-token',
  accessToken: 'secret-access-token',
  refreshToken: 'secret-refresh-token',
  code: '918273'
}
const SECRET_VALUES = ['secret-token-value', 'secret-cookie-value', SECRETS.password, SECRETS.currentPassword, SECRETS.newPassword, SECRETS.token, SECRETS.accessToken, SECRETS.refreshToken, SECRETS.code]

t.test('credentials never reach the log', async (t) => {
  const { app, raw, lines } = await loggedApp(t, (app) => {
    // A handler that logs a whole credential-bearing body, the mistake the redaction exists for.
    app.post('/test/log-body', async (request) => {
      request.log.info({ body: request.body }, 'body received')
      return { ok: true }
    })
  })
  const headers = { authorization: SECRETS.authorization, cookie: SECRETS.cookie, 'content-type': 'application/json' }
  const body = JSON.stringify({
    password: SECRETS.password,
    currentPassword: SECRETS.currentPassword,
    newPassword: SECRETS.newPassword,
    token: SECRETS.token,
    accessToken: SECRETS.accessToken,
    refreshToken: SECRETS.refreshToken,
    code: SECRETS.code
  })

  const responses = [
    await app.inject({ method: 'GET', url: '/health/live', headers: { authorization: SECRETS.authorization, cookie: SECRETS.cookie } }),
    await app.inject({ method: 'POST', url: '/api/v1/nothing-here', headers, payload: body }),
    await app.inject({ method: 'POST', url: '/health/live', headers, payload: body }),
    await app.inject({ method: 'POST', url: '/test/log-body', headers, payload: body })
  ]
  t.same(responses.map((response) => response.statusCode), [200, 404, 404, 200])

  const all = raw.join('')
  for (const secret of SECRET_VALUES) t.notOk(all.includes(secret), `${secret} is not in the log`)

  // Fastify's request serializer logs method, url, host and remote address, never headers, so the
  // Authorization and Cookie values cannot appear through it; `req.headers.authorization` and
  // `req.headers.cookie` are redacted as well, for anyone who logs the raw headers under `req`.
  const arrivals = lines().filter((line) => line.msg === 'incoming request')
  t.equal(arrivals.length, responses.length)
  for (const arrival of arrivals) {
    t.match(arrival.req, { method: String, url: String }, 'the request line has method and url')
    t.equal(arrival.req.headers, undefined, 'and no headers')
  }

  const logged = lines().find((line) => line.msg === 'body received')
  t.same(logged?.body, {
    password: '[redacted]',
    currentPassword: '[redacted]',
    newPassword: '[redacted]',
    token: '[redacted]',
    accessToken: '[redacted]',
    refreshToken: '[redacted]',
    code: '[redacted]'
  }, 'a logged body has every credential field redacted')
})
