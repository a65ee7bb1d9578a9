import fp from 'fastify-plugin'
import type { FastifyError } from 'fastify'
import {
  DeadlockException,
  ForeignKeyConstraintViolationException,
  NotFoundError,
  OptimisticLockError,
  UniqueConstraintViolationException
} from '@mikro-orm/core'
import type { Problem, ProblemFieldError } from '../openapi/shared.schemas.js'

/**
 * A failure the client can act on. Domain errors extend this with their own status and code;
 * the error handler turns any of them into an RFC 9457 problem.
 */
/** A problem's own members (RFC 9457 and our `code`): an extension of the same name would overwrite them. */
type ReservedMembers = { [member in 'type' | 'title' | 'status' | 'detail' | 'instance' | 'code']?: never }
export type ProblemExtensions = Record<string, unknown> & ReservedMembers

export class ProblemError extends Error {
  readonly status: number
  readonly code: string
  readonly title: string
  readonly headers: Record<string, string>
  readonly extensions: ProblemExtensions

  constructor (status: number, code: string, detail: string, options: {
    title?: string
    headers?: Record<string, string>
    extensions?: ProblemExtensions
  } = {}) {
    super(detail)
    this.name = 'ProblemError'
    this.status = status
    this.code = code
    this.title = options.title ?? STATUS_TITLES[status] ?? 'Error'
    this.headers = options.headers ?? {}
    this.extensions = options.extensions ?? {}
  }
}

/**
 * A body with thousands of bad fields must not earn an answer thousands of times larger: the problem lists
 * at most this many, its detail names fewer still, and `errorCount` says how many there were.
 */
export const MAX_LISTED_FIELD_ERRORS = 20
const MAX_FIELD_ERRORS_IN_DETAIL = 3

function validationProblem (errors: ProblemFieldError[], total: number, instance: string): Problem {
  const named = errors.slice(0, MAX_FIELD_ERRORS_IN_DETAIL).map((error) => `${error.pointer} ${error.detail}`).join('; ')
  const more = total - Math.min(total, MAX_FIELD_ERRORS_IN_DETAIL)
  const detail = more === 0 ? `The request is invalid: ${named}.` : `The request is invalid: ${named}; and ${more} more (${total} in all).`
  return {
    ...buildProblem(400, 'VALIDATION_FAILED', detail, instance, 'Validation Failed'),
    errors,
    ...(total > errors.length ? { errorCount: total } : {})
  }
}

/** A field the schema accepts but a business rule refuses, reported like any schema validation failure. */
export function invalidField (pointer: string, detail: string): ProblemError {
  return new ProblemError(400, 'VALIDATION_FAILED', `The request is invalid: ${pointer} ${detail}.`, {
    title: 'Validation Failed',
    extensions: { errors: [{ pointer, detail }] }
  })
}

/** The RFC 9110 reason phrase of each status a problem may have, its default title. */
export const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable'
}

/** Machine codes for failures raised by Fastify itself rather than by our domain. */
const FRAMEWORK_CODES: Record<string, { code: string, detail: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'The request body must be sent as application/json.' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', detail: 'The request body is larger than the server accepts.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'MALFORMED_REQUEST', detail: 'The Content-Length header does not match the body.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'MALFORMED_JSON', detail: 'The request declares a JSON body but sends none.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'MALFORMED_JSON', detail: 'The request body is not valid JSON.' }
}

const STATUS_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED'
}

const CONSTRAINT_PROBLEMS = new Map<string, () => ProblemError>()

/**
 * Names the problem a unique or foreign-key constraint's violation means: for the race a service's own
 * check cannot close (two requests claiming one slug at once), and for references another module guards
 * (orders keep their products). The request then gets the same problem as if a check had caught it.
 * Modules register their constraints when their errors module loads.
 */
export function problemForConstraint (constraint: string, problem: () => ProblemError): void {
  CONSTRAINT_PROBLEMS.set(constraint, problem)
}

export interface ProblemReply {
  problem: Problem
  headers: Record<string, string>
}

export function problemType (code: string): string {
  return `urn:commerce-api:problem:${code.toLowerCase().replaceAll('_', '-')}`
}

function buildProblem (status: number, code: string, detail: string, instance: string, title?: string): Problem {
  return { type: problemType(code), title: title ?? STATUS_TITLES[status] ?? 'Error', status, detail, instance, code }
}

