import t from 'tap'
import { bearer, buildWithMail, signUpVerified } from '../helpers/identity.js'
import { problem } from '../helpers/problems.js'

const HOME = { fullName: 'Ada Lovelace', line1: '12 St James\'s Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' }
const STALE = 'The resource has changed since the version named in If-Match; fetch it again and reapply the change.'

t.test('an address carries its version as an ETag, and a stale If-Match changes nothing', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const customer = await signUpVerified(harness)
  const headers = bearer(customer)

  const created = await api.POST('/api/v1/me/addresses', { headers, body: HOME })
  t.equal(created.response.status, 201)
  const id = created.data!.id
  t.equal(created.response.headers.get('location'), `/api/v1/me/addresses/${id}`, 'Location names the new address')
  const firstTag = created.response.headers.get('etag')
  t.match(firstTag, /^"\d+"$/, 'a strong entity tag')
  const read = await api.GET('/api/v1/me/addresses/{id}', { headers, params: { path: { id } } })
  t.equal(read.response.headers.get('etag'), firstTag, 'reading it gives the same tag')

  const changed = await api.PATCH('/api/v1/me/addresses/{id}', { headers: { ...headers, 'if-match': firstTag! }, params: { path: { id } }, body: { city: 'Bath' } })
  t.equal(changed.response.status, 200, 'a change based on the current version goes through')
  const secondTag = changed.response.headers.get('etag')
  t.not(secondTag, firstTag, 'and moves the tag')

  const stale = await api.PATCH('/api/v1/me/addresses/{id}', { headers: { ...headers, 'if-match': firstTag! }, params: { path: { id } }, body: { city: 'York' } })
  t.equal(stale.response.status, 412)
  t.same(stale.error, problem(412, 'PRECONDITION_FAILED', STALE, `/api/v1/me/addresses/${id}`))
  const staleDelete = await api.DELETE('/api/v1/me/addresses/{id}', { headers: { ...headers, 'if-match': firstTag! }, params: { path: { id } } })
  t.equal(staleDelete.response.status, 412, 'nor deleted from a stale version')
  const after = await api.GET('/api/v1/me/addresses/{id}', { headers, params: { path: { id } } })
  t.equal(after.data?.city, 'Bath', 'the stale requests changed nothing')
  t.equal(after.response.headers.get('etag'), secondTag)

  const weak = await api.PATCH('/api/v1/me/addresses/{id}', { headers: { ...headers, 'if-match': `W/${secondTag!}` }, params: { path: { id } }, body: { city: 'York' } })
  t.equal(weak.response.status, 412, 'a weak tag never matches')
  const anyVersion = await api.PATCH('/api/v1/me/addresses/{id}', { headers: { ...headers, 'if-match': '*' }, params: { path: { id } }, body: { city: 'York' } })
  t.equal(anyVersion.response.status, 200, '* matches whatever version exists')
  const unconditional = await api.PATCH('/api/v1/me/addresses/{id}', { headers, params: { path: { id } }, body: { city: 'Leeds' } })
  t.equal(unconditional.response.status, 200, 'without If-Match the change is unconditional')
  const deleted = await api.DELETE('/api/v1/me/addresses/{id}', { headers: { ...headers, 'if-match': unconditional.response.headers.get('etag')! }, params: { path: { id } } })
  t.equal(deleted.response.status, 204)
})

t.test('two edits based on one version: exactly one wins, the other is a 412', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const customer = await signUpVerified(harness)
  const headers = bearer(customer)
  const created = await api.POST('/api/v1/me/addresses', { headers, body: HOME })
  const id = created.data!.id
  const tag = created.response.headers.get('etag')!
  const edits = await Promise.all(['Bath', 'York', 'Leeds', 'Hull'].map(async (city) =>
    await api.PATCH('/api/v1/me/addresses/{id}', { headers: { ...headers, 'if-match': tag }, params: { path: { id } }, body: { city } })))
  const statuses = edits.map((edit) => edit.response.status).sort()
  t.same(statuses, [200, 412, 412, 412])
  const winner = edits.find((edit) => edit.response.status === 200)
  const final = await api.GET('/api/v1/me/addresses/{id}', { headers, params: { path: { id } } })
  t.equal(final.data?.city, winner?.data?.city, 'the winner\'s change is the one kept')
})
