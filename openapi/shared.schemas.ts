import { Type, type Static, type TSchema } from '@sinclair/typebox'

/**
 * TypeBox mirrors of the spec's shared components (openapi/components/shared.yaml): the contract primitives
 * that plugins and modules both use. Feature schemas live in their modules.
 */

export const IdSchema = Type.String({ format: 'uuid' })
export type Id = Static<typeof IdSchema>

export const TimestampSchema = Type.String({ format: 'date-time' })

export const SlugSchema = Type.String({ minLength: 1, maxLength: 120, pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' })

/** A UUID in its canonical hyphenated form: what the `uuid` format means here, and what PostgreSQL accepts. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Whether a string is a UUID PostgreSQL will accept, for ids that arrive inside opaque tokens. */
export function isUuid (value: string): boolean {
  return UUID.test(value)
}

export const IdParamsSchema = Type.Object({ id: IdSchema })

/** A resource named by its id or its slug (the spec's `IdOrSlugPath` parameter). */
export const IdOrSlugParamsSchema = Type.Object({ idOrSlug: Type.String({ minLength: 1, maxLength: 120 }) })

/** The `If-None-Match` request header of a cached read (the spec's `IfNoneMatch` parameter), and its 304. */
export const IfNoneMatchHeadersSchema = Type.Object({ 'if-none-match': Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })) })
export const NotModifiedSchema = Type.Null()

/** The `If-Match` request header of an edit to a versioned resource (the spec's `IfMatch` parameter). */
export const IfMatchHeadersSchema = Type.Object({ 'if-match': Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })) })

/** A value that may also be null (`anyOf: [schema, { type: 'null' }]` in the spec). */
export function Nullable<T extends TSchema> (schema: T) {
  return Type.Union([schema, Type.Null()])
}

/** A string from a fixed list, as one `enum` (so a bad value gets one error that names the choices). */
export function StringEnum<const T extends readonly string[]> (values: T) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: values })
}

export const CurrencySchema = Type.String({ pattern: '^[A-Z]{3}$' })

export const MoneySchema = Type.Object({
  amount: Type.Integer(),
  currency: CurrencySchema
}, { additionalProperties: false })
export type Money = Static<typeof MoneySchema>

/** Exactly one address: what the `email` format means here (plugins/validation.ts). */
export const EmailSchema = Type.String({ maxLength: 254, format: 'email' })
/** A password being chosen; the common-password check comes on top. */
export const NewPasswordSchema = Type.String({ minLength: 10, maxLength: 128 })
export const PersonNameSchema = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' })
export const PhoneSchema = Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$' })
export const CountryCodeSchema = Type.String({ pattern: '^[A-Z]{2}$' })

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

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

/** Problem response schemas for the given statuses, for a route's `response` map. */
export function problemResponses<const S extends readonly number[]> (...statuses: S): { [K in S[number]]: typeof ProblemSchema } {
  return Object.fromEntries(statuses.map((status) => [status, ProblemSchema])) as { [K in S[number]]: typeof ProblemSchema }
}

/** `Idempotency-Key` (components/parameters/IdempotencyKey), on the unsafe operations that accept one. */
export const IdempotencyKeySchema = Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$' })
export const IdempotencyHeadersSchema = Type.Object({ 'idempotency-key': Type.Optional(IdempotencyKeySchema) })
