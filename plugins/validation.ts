import { Ajv, type Options } from 'ajv'
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats'
import fp from 'fastify-plugin'
import type { FastifySchema, FastifySchemaCompiler } from 'fastify'
import type { FastifySchemaValidationError } from 'fastify/types/schema.js'
import { invalidField } from './problem.js'
import { Type } from '@sinclair/typebox'
import { UUID } from '../openapi/shared.schemas.js'
import { ISO_COUNTRY_CODES } from '../openapi/countries.js'

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
export const addFormats = ((addFormatsModule as unknown as { default?: FormatsPlugin }).default ?? addFormatsModule) as FormatsPlugin

const common: Options = {
  removeAdditional: false, // unknown properties are rejected, never silently dropped
  useDefaults: true,
  allErrors: true // a validation failure lists every failing field, not just the first
}

const EMAIL_ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\u0080-\\uFFFF-]"
const DOMAIN_LABEL = String.raw`[A-Za-z0-9\u0080-\uFFFF]([A-Za-z0-9\u0080-\uFFFF-]{0,61}[A-Za-z0-9\u0080-\uFFFF])?`
/**
 * Exactly one address, surrounding whitespace allowed: dot-atoms, `@`, hostname labels. No display names,
 * lists, comments or quoted parts, which a mailer would read as other recipients.
 */
export const EMAIL = new RegExp(String.raw`^\s*${EMAIL_ATEXT}{1,64}(\.${EMAIL_ATEXT}{1,64})*@(${DOMAIN_LABEL}\.)+${DOMAIN_LABEL}\s*$`, 'u')

/**
 * ajv-formats' `uuid` also admits a `urn:uuid:` prefix, which PostgreSQL rejects: ids take the canonical form
 * only. Its `email` admits what nodemailer reads as an address list.
 */
/** The schema checks a country's shape (two capitals); the list of assigned codes checks that it names a country: 400 otherwise. */
export function assertCountryCode (country: string | undefined, pointer: string): void {
  if (country !== undefined && !ISO_COUNTRY_CODES.has(country)) throw invalidField(pointer, 'is not an ISO 3166-1 alpha-2 country code')
}

export function withFormats<T extends Ajv> (ajv: T): T {
  addFormats(ajv).addFormat('uuid', UUID).addFormat('email', EMAIL)
  return ajv
}
// Query strings, path parameters and headers arrive as text and are coerced to their declared types;
// a JSON body is taken as sent, so `{ "email": 42 }` is a wrong type rather than the string "42".
const coercing = withFormats(new Ajv({ ...common, coerceTypes: 'array' }))
const exact = withFormats(new Ajv({ ...common, coerceTypes: false }))

/** How a number must be written in a query string, path or header: plain decimal, nothing JavaScript merely tolerates. */
const DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/

type Validate = ((data: unknown, context?: unknown) => boolean) & { errors?: FastifySchemaValidationError[] | null, schemaEnv?: unknown }

/**
 * Text that coercion turned into a number it should not have: `Infinity` and `1e309`, which Ajv then lets
 * through `maximum`, and `0x10` or ` 5`, which are not how anyone writes a number. Query strings, paths and
 * headers are flat: a value is a string, or an array of strings for a repeated query parameter.
 */
function badlyWrittenNumbers (original: Record<string, unknown>, coerced: Record<string, unknown>): FastifySchemaValidationError[] {
  const errors: FastifySchemaValidationError[] = []
  for (const [key, value] of Object.entries(coerced)) {
    const before = original[key]
    const pairs: Array<[unknown, unknown, string]> = Array.isArray(value)
      ? value.map((item, index) => [Array.isArray(before) ? before[index] : before, item, `/${key}/${index}`])
      : [[before, value, `/${key}`]]
    for (const [written, number, instancePath] of pairs) {
      if (typeof number !== 'number' || typeof written !== 'string') continue
      if (Number.isFinite(number) && DECIMAL.test(written)) continue
      errors.push({ instancePath, schemaPath: '#/type', keyword: 'type', params: {}, message: 'must be a finite number written in decimal digits' })
    }
  }
  return errors
}

