import t from 'tap'
import { build } from '../helpers/build.js'
import { bearer, post, type Tokens } from '../helpers/identity.js'
import { DEMO_CUSTOMER, seedDemoData } from '../../modules/demo/demo.service.js'

t.test('demo data: a customer to sign in as, with an address book, loaded once', async (t) => {
  const app = await build(t)
  t.equal(await seedDemoData(app.orm.em.fork()), true)
  t.equal(await seedDemoData(app.orm.em.fork()), false, 'a second start changes nothing')

  const signIn = await post(app, '/api/v1/auth/signin', { email: DEMO_CUSTOMER.email, password: DEMO_CUSTOMER.password })
  t.equal(signIn.statusCode, 200)
  const addresses = await app.inject({ method: 'GET', url: '/api/v1/me/addresses', headers: bearer(signIn.json<Tokens>()) })
  t.same(addresses.json().items.map((address: { label: string }) => address.label), ['Home', 'Office'])

  const bootstrap = await post(app, '/api/v1/admin/staff', { email: 'owner@example.com', name: 'Owner', role: 'ADMIN', password: 'violet tangerine 42' })
  t.equal(bootstrap.statusCode, 201, 'no staff is seeded: the first-admin bootstrap stays open')
})
