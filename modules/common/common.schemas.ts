import { Type, type Static, type TSchema } from '@sinclair/typebox'

/** Shared primitives, mirroring `components.schemas` of openapi/openapi.yaml. */

export const IdSchema = Type.String({ format: 'uuid' })
export type Id = Static<typeof IdSchema>

export const TimestampSchema = Type.String({ format: 'date-time' })

/** A UUID in its canonical hyphenated form: what the `uuid` format means here, and what PostgreSQL accepts. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Whether a string is a UUID PostgreSQL will accept, for ids that arrive inside opaque tokens. */
export function isUuid (value: string): boolean {
  return UUID.test(value)
}

export const IdParamsSchema = Type.Object({ id: IdSchema })

/** A value that may also be null (`anyOf: [schema, { type: 'null' }]` in the spec). */
export function Nullable<T extends TSchema> (schema: T) {
  return Type.Union([schema, Type.Null()])
}

export const CurrencySchema = Type.String({ pattern: '^[A-Z]{3}$' })

export const MoneySchema = Type.Object({
  amount: Type.Integer(),
  currency: CurrencySchema
}, { additionalProperties: false })
export type Money = Static<typeof MoneySchema>

export const ProblemFieldErrorSchema = Type.Object({
  pointer: Type.String(),
  detail: Type.String()
}, { additionalProperties: false })
export type ProblemFieldError = Static<typeof ProblemFieldErrorSchema>

export const ProblemSchema = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer({ minimum: 400, maximum: 599 }),
  detail: Type.String(),
  instance: Type.String(),
  code: Type.String({ pattern: '^[A-Z][A-Z0-9_]*$' }),
  errors: Type.Optional(Type.Array(ProblemFieldErrorSchema, { maxItems: 20 })),
  errorCount: Type.Optional(Type.Integer({ minimum: 21 }))
}, { additionalProperties: true })
export type Problem = Static<typeof ProblemSchema>

export const PageQuerySchema = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 }))
}, { additionalProperties: false })
export type PageQuery = Static<typeof PageQuerySchema>

/** The cursor page envelope every list returns: `{ items, nextCursor }`. */
export function PageSchema<T extends TSchema> (item: T) {
  return Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()])
  }, { additionalProperties: false })
}

/** Problem response schemas for the given statuses, for a route's `response` map. */
export function problemResponses<const S extends readonly number[]> (...statuses: S): { [K in S[number]]: typeof ProblemSchema } {
  return Object.fromEntries(statuses.map((status) => [status, ProblemSchema])) as { [K in S[number]]: typeof ProblemSchema }
}

/** Routes without query parameters still reject unknown ones. */
export const NoQuerySchema = Type.Object({}, { additionalProperties: false })
