import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import validationPlugin, { EMAIL } from '../../plugins/validation.js'
import problemPlugin from '../../plugins/problem.js'

/** Routes with a number in every part of the request, as any future route may have. */
async function bareApp (t: Test): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(problemPlugin)
  await app.register(validationPlugin)
  const Bounded = Type.Integer({ minimum: 1, maximum: 100 })
  app.post('/items/:position', {
    schema: {
      params: Type.Object({ position: Bounded }),
      querystring: Type.Object({ limit: Type.Optional(Bounded), price: Type.Optional(Type.Number()), ids: Type.Optional(Type.Array(Bounded)) }, { additionalProperties: false }),
      headers: Type.Object({ 'x-page': Type.Optional(Bounded) }),
      body: Type.Object({ quantity: Type.Optional(Type.Number()), nested: Type.Optional(Type.Object({ weight: Type.Number() })) })
    }
  }, async (request) => ({ params: request.params, query: request.query, page: request.headers['x-page'] ?? null, body: request.body }))
  t.teardown(async () => { await app.close() })
  await app.ready()
  return app
}

t.test('numbers in query, path and headers must be finite decimals within bounds, or 400', async (t) => {
  const app = await bareApp(t)
  const call = async (path: string, headers: Record<string, string> = {}, body: string = '{}') =>
    await app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json', ...headers }, payload: body })

  const valid = await call('/items/3?limit=20&price=19.5&ids=1&ids=2', { 'x-page': '7' })
  t.equal(valid.statusCode, 200)
  t.same(valid.json(), { params: { position: 3 }, query: { limit: 20, price: 19.5, ids: [1, 2] }, page: 7, body: {} }, 'plain numbers pass, coerced')
  t.same((await call('/items/3?price=-1.25e2')).json().query, { price: -125 }, 'exponents and signs are decimal too')

  const refused: Array<[string, string, Record<string, string>?]> = [
    ['/items/3?limit=Infinity', '/query/limit'],
    ['/items/3?limit=-Infinity', '/query/limit'],
    ['/items/3?limit=1e309', '/query/limit'],
    ['/items/3?price=Infinity', '/query/price'],
    ['/items/3?price=-1e309', '/query/price'],
    ['/items/3?limit=0x10', '/query/limit'],
    ['/items/3?limit=%205', '/query/limit'],
    ['/items/3?ids=1&ids=Infinity', '/query/ids/1'],
    ['/items/3?ids=Infinity', '/query/ids/0'],
    ['/items/Infinity', '/params/position'],
    ['/items/1e309', '/params/position'],
    ['/items/3', '/headers/x-page', { 'x-page': 'Infinity' }],
    ['/items/3', '/headers/x-page', { 'x-page': '1e999' }],
    ['/items/3?limit=101', '/query/limit'],
    ['/items/3?limit=NaN', '/query/limit']
  ]
  for (const [path, pointer, headers] of refused) {
    const response = await call(path, headers)
    t.equal(response.statusCode, 400, `${path} ${JSON.stringify(headers ?? {})}`)
    t.equal(response.json().code, 'VALIDATION_FAILED')
    t.equal(response.json().errors?.[0]?.pointer, pointer, `points at ${pointer}`)
  }
})

t.test('numbers in JSON bodies must be finite (JSON.parse reads 1e309 as Infinity)', async (t) => {
  const app = await bareApp(t)
  const cases: Array<[string, string]> = [['{"quantity": 1e309}', '/body/quantity'], ['{"quantity": -1e400}', '/body/quantity'], ['{"nested": {"weight": 1e309}}', '/body/nested/weight']]
  for (const [body, pointer] of cases) {
    const response = await app.inject({ method: 'POST', url: '/items/1', headers: { 'content-type': 'application/json' }, payload: body })
    t.equal(response.statusCode, 400, body)
    t.same(response.json().errors, [{ pointer, detail: 'must be number' }])
  }
  const fine = await app.inject({ method: 'POST', url: '/items/1', headers: { 'content-type': 'application/json' }, payload: '{"quantity": 1e300}' })
  t.equal(fine.statusCode, 200, 'a large but finite number is a number')
})

t.test('the email format is exactly one address', async (t) => {
  const accepted = ['a@b.co', '  Ada@Example.COM ', "o'hara+tag@sub.example.co.uk", 'müller@bücher.de', 'a@xn--p1ai.xn--p1ai', `${'a'.repeat(64)}@example.com`]
  const refused = ['x,second@probe.test', 'a@b.co, c@d.ef', 'a;b@c.de', 'Name <a@b.co>', '<a@b.co>', '"q"@b.co', '(c)a@b.co', 'a b@c.de',
    'a@b.co\nBcc: c@d.ef', 'a@b', '.a@b.co', 'a.@b.co', 'a..b@c.de', 'a@-b.co', 'a@b-.co', 'a@b..co', `${'a'.repeat(65)}@example.com`, 'a@b@c.de', 'group:a@b.co;']
  for (const email of accepted) t.ok(EMAIL.test(email), `${JSON.stringify(email)} is one address`)
  for (const email of refused) t.notOk(EMAIL.test(email), `${JSON.stringify(email)} is refused`)
})
