import type { ProblemFieldError } from '../../openapi/shared.schemas.js'
import { STATUS_TITLES } from '../../plugins/problem.js'

/** What the API's answers look like, to compare them whole. */

export const JSON_TYPE = 'application/json; charset=utf-8'
export const PROBLEM_JSON = 'application/problem+json; charset=utf-8'
export const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
export const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** The whole problem the API answers with `code` at `instance` (the request's path and query). */
export function problem (status: number, code: string, detail: string, instance: string, title = STATUS_TITLES[status] ?? 'Error') {
  return { type: `urn:commerce-api:problem:${code.toLowerCase().replaceAll('_', '-')}`, title, status, detail, instance, code }
}

export function notFound (instance: string) {
  return problem(404, 'NOT_FOUND', 'The requested resource does not exist.', instance)
}

/** A validation problem listing `errors`: its detail names the first three and counts the rest. */
export function validationProblem (instance: string, errors: ProblemFieldError[]) {
  const named = errors.slice(0, 3).map((error) => `${error.pointer} ${error.detail}`).join('; ')
  const detail = errors.length > 3 ? `The request is invalid: ${named}; and ${errors.length - 3} more (${errors.length} in all).` : `The request is invalid: ${named}.`
  return { ...problem(400, 'VALIDATION_FAILED', detail, instance, 'Validation Failed'), errors }
}
