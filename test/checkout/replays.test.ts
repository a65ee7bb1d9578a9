import t from 'tap'
import { addToCart, buildShop, checkoutBody, createCustomer, idempotencyKey, secondInstance, sellable, stockOf } from '../helpers/shop.js'

t.test('one Idempotency-Key sent 30 times at once, to two instances: exactly one order; every answer is it, or "in progress"', async (t) => {
  const harness = await buildShop(t)
  const other = await secondInstance(t, harness)
  const customer = await createCustomer(harness)
  const kettle = await sellable(harness, 4200, 10, 'Copper Kettle')
  await addToCart(harness.api, customer.headers, kettle.variantId, 2)
  const body = await checkoutBody(harness, customer)
  const headers = { ...customer.headers, 'idempotency-key': idempotencyKey() }

  const answers = await Promise.all(Array.from({ length: 30 }, async (_, index) =>
    await (index % 2 === 0 ? harness.api : other.api).POST('/api/v1/checkout', { headers, body })))
  const created = answers.filter((answer) => answer.response.status === 201)
  const inProgress = answers.filter((answer) => answer.response.status === 409)
  t.equal(created.length + inProgress.length, 30, 'nothing but the order and "in progress"')
  t.ok(created.length >= 1)
  t.same(new Set(created.map((answer) => answer.data?.id)), new Set([created[0]?.data?.id]), 'every 201 is the same order')
  t.equal(created.filter((answer) => answer.response.headers.get('idempotent-replayed') === null).length, 1, 'one performed it, the rest replayed it')
  t.ok(inProgress.every((answer) => (answer.error as { code?: string }).code === 'IDEMPOTENCY_KEY_IN_USE' && answer.response.headers.get('retry-after') === '1'))

  const retried = await other.api.POST('/api/v1/checkout', { headers, body })
  t.equal(retried.response.status, 201, 'a retry after the first finished gets the order')
  t.equal(retried.data?.id, created[0]?.data?.id)
  t.equal(retried.response.headers.get('location'), `/api/v1/orders/${created[0]?.data?.id ?? ''}`, 'with its Location')
  const [orders] = await harness.app.orm.em.fork().execute<Array<{ count: string }>>('select count(*) as count from orders')
  t.equal(orders?.count, '1', 'one order')
  t.equal(await stockOf(harness, kettle.variantId), 8, 'its units taken once')

  const otherCustomer = await createCustomer(harness)
  await addToCart(harness.api, otherCustomer.headers, kettle.variantId, 1)
  const sameKey = await harness.api.POST('/api/v1/checkout', { headers: { ...otherCustomer.headers, 'idempotency-key': headers['idempotency-key'] }, body: await checkoutBody(harness, otherCustomer) })
  t.equal(sameKey.response.status, 201, "another customer's key of the same value is their own")
  t.not(sameKey.data?.id, created[0]?.data?.id)
})
