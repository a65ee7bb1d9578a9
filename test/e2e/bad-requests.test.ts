import { connect } from 'node:net'
import t from 'tap'
import { createTestDatabase } from '../helpers/database.js'
import { startServer } from '../helpers/server.js'
import { assertResponseMatchesSpec } from '../helpers/contract.js'

const SIGNUP = '/api/v1/auth/signup'

t.test('a running server answers malformed and oversized requests with problems, never a 500', async (t) => {
  const server = await startServer(t, { DATABASE_URL: await createTestDatabase(t), BODY_LIMIT: '4096' })
  async function send (init: RequestInit & { path?: string }) {
    const response = await fetch(`${server.baseUrl}${init.path ?? SIGNUP}`, { method: 'POST', ...init })
    const body = await response.text()
    assertResponseMatchesSpec({ method: init.method ?? 'POST', url: init.path ?? SIGNUP, statusCode: response.status, contentType: response.headers.get('content-type') ?? undefined, body })
    return { status: response.status, type: response.headers.get('content-type'), problem: JSON.parse(body) as Record<string, unknown> }
  }
  const json = { 'content-type': 'application/json' }

  const malformed = await send({ headers: json, body: '{"email": "a@b.co",' })
  t.equal(malformed.status, 400)
  t.equal(malformed.type, 'application/problem+json; charset=utf-8')
  t.match(malformed.problem, { code: 'MALFORMED_JSON', status: 400, detail: 'The request body is not valid JSON.' })

  const empty = await send({ headers: json, body: '' })
  t.equal(empty.status, 400)
  t.equal(empty.problem.code, 'MALFORMED_JSON')

  const text = await send({ headers: { 'content-type': 'text/plain' }, body: 'email=a@b.co' })
  t.equal(text.status, 415)
  t.equal(text.problem.code, 'UNSUPPORTED_MEDIA_TYPE')

  const form = await send({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=a@b.co' })
  t.equal(form.status, 415)

  const huge = await send({ headers: json, body: JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(10_000), name: 'Big' }) })
  t.equal(huge.status, 413)
  t.match(huge.problem, { code: 'PAYLOAD_TOO_LARGE', status: 413 })

  const wrongTypes = await send({ headers: json, body: JSON.stringify({ email: 42, password: ['x'], name: null }) })
  t.equal(wrongTypes.status, 400)
  t.same((wrongTypes.problem.errors as Array<{ pointer: string }>).map((error) => error.pointer).sort(), ['/body/email', '/body/name', '/body/password'])

  const arrayBody = await send({ headers: json, body: '[1,2,3]' })
  t.equal(arrayBody.status, 400)
  t.equal(arrayBody.problem.code, 'VALIDATION_FAILED')

  const proto = await send({ headers: json, body: '{"__proto__": {"admin": true}, "email": "a@b.co", "password": "long enough pw", "name": "P"}' })
  t.equal(proto.status, 400, 'prototype poisoning is refused')

  const nul = await send({ headers: json, body: JSON.stringify({ email: 'nul@example.com', password: 'violet tangerine 42', name: 'Nul\u0000Byte' }) })
  t.equal(nul.status, 400, 'a NUL character, which PostgreSQL cannot store, is refused up front')
  t.same(nul.problem.errors, [{ pointer: '/body/name', detail: 'must not contain NUL characters' }])

  const lengthened = await send({ headers: json, body: JSON.stringify({ email: `${'İ'.repeat(60)}.${'İ'.repeat(60)}.${'İ'.repeat(60)}@example.com`, password: 'violet tangerine 42', name: 'Long' }) })
  t.equal(lengthened.status, 400, 'an email that lower-casing makes too long is refused')
  t.same(lengthened.problem.errors, [{ pointer: '/body/email', detail: 'must NOT have more than 254 characters' }])

  const urnId = await send({ path: '/api/v1/admin/auth/verify', headers: json, body: JSON.stringify({ challengeId: 'urn:uuid:01900000-0000-7000-8000-000000000000', code: '123456' }) })
  t.equal(urnId.status, 400, 'ids take the canonical UUID form only')
  t.same(urnId.problem.errors, [{ pointer: '/body/challengeId', detail: 'must match format "uuid"' }])

  const bodyOnBodiless = await send({ path: '/api/v1/auth/signout', headers: json, body: '{}' })
  t.equal(bodyOnBodiless.status, 401, 'authentication comes first')

  const unknownRoute = await send({ path: '/api/v1/nope', headers: json, body: '{}' })
  t.equal(unknownRoute.status, 404)
  t.equal(unknownRoute.problem.code, 'ROUTE_NOT_FOUND')

  const live = await fetch(`${server.baseUrl}/health/live`)
  t.equal(live.status, 200, 'the server is still healthy afterwards')
  t.notMatch(server.output(), /"level":50/, 'nothing was logged as an error')
})

t.test('deeply nested JSON within the body limit is a validation failure, not a crash', async (t) => {
  const server = await startServer(t, { DATABASE_URL: await createTestDatabase(t) })
  const body = `{"email":${'['.repeat(200_000)}${']'.repeat(200_000)}}`
  const response = await fetch(`${server.baseUrl}/api/v1/auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  const text = await response.text()
  assertResponseMatchesSpec({ method: 'POST', url: '/api/v1/auth/signin', statusCode: response.status, contentType: response.headers.get('content-type') ?? undefined, body: text })
  t.equal(response.status, 400)
  t.equal((JSON.parse(text) as { code: string }).code, 'VALIDATION_FAILED')
})

t.test('SIGTERM lets an in-flight request finish before the process exits', async (t) => {
  const server = await startServer(t, { DATABASE_URL: await createTestDatabase(t) })
  const { port } = new URL(server.baseUrl)
  const body = JSON.stringify({ email: 'drain@example.com', password: 'violet tangerine 42', name: 'Drain' })
  const socket = connect(Number(port), '127.0.0.1')
  await new Promise((resolve) => socket.once('connect', resolve))
  let reply = ''
  socket.on('data', (chunk) => { reply += chunk.toString() })
  const closed = new Promise((resolve) => socket.once('close', resolve))
  // Send the headers and half the body, then ask the server to stop.
  socket.write(`POST ${SIGNUP} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 20)}`)
  await new Promise((resolve) => setTimeout(resolve, 200))
  const exited = server.stop('SIGTERM')
  await new Promise((resolve) => setTimeout(resolve, 300))
  socket.write(body.slice(20))
  await closed
  t.match(reply, /^HTTP\/1\.1 202 /, 'the in-flight sign-up completed')
  t.equal(await exited, 0, 'then the process exited cleanly')
  t.match(server.output(), /shutting down: draining requests/)
})
