import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { parse } from 'yaml'
import { build } from '../helpers/build.js'

const specPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'openapi', 'openapi.bundle.yaml')
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

t.test('GET /openapi.json is the hand-written YAML, as JSON', async (t) => {
  const app = await build(t)
  const response = await app.inject({ method: 'GET', url: '/openapi.json' })
  t.equal(response.statusCode, 200)
  t.equal(response.headers['content-type'], 'application/json; charset=utf-8')
  t.same(response.json(), parse(await readFile(specPath, 'utf8')))
})

t.test('GET /openapi.yaml is the bundled contract, byte for byte', async (t) => {
  const app = await build(t)
  const response = await app.inject({ method: 'GET', url: '/openapi.yaml' })
  t.equal(response.statusCode, 200)
  t.equal(response.headers['content-type'], 'application/yaml; charset=utf-8')
  t.ok(response.rawPayload.equals(await readFile(specPath)), 'the body is the file')
})

t.test('GET /docs serves Swagger UI on the same spec', async (t) => {
  const app = await build(t)

  for (const url of ['/docs', '/docs/']) {
    const page = await app.inject({ method: 'GET', url })
    t.equal(page.statusCode, 200, url)
    t.equal(page.headers['content-type'], 'text/html; charset=utf-8')
    t.match(page.body, /<title>Swagger UI<\/title>/)
    t.match(page.body, /<div id="swagger-ui"><\/div>/)
    t.match(page.body, /src="[^"]*static\/swagger-initializer\.js"/)
    t.match(page.body, /src="[^"]*static\/swagger-ui-bundle\.js"/)
  }

  const index = await app.inject({ method: 'GET', url: '/docs/static/index.html' })
  t.equal(index.statusCode, 302)
  t.equal(index.headers.location, '/docs/')

  const initializer = await app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' })
  t.equal(initializer.statusCode, 200)
  t.equal(initializer.headers['content-type'], 'application/javascript; charset=utf-8')
  t.match(initializer.body, "url: resolveUrl('./json')", 'Swagger UI loads /docs/json')
  t.match(initializer.body, /"persistAuthorization":\s*true/)

  const bundle = await app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' })
  t.equal(bundle.statusCode, 200)
  t.match(bundle.headers['content-type'], /javascript/)

  const uiSpec = await app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(uiSpec.statusCode, 200)
  t.same(uiSpec.json(), parse(await readFile(specPath, 'utf8')), 'the document Swagger UI shows is the contract')
})

t.test('API responses carry helmet security headers', async (t) => {
  const app = await build(t)
  for (const url of ['/health/live', '/api/v1/nothing-here']) {
    const response = await app.inject({ method: 'GET', url })
    t.match(response.headers, {
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'x-dns-prefetch-control': 'off',
      'x-download-options': 'noopen',
      'x-permitted-cross-domain-policies': 'none',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin'
    }, url)
    const csp = String(response.headers['content-security-policy'])
    t.match(csp, /(^|;)default-src 'self'(;|$)/)
    t.match(csp, /(^|;)object-src 'none'(;|$)/)
    t.match(csp, /(^|;)frame-ancestors 'self'(;|$)/)
    t.equal(response.headers['x-powered-by'], undefined)
  }
})

t.test('CORS allows the configured origins only', async (t) => {
  const app = await build(t, { CORS_ORIGINS: 'https://shop.example, https://admin.shop.example' })
  const preflight = async (origin: string) => await app.inject({
    method: 'OPTIONS',
    url: '/health/ready',
    headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' }
  })

  for (const origin of ['https://shop.example', 'https://admin.shop.example']) {
    const allowed = await preflight(origin)
    t.equal(allowed.statusCode, 204)
    t.equal(allowed.headers['access-control-allow-origin'], origin)
    t.match(allowed.headers['access-control-allow-methods'], /GET/)
    t.equal(allowed.headers['access-control-allow-headers'], 'authorization')
    t.match(allowed.headers.vary, /Origin/)
  }

  const refused = await preflight('https://evil.example')
  t.equal(refused.headers['access-control-allow-origin'], undefined, 'a browser will refuse the request')

  const simple = await app.inject({ method: 'GET', url: '/health/live', headers: { origin: 'https://shop.example' } })
  t.equal(simple.statusCode, 200)
  t.equal(simple.headers['access-control-allow-origin'], 'https://shop.example')
  t.equal(simple.headers['access-control-expose-headers'], 'x-request-id, retry-after, etag, location', 'clients can read the request id')

  const other = await app.inject({ method: 'GET', url: '/health/live', headers: { origin: 'https://evil.example' } })
  t.equal(other.statusCode, 200)
  t.equal(other.headers['access-control-allow-origin'], undefined)
})

t.test('CORS allows any origin by default', async (t) => {
  const app = await build(t)
  const response = await app.inject({
    method: 'OPTIONS',
    url: '/health/live',
    headers: { origin: 'https://anyone.example', 'access-control-request-method': 'GET' }
  })
  t.equal(response.statusCode, 204)
  t.equal(response.headers['access-control-allow-origin'], 'https://anyone.example')
})

t.test('every response carries a request id; an incoming one is kept', async (t) => {
  const app = await build(t)
  const first = await app.inject({ method: 'GET', url: '/health/live' })
  const second = await app.inject({ method: 'GET', url: '/api/v1/nothing-here' })
  t.match(first.headers['x-request-id'], UUID_V7)
  t.match(second.headers['x-request-id'], UUID_V7)
  t.not(first.headers['x-request-id'], second.headers['x-request-id'])

  const kept = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'lb-trace-7f3a' } })
  t.equal(kept.statusCode, 200)
  t.equal(kept.headers['x-request-id'], 'lb-trace-7f3a')
})