/** JSON bodies are validated exactly as sent (Ajv refuses non-finite numbers there); the other parts are coerced, then checked. */
const validatorCompiler: FastifySchemaCompiler<FastifySchema> = ({ schema, httpPart }) => {
  if (httpPart === 'body') return exact.compile(schema as object)
  const validate = coercing.compile(schema as object) as Validate
  const checked: Validate = (data, context) => {
    const isObject = data !== null && typeof data === 'object'
    // Coercion rewrites values in place, repeated query parameters' arrays included: keep what was written.
    const original = isObject ? Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Array.isArray(value) ? [...value] : value])) : {}
    if (!validate(data, context)) {
      checked.errors = validate.errors
      return false
    }
    const errors = isObject ? badlyWrittenNumbers(original, data as Record<string, unknown>) : []
    checked.errors = errors.length > 0 ? errors : null
    return errors.length === 0
  }
  // Fastify hands the parent object only to validators that look like Ajv's, letting them coerce a root value.
  checked.schemaEnv = validate.schemaEnv
  return checked
}

/**
 * The JSON pointer of the first string holding a NUL character, which PostgreSQL text cannot store.
 * Iterative, so no nesting depth can exhaust the stack.
 */
function findNul (body: unknown): string | undefined {
  if (Buffer.isBuffer(body)) return undefined
  const pending: Array<[unknown, string]> = [[body, '/body']]
  while (pending.length > 0) {
    const [value, pointer] = pending.pop() as [unknown, string]
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return pointer
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) pending.push([item, `${pointer}/${key}`])
    }
  }
  return undefined
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route takes raw bytes (its own content-type parser), not a JSON body. */
    binaryBody?: boolean
    /** The route takes a body in a provider's own format (a payment or carrier callback), which its handler checks: its schema may be open. */
    providerBody?: boolean
  }
}

/** Routes without query parameters still reject unknown ones. */
const NoQuerySchema = Type.Object({}, { additionalProperties: false })

/** The first object in a request schema that would accept properties it does not name. */
function findOpenObject (schema: unknown, path = ''): string | undefined {
  if (schema === null || typeof schema !== 'object') return undefined
  const node = schema as Record<string, unknown>
  if ((node.type === 'object' || node.properties !== undefined) && (node.additionalProperties === undefined || node.additionalProperties === true)) return path || '/'
  for (const [key, value] of Object.entries(node)) {
    const found = Array.isArray(value)
      ? value.map((item, index) => findOpenObject(item, `${path}/${key}/${index}`)).find((item) => item !== undefined)
      : findOpenObject(value, `${path}/${key}`)
    if (found !== undefined) return found
  }
  return undefined
}

/**
 * How requests are read: JSON bodies only, taken exactly as sent; every failing field reported; unknown
 * body properties and query parameters refused. The last rule lives here, once: a contract route without a
 * query schema gets one that admits nothing, and a route whose body or query schema would let an unknown
 * property through does not start.
 */
export default fp(async (app) => {
  app.addHook('onRoute', (route) => {
    if (route.schema?.operationId === undefined) return
    route.schema.querystring ??= NoQuerySchema
    for (const part of ['body', 'querystring'] as const) {
      if (part === 'body' && route.config?.providerBody === true) continue
      const open = findOpenObject(route.schema[part])
      if (open !== undefined) throw new Error(`route ${String(route.method)} ${route.url}: its ${part} schema admits unknown properties at ${open}; declare additionalProperties: false`)
    }
  })
  app.addHook('preValidation', async (request) => {
    const schema = request.routeOptions.schema
    const binaryBody = request.routeOptions.config.binaryBody === true
    if (schema?.operationId !== undefined && schema.body === undefined && request.body !== undefined && !binaryBody) {
      throw invalidField('/body', 'must be absent: this operation takes no request body')
    }
    const pointer = findNul(request.body)
    if (pointer !== undefined) throw invalidField(pointer, 'must not contain NUL characters')
  })
  app.setValidatorCompiler(validatorCompiler)
  // Without this, Fastify's built-in text/plain parser would hand a string to the body schema, and a
  // wrong content type would read as a confusing 400 instead of 415.
  app.removeContentTypeParser('text/plain')
}, { name: 'validation' })

/** Optional free text as it is kept (notes, reasons, descriptions, optional address lines): trimmed, and none at all when only spaces were sent. */
export function textOrNull (text: string | null | undefined): string | null {
  const trimmed = text?.trim() ?? ''
  return trimmed === '' ? null : trimmed
}
