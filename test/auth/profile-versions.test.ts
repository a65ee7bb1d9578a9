import t from 'tap'
import { bearer, bootstrapAdmin, buildWithMail, signUpVerified, uniqueEmail } from '../helpers/identity.js'

t.test('the profile carries its version as an ETag; a stale If-Match is a 412 and changes nothing', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const customer = await signUpVerified(harness)
  const headers = bearer(customer)
  const me = await api.GET('/api/v1/me', { headers })
  const tag = me.response.headers.get('etag')!
  t.match(tag, /^"\d+"$/)
  const renamed = await api.PATCH('/api/v1/me', { headers: { ...headers, 'if-match': tag }, body: { name: 'Ada' } })
  t.equal(renamed.response.status, 200)
  t.not(renamed.response.headers.get('etag'), tag)
  const stale = await api.PATCH('/api/v1/me', { headers: { ...headers, 'if-match': tag }, body: { name: 'Grace' } })
  t.equal(stale.response.status, 412)
  t.equal(stale.error?.code, 'PRECONDITION_FAILED')
  t.equal((await api.GET('/api/v1/me', { headers })).data?.name, 'Ada')
})

t.test('a staff account carries its version; an admin editing from a stale copy gets a 412', async (t) => {
  const harness = await buildWithMail(t)
  const { api } = harness
  const admin = await bootstrapAdmin(harness)
  const headers = bearer(admin)
  const created = await api.POST('/api/v1/admin/staff', { headers, body: { email: uniqueEmail('moderator'), name: 'Mo', role: 'MODERATOR' } })
  t.equal(created.response.status, 201)
  const id = created.data!.id
  t.equal(created.response.headers.get('location'), `/api/v1/admin/staff/${id}`)
  const tag = created.response.headers.get('etag')!
  const first = await api.PATCH('/api/v1/admin/staff/{id}', { headers: { ...headers, 'if-match': tag }, params: { path: { id } }, body: { name: 'Morgan' } })
  t.equal(first.response.status, 200)
  const second = await api.PATCH('/api/v1/admin/staff/{id}', { headers: { ...headers, 'if-match': tag }, params: { path: { id } }, body: { status: 'DISABLED' } })
  t.equal(second.response.status, 412, 'the second admin saw an older version')
  const list = await api.GET('/api/v1/admin/staff', { headers })
  t.match(list.data?.items.find((staff) => staff.id === id), { name: 'Morgan', status: 'ACTIVE' }, 'the stale change was not applied')
})
