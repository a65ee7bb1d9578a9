import t from 'tap'
import { build } from '../helpers/build.js'
import { injectClient } from '../helpers/client.js'
import { bearer, PASSWORD } from '../helpers/identity.js'
import { DEMO_CUSTOMER, seedDemoData } from '../../modules/demo/demo.service.js'

t.test('demo data: a customer to sign in as, with an address book and shipping methods to check out with, loaded once', async (t) => {
  const app = await build(t)
  const api = injectClient(app)
  t.equal(await seedDemoData(app.orm.em.fork()), true)
  t.equal(await seedDemoData(app.orm.em.fork()), false, 'a second start changes nothing')

  const signIn = await api.POST('/api/v1/auth/signin', { body: { email: DEMO_CUSTOMER.email, password: DEMO_CUSTOMER.password } })
  t.equal(signIn.response.status, 200)
  const addresses = await api.GET('/api/v1/me/addresses', { headers: bearer(signIn.data!) })
  t.same(addresses.data?.items.map((address) => address.label), ['Home', 'Office'])

  for (const address of addresses.data?.items ?? []) {
    const methods = await api.GET('/api/v1/cart/shipping-methods', { headers: bearer(signIn.data!), params: { query: { addressId: address.id } } })
    t.same(methods.data?.items.map((method) => method.name), address.country === 'US' ? ['Standard delivery', 'Express'] : ['Standard delivery'], `shipping to the ${address.label ?? ''} address`)
  }

  const cart = await api.POST('/api/v1/cart/discount', { headers: bearer(signIn.data!), body: { code: 'welcome10' } })
  t.match(cart.data?.discount, { code: 'WELCOME10', applies: false, reason: 'NOTHING_ELIGIBLE' }, 'a demo code to try (on an empty cart, it has nothing to take off yet)')
  const freeShipping = await api.POST('/api/v1/cart/discount', { headers: bearer(signIn.data!), body: { code: 'FreeShip' } })
  t.match(freeShipping.data?.discount, { code: 'FREESHIP', applies: false, reason: 'MINIMUM_NOT_REACHED' })

  const bootstrap = await api.POST('/api/v1/admin/staff', { body: { email: 'owner@example.com', name: 'Owner', role: 'ADMIN', password: PASSWORD } })
  t.equal(bootstrap.response.status, 201, 'no staff is seeded: the first-admin bootstrap stays open')
})
