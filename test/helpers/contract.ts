import { Ajv2020 } from 'ajv/dist/2020.js'
import type { ValidateFunction } from 'ajv'
import { specDocument } from '../../plugins/docs.js'
import { withFormats } from '../../plugins/validation.js'

/** Reads the hand-written spec the way a client does, to check every response the tests receive. */

type Json = Record<string, any>

const SPEC_ID = 'openapi.json'
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const

export const spec = specDocument as Json

/** Follows a local `#/...` reference in the spec. */
export function resolveRef (node: Json): Json {
  let current = node
  while (typeof current?.$ref === 'string') {
    const pointer = (current.$ref as string).replace(/^#\//, '').split('/').map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    current = pointer.reduce<Json>((value, key) => value[key], spec)
  }
  return current
}

function prefixRefs (node: unknown): unknown {
  if (Array.isArray(node)) return node.map(prefixRefs)
  if (node === null || typeof node !== 'object') return node
  return Object.fromEntries(Object.entries(node).map(([key, value]) =>
    key === '$ref' && typeof value === 'string' && value.startsWith('#') ? [key, `${SPEC_ID}${value}`] : [key, prefixRefs(value)]))
}

const ajv = withFormats(new Ajv2020({ strict: false, allErrors: true }))
ajv.addSchema(prefixRefs(spec) as Json, SPEC_ID)

const validators = new Map<Json, ValidateFunction>()
function validatorFor (schema: Json): ValidateFunction {
  let validate = validators.get(schema)
  if (validate === undefined) {
    validate = ajv.compile(prefixRefs(schema) as Json)
    validators.set(schema, validate)
  }
  return validate
}

/** Throws unless `value` validates against the spec's schema at `ref` (such as `#/components/schemas/OrderEvent`). */
export function assertMatchesSchema (ref: string, value: unknown): void {
  const validate = validatorFor({ $ref: ref })
  if (validate(value) !== true) throw new Error(`contract: ${JSON.stringify(value).slice(0, 300)} does not match ${ref}: ${ajv.errorsText(validate.errors)}`)
}

export interface SpecOperation {
  method: string
  path: string
  operationId: string
  operation: Json
  matcher: RegExp
}

export const operations: SpecOperation[] = Object.entries(spec.paths as Json).flatMap(([path, item]) =>
  HTTP_METHODS.filter((method) => (item as Json)[method] !== undefined).map((method) => ({
    method: method.toUpperCase(),
    path,
    operationId: (item as Json)[method].operationId as string,
    operation: { ...(item as Json)[method], parameters: [...((item as Json).parameters ?? []), ...((item as Json)[method].parameters ?? [])] },
    matcher: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`)
  })))

/** The operation serving a request; as the router does, a literal segment wins over a parameter (`/orders/events` over `/orders/{id}`). */
export function findOperation (method: string, urlPath: string): SpecOperation | undefined {
  const candidates = operations.filter((candidate) => candidate.method === method && candidate.matcher.test(urlPath))
  const parameters = (operation: SpecOperation): number => operation.path.split('{').length
  return candidates.sort((a, b) => parameters(a) - parameters(b))[0]
}

export interface ObservedResponse {
  method: string
  url: string
  statusCode: number
  contentType: string | undefined
  body: string
}

/** Swagger UI's own assets are not part of the contract. */
const UNDOCUMENTED_PREFIXES = ['/docs']

/**
 * Throws when a response contradicts the spec: an undeclared status, a content type the operation does
 * not declare for it, or a body that does not validate against the declared schema; and on any 500.
 */
export function assertResponseMatchesSpec (response: ObservedResponse): void {
  const urlPath = new URL(response.url, 'http://localhost').pathname
  if (UNDOCUMENTED_PREFIXES.some((prefix) => urlPath === prefix || urlPath.startsWith(`${prefix}/`))) return
  const where = `${response.method} ${urlPath} → ${response.statusCode}`
  // The spec allows a 500 everywhere, for failures nobody foresaw; a test that meets one has found a bug.
  if (response.statusCode === 500) throw new Error(`contract: ${where} is an unexpected server error: ${response.body.slice(0, 500)}`)
  const found = findOperation(response.method, urlPath)
  // CORS preflight is answered by @fastify/cors on every path: HTTP plumbing, not an operation of the API.
  if (found === undefined && response.method === 'OPTIONS') return
  let declared: Json
  if (found === undefined) {
    // Unknown routes still answer with the contract's problem format.
    if (response.statusCode < 400) throw new Error(`contract: ${where} answered from a route the spec does not document`)
    declared = resolveRef({ $ref: '#/components/responses/ValidationFailed' })
  } else {
    const responses = found.operation.responses as Json
    const entry = responses[String(response.statusCode)] ?? responses.default
    if (entry === undefined) throw new Error(`contract: ${where} is not a status declared for ${found.operationId}`)
    declared = resolveRef(entry)
  }
  const content = declared.content as Json | undefined
  if (content === undefined) {
    if (response.body !== '') throw new Error(`contract: ${where} declares no body but sent ${response.body.slice(0, 200)}`)
    return
  }
  const mediaType = (response.contentType ?? '').split(';')[0]?.trim() ?? ''
  const media = content[mediaType] as Json | undefined
  if (media === undefined) throw new Error(`contract: ${where} sent ${mediaType || 'no content type'}, the spec declares ${Object.keys(content).join(', ')}`)
  const body = mediaType.endsWith('json') ? JSON.parse(response.body) : response.body
  const validate = validatorFor(media.schema as Json)
  if (validate(body) !== true) {
    throw new Error(`contract: ${where} body does not match the spec: ${ajv.errorsText(validate.errors)}\n${response.body.slice(0, 500)}`)
  }
}
