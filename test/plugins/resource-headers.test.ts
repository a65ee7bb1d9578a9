import t from 'tap'
import Fastify from 'fastify'
import { assertIfMatch, entityTag, locationOf } from '../../plugins/resource-headers.js'
import { toProblem } from '../../plugins/problem.js'

t.test('If-Match: absent, the current tag, a list holding it, or * pass; anything else is a 412', async (t) => {
  t.equal(entityTag(3), '"3"')
  for (const ifMatch of [undefined, '"3"', '"1", "3"', ' "3" ', '*']) t.doesNotThrow(() => { assertIfMatch(ifMatch, 3) }, `${String(ifMatch)} matches version 3`)
  for (const ifMatch of ['"2"', 'W/"3"', '3', '"3', '', '"03"', '"2", W/"3"']) {
    let thrown: unknown
    try { assertIfMatch(ifMatch, 3) } catch (error) { thrown = error }
    t.match(toProblem(thrown, '/x').problem, { status: 412, code: 'PRECONDITION_FAILED' }, `${JSON.stringify(ifMatch)} does not match version 3`)
  }
})

t.test('Location is the route\'s own path with its parameters, then the new id', async (t) => {
  const app = Fastify()
  const seen: string[] = []
  await app.register(async (scope) => {
    scope.post('/things', async (request) => { seen.push(locationOf(request, 'abc')); return {} })
    scope.post('/things/:thingId/parts/', async (request) => { seen.push(locationOf(request, 'p 1')); return {} })
  }, { prefix: '/api/v1/admin' })
  await app.ready()
  await app.inject({ method: 'POST', url: '/api/v1/admin/things' })
  await app.inject({ method: 'POST', url: '/api/v1/admin/things/0193b1e4-7c1a-7d2e-9f3a-1b2c3d4e5f60/parts/' })
  t.same(seen, ['/api/v1/admin/things/abc', '/api/v1/admin/things/0193b1e4-7c1a-7d2e-9f3a-1b2c3d4e5f60/parts/p%201'])
  await app.close()
})
