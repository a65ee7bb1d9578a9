import { Ajv, type Options } from 'ajv'
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats'
import fp from 'fastify-plugin'
import type { FastifySchema, FastifySchemaCompiler } from 'fastify'
import { invalidField } from './problem.js'
import { UUID } from '../modules/common/common.schemas.js'

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
export const addFormats = ((addFormatsModule as unknown as { default?: FormatsPlugin }).default ?? addFormatsModule) as FormatsPlugin

const common: Options = {
  removeAdditional: false, // unknown properties are rejected, never silently dropped
  useDefaults: true,
  allErrors: true // a validation failure lists every failing field, not just the first
}

// ajv-formats' `uuid` also admits a `urn:uuid:` prefix, which PostgreSQL rejects: ids take the canonical form only.
function withFormats (ajv: Ajv): Ajv {
  return addFormats(ajv).addFormat('uuid', UUID)
}
// Query strings, path parameters and headers arrive as text and are coerced to their declared types;
// a JSON body is taken as sent, so `{ "email": 42 }` is a wrong type rather than the string "42".
const coercing = withFormats(new Ajv({ ...common, coerceTypes: 'array' }))
const exact = withFormats(new Ajv({ ...common, coerceTypes: false }))

const validatorCompiler: FastifySchemaCompiler<FastifySchema> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? exact : coercing).compile(schema as object)

/**
 * The JSON pointer of the first string holding a NUL character, which PostgreSQL text cannot store.
 * Iterative, so no nesting depth can exhaust the stack.
 */
function findNul (body: unknown): string | undefined {
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

/** How requests are read: JSON bodies only, taken exactly as sent; every failing field reported. */
export default fp(async (app) => {
  app.addHook('preValidation', async (request) => {
    const schema = request.routeOptions.schema
    if (schema?.operationId !== undefined && schema.body === undefined && request.body !== undefined) {
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
