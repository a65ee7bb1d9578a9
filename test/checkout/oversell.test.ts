import t from 'tap'
import { addToCart, buildShop, checkoutBody, createCustomers, idempotencyKey, secondInstance, sellable, stockOf } from '../helpers/shop.js'

t.test('200 customers racing for 10 units on two instances: exactly 10 sold, the rest a clean 409, nothing half-written', async (t) => {
  const harness = await buildShop(t)
  const other = await secondInstance(t, harness)
  const lamp = await sellable(harness, 1200, 10, 'Brass Lamp')
  const customers = await createCustomers(harness, 200)
  for (const customer of customers) await addToCart(harness.api, customer.headers, lamp.variantId, 1)
  const body = await checkoutBody(harness, customers[0]!)

  const answers = await Promise.all(customers.map(async (customer, index) => {
    const api = index % 2 === 0 ? harness.api : other.api
    return await api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body })
  }))
  const statuses = answers.map((answer) => answer.response.status)
  t.equal(statuses.filter((status) => status === 201).length, 10, 'ten orders')
  t.equal(statuses.filter((status) => status === 409).length, 190, 'every other checkout a 409')
  t.same(new Set(answers.filter((answer) => answer.response.status === 409).map((answer) => (answer.error as { code?: string }).code)), new Set(['OUT_OF_STOCK']), 'each refusal says out of stock')
  t.ok(answers.every((answer) => answer.response.status === 201 || (answer.error as { variants?: unknown[] }).variants?.length === 1), 'each refusal names the variant')
  const byInstance = [0, 1].map((parity) => answers.filter((answer, index) => index % 2 === parity && answer.response.status === 201).length)
  t.ok(byInstance[0]! > 0 && byInstance[1]! > 0, `both instances sold (${byInstance.join(' + ')})`)

  t.equal(await stockOf(harness, lamp.variantId), 0, 'stock is exactly used up, never negative')
  const em = harness.app.orm.em.fork()
  const [orders] = await em.execute<Array<{ orders: string, items: string, units: string }>>('select count(distinct o.id) as orders, count(i.id) as items, coalesce(sum(i.quantity), 0) as units from orders o left join order_items i on i.order_id = o.id')
  t.same(orders, { orders: '10', items: '10', units: '10' }, 'ten orders, each with its one item: no orphan orders')
  const adjustments = await em.execute<Array<{ before: number, after: number }>>('select before, after from stock_adjustments where variant_id = ? and kind = \'CHECKOUT\' order by after desc', [lamp.variantId])
  t.same(adjustments.map((row) => [row.before, row.after]), [[10, 9], [9, 8], [8, 7], [7, 6], [6, 5], [5, 4], [4, 3], [3, 2], [2, 1], [1, 0]], 'every unit sold once, each sale recorded from the stock it found')
  const [carts] = await em.execute<Array<{ empty: string, full: string }>>('select count(*) filter (where n = 0) as empty, count(*) filter (where n = 1) as full from (select c.id, count(l.id) as n from carts c left join cart_lines l on l.cart_id = c.id group by c.id) x')
  t.same(carts, { empty: '10', full: '190' }, "the buyers' carts are empty, everyone else's untouched")
  const [sold] = await em.execute<Array<{ units_sold: number }>>('select units_sold from products where id = ?', [lamp.id])
  t.equal(sold?.units_sold, 10, 'the product counts ten sold')
})