/**
 * Maps any thrown value to the problem the client receives. Pure: no logging, no Fastify.
 * Unknown errors become a 500 that reveals nothing about the failure.
 */
/** A request URL as problems and logs show it: credentials in the query string (an event stream's `ticket`) masked. */
export function redactedUrl (url: string): string {
  return url.replace(/([?&]ticket=)[^&#]*/g, '$1[redacted]')
}

export function toProblem (error: unknown, instance: string): ProblemReply {
  if (error instanceof ProblemError) {
    const problem = { ...buildProblem(error.status, error.code, error.message, instance, error.title), ...error.extensions }
    return { problem, headers: error.headers }
  }
  if (error instanceof NotFoundError) {
    return { problem: buildProblem(404, 'NOT_FOUND', 'The requested resource does not exist.', instance), headers: {} }
  }
  // A version that moved between read and write, or a lost race: 409. A stale If-Match is a 412, raised
  // before any write by plugins/resource-headers.ts.
  if (error instanceof OptimisticLockError || error instanceof DeadlockException) {
    return { problem: buildProblem(409, 'CONCURRENT_MODIFICATION', 'The resource was changed by another request; reload it and try again.', instance), headers: {} }
  }
  if (error instanceof UniqueConstraintViolationException) {
    const named = CONSTRAINT_PROBLEMS.get((error as { constraint?: string }).constraint ?? '')
    if (named !== undefined) return toProblem(named(), instance)
    return { problem: buildProblem(409, 'ALREADY_EXISTS', 'A resource with the same unique value already exists.', instance), headers: {} }
  }
  if (error instanceof ForeignKeyConstraintViolationException) {
    const named = CONSTRAINT_PROBLEMS.get((error as { constraint?: string }).constraint ?? '')
    if (named !== undefined) return toProblem(named(), instance)
    return { problem: buildProblem(409, 'REFERENCE_CONFLICT', 'The resource is referenced by, or refers to, a resource that does not allow this change.', instance), headers: {} }
  }

  const fastifyError = error as Partial<FastifyError> | null
  if (fastifyError?.validation !== undefined) {
    const issues = fastifyError.validation
    const errors = issues.slice(0, MAX_LISTED_FIELD_ERRORS).map((issue): ProblemFieldError => ({
      pointer: fieldPointer(fastifyError.validationContext ?? 'body', issue.instancePath, issue.params),
      detail: issue.message ?? 'is invalid'
    }))
    return { problem: validationProblem(errors, issues.length, instance), headers: {} }
  }
  const status = fastifyError?.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const known = FRAMEWORK_CODES[fastifyError?.code ?? '']
    const code = known?.code ?? STATUS_CODES[status] ?? 'BAD_REQUEST'
    return { problem: buildProblem(status, code, known?.detail ?? fastifyError?.message ?? 'The request could not be processed.', instance), headers: {} }
  }
  return {
    problem: buildProblem(500, 'INTERNAL_ERROR', 'An unexpected error occurred. Quote the request id when reporting it.', instance),
    headers: {}
  }
}

/** A JSON pointer into the request: `/body/address/country`, `/query/limit`, `/params/id`. */
function fieldPointer (context: string, instancePath: string, params: Record<string, unknown>): string {
  const part = context === 'querystring' ? 'query' : context
  let path = instancePath
  if (typeof params.missingProperty === 'string') path += `/${params.missingProperty}`
  if (typeof params.additionalProperty === 'string') path += `/${params.additionalProperty}`
  return `/${part}${path}`
}

/** Turns every error and every unknown route into application/problem+json. */
export default fp(async (app) => {
  app.setErrorHandler((error, request, reply) => {
    const { problem, headers } = toProblem(error, redactedUrl(request.url))
    if (problem.status >= 500) {
      request.log.error({ err: error }, 'request failed unexpectedly')
    } else {
      request.log.info({ code: problem.code, status: problem.status }, problem.detail)
    }
    return reply.code(problem.status).headers(headers).type('application/problem+json').send(problem)
  })

  app.setNotFoundHandler((request, reply) => {
    const problem = buildProblem(404, 'ROUTE_NOT_FOUND', `There is no route ${request.method} ${request.url.split('?')[0]}.`, redactedUrl(request.url))
    return reply.code(404).type('application/problem+json').send(problem)
  })
}, { name: 'problem' })
