import { resolveRef } from './contract.js'

type Json = Record<string, any>

/** Keywords that document a schema without changing what it accepts. */
const ANNOTATIONS = new Set(['description', 'title', 'examples', 'example', '$id', '$schema', 'deprecated', 'externalDocs'])

/**
 * Brings a TypeBox schema and a spec schema to one canonical JSON Schema so they compare with deep equality:
 * references resolved, annotations dropped, `required`/`enum`/`type` lists sorted, unions of plain types
 * written as a type list, unions of literals as an enum, and an absent `additionalProperties` made explicit.
 */
export function normalizeSchema (input: unknown, options: { headers?: boolean } = {}): unknown {
  if (input === null || input === undefined) return input
  if (Array.isArray(input)) return input.map((item) => normalizeSchema(item, options))
  if (typeof input !== 'object') return input
  const schema = resolveRef(JSON.parse(JSON.stringify(input)) as Json)
  const out: Json = {}
  for (const [key, value] of Object.entries(schema)) {
    if (ANNOTATIONS.has(key)) continue
    if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(value as Json).map(([name, property]) => [options.headers === true ? name.toLowerCase() : name, normalizeSchema(property)]))
    } else if (key === 'required' || key === 'enum') {
      out[key] = [...(value as unknown[])].map((item) => (options.headers === true && key === 'required' ? String(item).toLowerCase() : item)).sort()
    } else if (key === 'type' && Array.isArray(value)) {
      out.type = [...value].sort()
    } else {
      out[key] = normalizeSchema(value)
    }
  }
  if (Array.isArray(out.anyOf)) {
    const members = out.anyOf as Json[]
    if (members.every((member) => Object.keys(member).length === 1 && typeof member.type === 'string')) {
      delete out.anyOf
      out.type = members.map((member) => member.type as string).sort()
    } else if (members.every((member) => 'const' in member && Object.keys(member).every((k) => k === 'const' || k === 'type'))) {
      const types = [...new Set(members.map((member) => member.type as string))]
      delete out.anyOf
      if (types.length === 1) out.type = types[0]
      out.enum = members.map((member) => member.const).sort()
    }
  }
  if (out.type === 'object' && out.additionalProperties === undefined) out.additionalProperties = true
  if (out.type === 'object' && out.properties === undefined) out.properties = {}
  if (out.type === 'object' && out.required === undefined) out.required = []
  return out
}

/**
 * The spec's parameters of one location as the object schema Fastify validates. Query parameters are
 * closed (unknown ones are rejected); path and header parameters are not.
 */
export function parametersToSchema (parameters: Json[], location: 'path' | 'query' | 'header'): unknown {
  const selected = parameters.filter((parameter) => parameter.in === location)
  if (selected.length === 0 && location !== 'query') return undefined
  const name = (parameter: Json): string => location === 'header' ? String(parameter.name).toLowerCase() : String(parameter.name)
  return normalizeSchema({
    type: 'object',
    properties: Object.fromEntries(selected.map((parameter) => [name(parameter), parameter.schema])),
    required: selected.filter((parameter) => parameter.required === true).map(name),
    additionalProperties: location !== 'query'
  }, { headers: location === 'header' })
}
