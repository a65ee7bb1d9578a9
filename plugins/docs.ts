import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { Type } from '@sinclair/typebox'
import { parse } from 'yaml'
import { problemResponses } from '../openapi/shared.schemas.js'

// openapi/openapi.yaml and the files it references, bundled into one document by `npm run generate`.
const specPath = join(dirname(fileURLToPath(import.meta.url)), '..', 'openapi', 'openapi.bundle.yaml')

/** The hand-written contract, read once: the source of truth for docs, clients and the contract tests. */
export const specYaml = readFileSync(specPath, 'utf8')
export const specDocument = parse(specYaml) as Record<string, unknown>

const OpenApiDocumentSchema = Type.Object({
  openapi: Type.String(),
  info: Type.Object({}, { additionalProperties: true }),
  paths: Type.Object({}, { additionalProperties: true })
}, { additionalProperties: true })

/** Serves the bundled contract as JSON and YAML, and Swagger UI at /docs. */
export default fp(async (app) => {
  await app.register(swagger, { mode: 'static', specification: { document: specDocument as never } })
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { persistAuthorization: true, displayRequestDuration: true, tryItOutEnabled: true },
    staticCSP: false
  })

  app.get('/openapi.json', {
    config: { access: 'public' },
    schema: {
      operationId: 'getOpenApiJson',
      response: { 200: OpenApiDocumentSchema, ...problemResponses(400, 500) }
    }
  }, async () => specDocument)

  app.get('/openapi.yaml', {
    config: { access: 'public' },
    schema: {
      operationId: 'getOpenApiYaml',
      response: { 200: Type.String(), ...problemResponses(400, 500) }
    }
  }, async (request, reply) => reply.type('application/yaml; charset=utf-8').send(specYaml))
}, { name: 'docs' })
