import t from 'tap'
import { buildShop, createCustomer } from '../helpers/shop.js'
import { problem, PROBLEM_JSON } from '../helpers/problems.js'

t.test('one client IP may start GUEST_CARTS_PER_IP_PER_HOUR guest carts an hour: with 3, the fourth is a 429 and makes nothing', async (t) => {
  const harness = await buildShop(t, { GUEST_CARTS_PER_IP_PER_HOUR: '3' })
  const { app } = harness
  const start = async (remoteAddress: string) => await app.inject({ method: 'POST', url: '/api/v1/cart', remoteAddress })
  const carts = async (): Promise<number> => Number((await app.orm.em.fork().execute<Array<{ count: string }>>('select count(*) from carts where customer_id is null'))[0]?.count)

  for (let index = 0; index < 3; index++) t.equal((await start('203.0.113.7')).statusCode, 201, `cart ${index + 1} of 3`)
  const fourth = await start('203.0.113.7')
  t.equal(fourth.statusCode, 429, 'the fourth is refused')
  t.equal(fourth.headers['content-type'], PROBLEM_JSON)
  const retryAfter = Number(fourth.headers['retry-after'])
  t.ok(retryAfter > 3500 && retryAfter <= 3600, `Retry-After names the rest of the hour (${retryAfter} s)`)
  t.same(fourth.json(), problem(429, 'RATE_LIMITED', `Too many attempts. Try again in ${retryAfter} seconds.`, '/api/v1/cart'))
  t.equal(await carts(), 3, 'the refused request made no cart')

  t.equal((await start('198.51.100.20')).statusCode, 201, 'another address has its own allowance')
  const customer = await createCustomer(harness)
  const own = await harness.api.GET('/api/v1/cart', { headers: customer.headers })
  t.equal(own.response.status, 200, "a signed-in customer's cart is not a guest cart and is not limited")
  t.equal(await carts(), 4)
})
