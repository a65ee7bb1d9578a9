import t, { type Test } from 'tap'
import Fastify, { errorCodes, type FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import {
  ForeignKeyConstraintViolationException,
  NotFoundError,
  OptimisticLockError,
  UniqueConstraintViolationException
} from '@mikro-orm/core'
import validationPlugin from '../../plugins/validation.js'
import problemPlugin, { MAX_LISTED_FIELD_ERRORS, ProblemError, problemType, toProblem } from '../../plugins/problem.js'

const PROBLEM_JSON = 'application/problem+json; charset=utf-8'
const INTERNAL_DETAIL = 'An unexpected error occurred. Quote the request id when reporting it.'

/** The shape Fastify gives a schema validation failure: Ajv's issues plus the part of the request. */
function validationError (context: string | undefined, validation: Array<{ instancePath: string, params: Record<string, unknown>, message?: string, keyword?: string }>): Error {
  return Object.assign(new Error('validation failed'), {
    statusCode: 400,
    code: 'FST_ERR_VALIDATION',
    validation: validation.map((issue) => ({ keyword: 'type', schemaPath: '#', ...issue })),
    ...(context === undefined ? {} : { validationContext: context })
  })
}

t.test('toProblem', async (t) => {
  t.test('a ProblemError keeps its status, code, detail, headers and extensions', async (t) => {
    const error = new ProblemError(429, 'RATE_LIMITED', 'Too many attempts. Try again in 60 seconds.', {
      headers: { 'retry-after': '60' },
      extensions: { retryAfter: 60 }
    })
    t.same(toProblem(error, '/api/v1/auth/signin'), {
      problem: {
        type: 'urn:commerce-api:problem:rate-limited',
        title: 'Too Many Requests',
        status: 429,
        detail: 'Too many attempts. Try again in 60 seconds.',
        instance: '/api/v1/auth/signin',
        code: 'RATE_LIMITED',
        retryAfter: 60
      },
      headers: { 'retry-after': '60' }
    })
  })

  t.test('a ProblemError with its own title, or a status without a known title', async (t) => {
    t.same(toProblem(new ProblemError(409, 'OUT_OF_STOCK', 'Only 2 left.', { title: 'Out of Stock' }), '/api/v1/checkout'), {
      problem: {
        type: 'urn:commerce-api:problem:out-of-stock',
        title: 'Out of Stock',
        status: 409,
        detail: 'Only 2 left.',
        instance: '/api/v1/checkout',
        code: 'OUT_OF_STOCK'
      },
      headers: {}
    })
    t.equal(toProblem(new ProblemError(418, 'TEAPOT', 'No coffee.'), '/').problem.title, 'Error')
    t.equal(problemType('INVALID_CREDENTIALS'), 'urn:commerce-api:problem:invalid-credentials')
  })

  t.test('MikroORM NotFoundError is a 404 that does not echo the query', async (t) => {
    const error = NotFoundError.findOneFailed('Product', { slug: 'secret-draft-product' })
    t.same(toProblem(error, '/api/v1/products/secret-draft-product'), {
      problem: {
        type: 'urn:commerce-api:problem:not-found',
        title: 'Not Found',
        status: 404,
        detail: 'The requested resource does not exist.',
        instance: '/api/v1/products/secret-draft-product',
        code: 'NOT_FOUND'
      },
      headers: {}
    })
  })

  t.test('MikroORM OptimisticLockError is a 409 CONCURRENT_MODIFICATION', async (t) => {
    t.same(toProblem(OptimisticLockError.lockFailed('Variant'), '/api/v1/admin/variants/1'), {
      problem: {
        type: 'urn:commerce-api:problem:concurrent-modification',
        title: 'Conflict',
        status: 409,
        detail: 'The resource was changed by another request; reload it and try again.',
        instance: '/api/v1/admin/variants/1',
        code: 'CONCURRENT_MODIFICATION'
      },
      headers: {}
    })
  })

  t.test('a unique violation is a 409 ALREADY_EXISTS that names no constraint', async (t) => {
    const driverError = Object.assign(new Error('duplicate key value violates unique constraint "customer_email_unique"'), { code: '23505' })
    const { problem, headers } = toProblem(new UniqueConstraintViolationException(driverError), '/api/v1/auth/signup')
    t.same(problem, {
      type: 'urn:commerce-api:problem:already-exists',
      title: 'Conflict',
      status: 409,
      detail: 'A resource with the same unique value already exists.',
      instance: '/api/v1/auth/signup',
      code: 'ALREADY_EXISTS'
    })
    t.same(headers, {})
    t.notMatch(JSON.stringify(problem), /customer_email_unique/)
  })

  t.test('a foreign-key violation is a 409 REFERENCE_CONFLICT', async (t) => {
    const driverError = Object.assign(new Error('update or delete on table "category" violates foreign key constraint "product_category_id_foreign"'), { code: '23503' })
    const { problem } = toProblem(new ForeignKeyConstraintViolationException(driverError), '/api/v1/admin/categories/7')
    t.same(problem, {
      type: 'urn:commerce-api:problem:reference-conflict',
      title: 'Conflict',
      status: 409,
      detail: 'The resource is referenced by, or refers to, a resource that does not allow this change.',
      instance: '/api/v1/admin/categories/7',
      code: 'REFERENCE_CONFLICT'
    })
    t.notMatch(JSON.stringify(problem), /product_category_id_foreign/)
  })

  t.test('a validation error lists one pointer per failing field', async (t) => {
    const error = validationError('body', [
      { instancePath: '', keyword: 'required', params: { missingProperty: 'email' }, message: "must have required property 'email'" },
      { instancePath: '', keyword: 'additionalProperties', params: { additionalProperty: 'isAdmin' }, message: 'must NOT have additional properties' },
      { instancePath: '/address/country', keyword: 'pattern', params: { pattern: '^[A-Z]{2}$' }, message: 'must match pattern "^[A-Z]{2}$"' },
      { instancePath: '/quantity', keyword: 'type', params: { type: 'integer' } }
    ])
    t.same(toProblem(error, '/api/v1/auth/signup'), {
      problem: {
        type: 'urn:commerce-api:problem:validation-failed',
        title: 'Validation Failed',
        status: 400,
        detail: "The request is invalid: /body/email must have required property 'email'; /body/isAdmin must NOT have additional properties; " +
          '/body/address/country must match pattern "^[A-Z]{2}$"; and 1 more (4 in all).',
        instance: '/api/v1/auth/signup',
        code: 'VALIDATION_FAILED',
        errors: [
          { pointer: '/body/email', detail: "must have required property 'email'" },
          { pointer: '/body/isAdmin', detail: 'must NOT have additional properties' },
          { pointer: '/body/address/country', detail: 'must match pattern "^[A-Z]{2}$"' },
          { pointer: '/body/quantity', detail: 'is invalid' }
        ]
      },
      headers: {}
    })
  })

  t.test('thousands of failing fields make a small problem: 20 listed, a short detail, the count', async (t) => {
    const issues = Array.from({ length: 90_000 }, (_, index) => ({ instancePath: '', keyword: 'additionalProperties', params: { additionalProperty: `k${index}` }, message: 'must NOT have additional properties' }))
    const { problem } = toProblem(validationError('body', issues), '/api/v1/auth/signin')
    t.equal(problem.errors?.length, MAX_LISTED_FIELD_ERRORS)
    t.same(problem.errors?.[19], { pointer: '/body/k19', detail: 'must NOT have additional properties' })
    t.equal(problem.errorCount, 90_000)
    t.equal(problem.detail, 'The request is invalid: /body/k0 must NOT have additional properties; /body/k1 must NOT have additional properties; ' +
      '/body/k2 must NOT have additional properties; and 89997 more (90000 in all).')
    t.ok(JSON.stringify(problem).length < 3000, 'the whole problem stays under 3 kB')
    const few = toProblem(validationError('body', issues.slice(0, 20)), '/x').problem
    t.notOk('errorCount' in few, 'no count when every failing field is listed')
  })

  t.test('validation pointers name the part of the request', async (t) => {
    const pointers = (context: string | undefined, instancePath: string, params: Record<string, unknown> = {}): string[] =>
      (toProblem(validationError(context, [{ instancePath, params, message: 'is wrong' }]), '/x').problem.errors ?? []).map((e) => e.pointer)
    t.same(pointers('querystring', '/limit'), ['/query/limit'])
    t.same(pointers('querystring', '', { additionalProperty: 'verbose' }), ['/query/verbose'])
    t.same(pointers('params', '/id'), ['/params/id'])
    t.same(pointers('headers', '', { missingProperty: 'idempotency-key' }), ['/headers/idempotency-key'])
    t.same(pointers(undefined, '/email'), ['/body/email'], 'no context means the body')
  })

  t.test('Fastify content-type parser errors get stable codes and our own wording', async (t) => {
    const cases = [
      [new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE('text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported Media Type', 'The request body must be sent as application/json.'],
      [new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), 413, 'PAYLOAD_TOO_LARGE', 'Content Too Large', 'The request body is larger than the server accepts.'],
      [new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH(), 400, 'MALFORMED_REQUEST', 'Bad Request', 'The Content-Length header does not match the body.'],
      [new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY(), 400, 'MALFORMED_JSON', 'Bad Request', 'The request declares a JSON body but sends none.'],
      [new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY(), 400, 'MALFORMED_JSON', 'Bad Request', 'The request body is not valid JSON.']
    ] as const
    for (const [error, status, code, title, detail] of cases) {
      t.same(toProblem(error, '/api/v1/cart'), {
        problem: { type: problemType(code), title, status, detail, instance: '/api/v1/cart', code },
        headers: {}
      }, error.code)
    }
  })

  t.test('another 4xx from the framework keeps its status and message', async (t) => {
    const error = Object.assign(new Error('Method Not Allowed'), { statusCode: 405 })
    t.same(toProblem(error, '/x').problem, {
      type: 'urn:commerce-api:problem:method-not-allowed',
      title: 'Method Not Allowed',
      status: 405,
      detail: 'Method Not Allowed',
      instance: '/x',
      code: 'METHOD_NOT_ALLOWED'
    })
    const unnamed = Object.assign(new Error('I am a teapot'), { statusCode: 418 })
    t.same(toProblem(unnamed, '/x').problem, {
      type: 'urn:commerce-api:problem:bad-request',
      title: 'Error',
      status: 418,
      detail: 'I am a teapot',
      instance: '/x',
      code: 'BAD_REQUEST'
    })
  })

  t.test('an unknown error is a 500 that reveals nothing', async (t) => {
    const expected = {
      problem: {
        type: 'urn:commerce-api:problem:internal-error',
        title: 'Internal Server Error',
        status: 500,
        detail: INTERNAL_DETAIL,
        instance: '/api/v1/orders',
        code: 'INTERNAL_ERROR'
      },
      headers: {}
    }
    const secret = new Error('connect ECONNREFUSED 10.0.0.5:5432 (user=shop password=hunter2)')
    const result = toProblem(secret, '/api/v1/orders')
    t.same(result, expected)
    t.notMatch(JSON.stringify(result), /ECONNREFUSED|hunter2|10\.0\.0\.5/)
    t.same(toProblem(Object.assign(new Error('upstream down'), { statusCode: 502 }), '/api/v1/orders'), expected, '5xx statuses are not passed through')
    t.same(toProblem('a thrown string', '/api/v1/orders'), expected)
    t.same(toProblem(null, '/api/v1/orders'), expected)
    t.same(toProblem(undefined, '/api/v1/orders'), expected)
  })
})

const SignupBodySchema = Type.Object({
  email: Type.String({ format: 'email' }),
  quantity: Type.Integer({ minimum: 1 }),
  address: Type.Optional(Type.Object({ country: Type.String({ pattern: '^[A-Z]{2}$' }) }, { additionalProperties: false }))
}, { additionalProperties: false })

const SECRET_FAILURE = 'connection to 10.1.2.3 refused for user shop_admin'

interface BareApp {
  app: FastifyInstance
  logLines: () => Array<Record<string, any>>
}

/** The problem plugin on a bare Fastify, with request validation as buildApp has it, and its log captured. */
async function bareApp (t: Test): Promise<BareApp> {
  const lines: string[] = []
  const app = Fastify({
    logger: { level: 'info', stream: { write: (line: string) => { lines.push(line) } } },
    requestIdHeader: 'x-request-id',
    bodyLimit: 1024
  })
  await app.register(problemPlugin)
  await app.register(validationPlugin)
  app.post('/signup', { schema: { body: SignupBodySchema } }, async () => ({ ok: true }))
  app.get('/explode', async () => { throw new Error(SECRET_FAILURE) })
  t.teardown(async () => { await app.close() })
  await app.ready()
  return { app, logLines: () => lines.map((line) => JSON.parse(line) as Record<string, any>) }
}

t.test('the plugin on a bare Fastify', async (t) => {
  const { app, logLines } = await bareApp(t)
  const post = async (payload: string, contentType = 'application/json') =>
    await app.inject({ method: 'POST', url: '/signup', headers: { 'content-type': contentType }, payload })

  t.test('a valid request passes through untouched', async (t) => {
    const response = await post(JSON.stringify({ email: 'ada@example.com', quantity: 2 }))
    t.equal(response.statusCode, 200)
    t.same(response.json(), { ok: true })
  })

  t.test('malformed JSON is a 400 MALFORMED_JSON', async (t) => {
    const response = await post('{"email": "ada@example.com",')
    t.equal(response.statusCode, 400)
    t.equal(response.headers['content-type'], PROBLEM_JSON)
    t.same(response.json(), {
      type: 'urn:commerce-api:problem:malformed-json',
      title: 'Bad Request',
      status: 400,
      detail: 'The request body is not valid JSON.',
      instance: '/signup',
      code: 'MALFORMED_JSON'
    })
  })

  t.test('a JSON content type with an empty body is a 400 MALFORMED_JSON', async (t) => {
    const response = await post('')
    t.equal(response.statusCode, 400)
    t.equal(response.headers['content-type'], PROBLEM_JSON)
    t.same(response.json(), {
      type: 'urn:commerce-api:problem:malformed-json',
      title: 'Bad Request',
      status: 400,
      detail: 'The request declares a JSON body but sends none.',
      instance: '/signup',
      code: 'MALFORMED_JSON'
    })
  })

  for (const contentType of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
    t.test(`a ${contentType} body is a 415 UNSUPPORTED_MEDIA_TYPE`, async (t) => {
      const response = await post('email=ada@example.com', contentType)
      t.equal(response.statusCode, 415)
      t.equal(response.headers['content-type'], PROBLEM_JSON)
      t.same(response.json(), {
        type: 'urn:commerce-api:problem:unsupported-media-type',
        title: 'Unsupported Media Type',
        status: 415,
        detail: 'The request body must be sent as application/json.',
        instance: '/signup',
        code: 'UNSUPPORTED_MEDIA_TYPE'
      })
    })
  }

  t.test('a body over the limit is a 413 PAYLOAD_TOO_LARGE', async (t) => {
    const response = await post(JSON.stringify({ email: `${'a'.repeat(2000)}@example.com`, quantity: 1 }))
    t.equal(response.statusCode, 413)
    t.equal(response.headers['content-type'], PROBLEM_JSON)
    t.same(response.json(), {
      type: 'urn:commerce-api:problem:payload-too-large',
      title: 'Content Too Large',
      status: 413,
      detail: 'The request body is larger than the server accepts.',
      instance: '/signup',
      code: 'PAYLOAD_TOO_LARGE'
    })
  })

  const validationCases = [
    ['a field of the wrong type', { email: 'ada@example.com', quantity: 'three' }, '/body/quantity', 'must be integer'],
    ['a field in the wrong format', { email: 'not-an-email', quantity: 1 }, '/body/email', 'must match format "email"'],
    ['a missing field', { quantity: 1 }, '/body/email', "must have required property 'email'"],
    ['an unknown property', { email: 'ada@example.com', quantity: 1, isAdmin: true }, '/body/isAdmin', 'must NOT have additional properties'],
    ['an unknown nested property', { email: 'ada@example.com', quantity: 1, address: { country: 'DE', planet: 'Earth' } }, '/body/address/planet', 'must NOT have additional properties'],
    ['a nested field failing its pattern', { email: 'ada@example.com', quantity: 1, address: { country: 'germany' } }, '/body/address/country', 'must match pattern "^[A-Z]{2}$"']
  ] as const
  for (const [name, body, pointer, detail] of validationCases) {
    t.test(`${name} is a 400 VALIDATION_FAILED pointing at it`, async (t) => {
      const response = await post(JSON.stringify(body))
      t.equal(response.statusCode, 400)
      t.equal(response.headers['content-type'], PROBLEM_JSON)
      t.same(response.json(), {
        type: 'urn:commerce-api:problem:validation-failed',
        title: 'Validation Failed',
        status: 400,
        detail: `The request is invalid: ${pointer} ${detail}.`,
        instance: '/signup',
        code: 'VALIDATION_FAILED',
        errors: [{ pointer, detail }]
      })
    })
  }

  t.test('an unexpected error is a 500 that hides the message, and the log has it with the request id', async (t) => {
    const response = await app.inject({ method: 'GET', url: '/explode', headers: { 'x-request-id': 'req-explode-1' } })
    t.equal(response.statusCode, 500)
    t.equal(response.headers['content-type'], PROBLEM_JSON)
    t.same(response.json(), {
      type: 'urn:commerce-api:problem:internal-error',
      title: 'Internal Server Error',
      status: 500,
      detail: INTERNAL_DETAIL,
      instance: '/explode',
      code: 'INTERNAL_ERROR'
    })
    t.notMatch(response.body, /10\.1\.2\.3|shop_admin|refused/)

    const failure = logLines().find((line) => line.msg === 'request failed unexpectedly')
    t.ok(failure, 'the failure is logged')
    t.equal(failure?.level, 50, 'at error level')
    t.equal(failure?.reqId, 'req-explode-1')
    t.equal(failure?.err?.message, SECRET_FAILURE)
    t.match(failure?.err?.stack, /Error: connection to 10\.1\.2\.3/)
  })

  t.test('client errors are logged at info with their code', async (t) => {
    await app.inject({ method: 'POST', url: '/signup', headers: { 'content-type': 'application/json', 'x-request-id': 'req-bad-json' }, payload: '{' })
    const line = logLines().find((entry) => entry.reqId === 'req-bad-json' && entry.code !== undefined)
    t.match(line, { level: 30, code: 'MALFORMED_JSON', status: 400, msg: 'The request body is not valid JSON.' })
  })

  t.test('an unknown route is a 404 ROUTE_NOT_FOUND', async (t) => {
    const response = await app.inject({ method: 'DELETE', url: '/api/v1/nothing-here?force=true' })
    t.equal(response.statusCode, 404)
    t.equal(response.headers['content-type'], PROBLEM_JSON)
    t.same(response.json(), {
      type: 'urn:commerce-api:problem:route-not-found',
      title: 'Not Found',
      status: 404,
      detail: 'There is no route DELETE /api/v1/nothing-here.',
      instance: '/api/v1/nothing-here?force=true',
      code: 'ROUTE_NOT_FOUND'
    })
  })
})
