import t from 'tap'
import { bearer, buildWithMail, nextCode, signUpVerified, uniqueEmail, PASSWORD } from '../helpers/identity.js'
import { purgeDeadCredentials } from '../../modules/auth/credentials-cleanup.js'

t.test('the cleanup job deletes long-dead codes and sessions and keeps live ones', async (t) => {
  const harness = await buildWithMail(t)
  const { app, api } = harness
  const live = await signUpVerified(harness)
  await signUpVerified(harness)
  const pending = uniqueEmail()
  await api.POST('/api/v1/auth/signup', { body: { email: pending, password: PASSWORD, name: 'Pending' } })
  await nextCode(harness, pending)
  const em = app.orm.em.fork()
  // Age everything but the first customer's session by two months.
  await em.execute("update one_time_codes set expires_at = now() - interval '60 days'")
  await em.execute("update sessions set expires_at = now() - interval '60 days' where id <> ?", [live.refreshToken.split('.')[0]])

  t.ok(await app.runJobOnce({ name: 'purge-dead-credentials', everyMs: 1, run: async (tx) => { t.same(await purgeDeadCredentials(tx), { codes: 3, sessions: 1 }) } }), 'the job ran under its lock')
  const [codes] = await em.execute<Array<{ count: string }>>('select count(*) from one_time_codes')
  const [sessions] = await em.execute<Array<{ count: string }>>('select count(*) from sessions')
  t.equal(Number(codes?.count), 0)
  t.equal(Number(sessions?.count), 1)
  t.equal((await api.GET('/api/v1/me', { headers: bearer(live) })).response.status, 200, 'the live session still works')
})
