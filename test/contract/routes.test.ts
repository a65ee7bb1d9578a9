import t from 'tap'
import type { RouteOptions } from 'fastify'
import { buildApp } from '../../fastify.config.js'
import { testConfig } from '../helpers/build.js'
import { operations, resolveRef, spec } from '../helpers/contract.js'
import { normalizeSchema, parametersToSchema } from '../helpers/schema-compare.js'

type Json = Record<string, any>

/** Swagger UI's asset routes are served by @fastify/swagger-ui and are not API operations. */
const isDocsAsset = (url: string): boolean => url === '/docs' || url.startsWith('/docs/')

const toSpecPath = (url: string): string => url.replace(/:(\w+)/g, '{$1}')

t.test('routes and the spec agree', async (t) => {
  const routes: RouteOptions[] = []
  const app = await buildApp(await testConfig(t), { onRoute: (route) => { routes.push(route) } })
  t.teardown(async () => { await app.close() })
  await app.ready()

  const apiRoutes = routes
    .flatMap((route) => (Array.isArray(route.method) ? route.method : [route.method]).map((method) => ({ ...route, method: method.toUpperCase() })))
    // HEAD mirrors GET; OPTIONS * is @fastify/cors answering preflight requests.
    .filter((route) => route.method !== 'HEAD' && !(route.method === 'OPTIONS' && route.url === '*') && !isDocsAsset(route.url ?? ''))
  t.ok(apiRoutes.length >= operations.length, 'routes were collected')

  for (const route of apiRoutes) {
    const where = `${route.method} ${route.url}`
    const operationId = (route.schema as Json | undefined)?.operationId as string | undefined
    const operation = operations.find((candidate) => candidate.method === route.method && candidate.path === toSpecPath(route.url ?? ''))
    t.ok(operation, `${where} is documented in the spec`)
    if (operation === undefined) continue
    t.equal(operationId, operation.operationId, `${where} declares the spec's operationId`)

    const access = (route.config as { access?: unknown } | undefined)?.access
    const security = (operation.operation.security ?? spec.security ?? []) as Json[]
    const ticket = (access as { ticket?: boolean } | undefined)?.ticket === true
    // A route taking a ticket (`?ticket=`) lists it as the alternative to the bearer token.
    const requiresToken = security.length > 0 && security.every((requirement) => 'bearerAuth' in requirement || (ticket && 'eventTicket' in requirement))
    const acceptsToken = security.some((requirement) => 'bearerAuth' in requirement)
    if (access === 'public') {
      t.notOk(acceptsToken, `${where} is public, and the spec asks for no token`)
    } else {
      const optional = (access as { optional?: boolean } | undefined)?.optional === true
      t.ok(optional ? acceptsToken && !requiresToken : requiresToken, `${where} declares bearerAuth in the spec as its access rule requires`)
      t.equal(security.some((requirement) => 'eventTicket' in requirement), ticket, `${where} documents an event ticket exactly when its access rule accepts one`)
    }

    const schema = (route.schema ?? {}) as Json
    const parameters = (operation.operation.parameters as Json[]).map(resolveRef)
    for (const [location, key] of [['path', 'params'], ['query', 'querystring'], ['header', 'headers']] as const) {
      const specSide = parametersToSchema(parameters, location)
      const routeSide = schema[key] === undefined ? undefined : normalizeSchema(schema[key], { headers: location === 'header' })
      t.same(routeSide, specSide, `${where} ${key} schema matches the spec's ${location} parameters`)
    }

    const requestBody = operation.operation.requestBody === undefined ? undefined : resolveRef(operation.operation.requestBody)
    const specBody = requestBody?.content?.['application/json']?.schema
    t.same(
      schema.body === undefined ? undefined : normalizeSchema(schema.body),
      specBody === undefined ? undefined : normalizeSchema(specBody),
      `${where} body schema matches the spec`)

    const specResponses = operation.operation.responses as Json
    const routeResponses = (schema.response ?? {}) as Json
    t.same(Object.keys(routeResponses).sort(), Object.keys(specResponses).sort(), `${where} declares the spec's response statuses`)
    for (const [status, entry] of Object.entries(specResponses)) {
      const content = resolveRef(entry as Json).content as Json | undefined
      const specSchema = content === undefined ? { type: 'null' } : (Object.values(content)[0] as Json).schema
      t.same(normalizeSchema(routeResponses[status] ?? null), normalizeSchema(specSchema), `${where} ${status} response schema matches the spec`)
    }
  }

  for (const operation of operations) {
    const route = apiRoutes.find((candidate) => candidate.method === operation.method && toSpecPath(candidate.url ?? '') === operation.path)
    t.ok(route, `${operation.operationId} (${operation.method} ${operation.path}) has a route`)
  }
})
