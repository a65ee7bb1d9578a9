import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { usd } from '../helpers/catalog.js'
import { applyCode, createDiscount } from '../helpers/discounts.js'
import { moveOrder } from '../helpers/fulfilment.js'
import { buildPayments } from '../helpers/payments.js'
import { problem } from '../helpers/problems.js'
import {
  addToCart, buildShop, checkoutBody, createCustomer, createCustomers, idempotencyKey, secondInstance, sellable, stockOf,
  type Customer, type ShopHarness
} from '../helpers/shop.js'

async function counts (app: FastifyInstance, discountId: string): Promise<{ orders: number, redemptions: number, open: number, used: number }> {
  const [row] = await app.orm.em.fork().execute<Array<{ orders: string, redemptions: string, open: string, used: number }>>(
    `select (select count(*) from orders o join discounts d on d.code = o.discount_code where d.id = ?) as orders,
            (select count(*) from discount_redemptions where discount_id = ?) as redemptions,
            (select count(*) from discount_redemptions where discount_id = ? and released_at is null) as open,
            (select used_count from discounts where id = ?) as used`, [discountId, discountId, discountId, discountId])
  return { orders: Number(row?.orders), redemptions: Number(row?.redemptions), open: Number(row?.open), used: Number(row?.used) }
}

async function checkout (harness: ShopHarness, customer: Customer) {
  return await harness.api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body: await checkoutBody(harness, customer) })
}

t.test('the order records the code, each item\'s share and the lower total; the code counts the use', async (t) => {
  const harness = await buildShop(t)
  const { api } = harness
  const customer = await createCustomer(harness)
  const lamp = await sellable(harness, 3000, 10, 'Brass Lamp')
  const stool = await sellable(harness, 1000, 10, 'Walnut Stool')
  await addToCart(api, customer.headers, lamp.variantId)
  await addToCart(api, customer.headers, stool.variantId, 2)
  const discount = await createDiscount(harness, { kind: 'FIXED_AMOUNT', percentage: null, amount: usd(1001) })
  await applyCode(api, customer.headers, discount.code)

  const placed = await checkout(harness, customer)
  t.equal(placed.response.status, 201)
  const order = placed.data!
  t.match(order, { subtotal: usd(5000), discountTotal: usd(1001), shippingTotal: usd(499), total: usd(4498), discountCode: discount.code })
  t.same(order.items.map((item) => [item.productName, item.discount]), [['Brass Lamp', usd(601)], ['Walnut Stool', usd(400)]], '1001 split 600.6 and 400.4: the odd unit to the larger remainder')
  t.same(await counts(harness.app, discount.id), { orders: 1, redemptions: 1, open: 1, used: 1 })
  const admin = await api.GET('/api/v1/admin/discounts/{id}', { headers: harness.staff, params: { path: { id: discount.id } } })
  t.equal(admin.data?.usedCount, 1)
  const cart = (await api.GET('/api/v1/cart', { headers: customer.headers })).data
  t.equal(cart?.items.length, 0, 'the cart is emptied')
  t.equal(cart?.discount, null, 'and its code with them')
})

t.test('free shipping makes the order\'s shipping 0; a discount larger than the subtotal leaves only shipping', async (t) => {
  const harness = await buildShop(t)
  const { api } = harness
  const [first, second] = await createCustomers(harness, 2) as [Customer, Customer]
  const lamp = await sellable(harness, 3000, 10)
  const free = await createDiscount(harness, { kind: 'FREE_SHIPPING', percentage: null })
  await addToCart(api, first.headers, lamp.variantId)
  await applyCode(api, first.headers, free.code)
  const shippedFree = await checkout(harness, first)
  t.match(shippedFree.data, { subtotal: usd(3000), discountTotal: usd(0), shippingTotal: usd(0), total: usd(3000), discountCode: free.code })

  const everything = await createDiscount(harness, { kind: 'PERCENTAGE', percentage: 100 })
  await addToCart(api, second.headers, lamp.variantId, 2)
  await applyCode(api, second.headers, everything.code)
  const nearlyFree = await checkout(harness, second)
  t.match(nearlyFree.data, { subtotal: usd(6000), discountTotal: usd(6000), shippingTotal: usd(499), total: usd(499) }, 'the items are free, the shipping is charged: never below zero')
})

t.test('a code that no longer applies at checkout is a 409 that writes nothing', async (t) => {
  const harness = await buildShop(t)
  const { api, staff } = harness
  const customer = await createCustomer(harness)
  const lamp = await sellable(harness, 3000, 10)
  const discount = await createDiscount(harness, { percentage: 20, minimumSubtotal: usd(3000) })
  await addToCart(api, customer.headers, lamp.variantId)
  await applyCode(api, customer.headers, discount.code)
  const body = await checkoutBody(harness, customer)
  t.same(body.expectedTotal, usd(2400 + 499))

  const refusals: Array<[string, () => Promise<unknown>, string, string]> = [
    ['turned off', async () => await api.PATCH('/api/v1/admin/discounts/{id}', { headers: staff, params: { path: { id: discount.id } }, body: { active: false } }), 'INACTIVE', 'has been turned off'],
    ['expired', async () => await api.PATCH('/api/v1/admin/discounts/{id}', { headers: staff, params: { path: { id: discount.id } }, body: { active: true, endsAt: new Date(Date.now() - 1000).toISOString() } }), 'EXPIRED', 'has expired'],
    ['not started', async () => await api.PATCH('/api/v1/admin/discounts/{id}', { headers: staff, params: { path: { id: discount.id } }, body: { endsAt: null, startsAt: new Date(Date.now() + 86_400_000).toISOString() } }), 'NOT_STARTED', 'cannot be used yet'],
    ['below its new minimum', async () => await api.PATCH('/api/v1/admin/discounts/{id}', { headers: staff, params: { path: { id: discount.id } }, body: { startsAt: null, minimumSubtotal: usd(3001) } }), 'MINIMUM_NOT_REACHED', 'needs a higher subtotal'],
    ['used up', async () => await api.PATCH('/api/v1/admin/discounts/{id}', { headers: staff, params: { path: { id: discount.id } }, body: { minimumSubtotal: null, usageLimit: 1 } }).then(async () => await harness.app.orm.em.fork().execute('update discounts set used_count = 1 where id = ?', [discount.id])), 'USED_UP', 'has been used as many times as it may']
  ]
  for (const [name, change, reason, words] of refusals) {
    await change()
    const refused = await api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body })
    t.equal(refused.response.status, 409, name)
    const error = refused.error as unknown as { code: string, reason: string, detail: string, cart: { discount: { reason: string }, items: unknown[] } }
    t.equal(error.code, 'DISCOUNT_NOT_APPLICABLE', name)
    t.equal(error.reason, reason, name)
    t.equal(error.detail, `The code ${discount.code} ${words}: remove it (DELETE /api/v1/cart/discount) or change the cart, and check out again.`, name)
    t.equal(error.cart.discount.reason, reason, `${name}: the cart as it is now comes with the problem`)
    t.equal(error.cart.items.length, 1)
  }
  await harness.app.orm.em.fork().execute('update discounts set used_count = 0 where id = ?', [discount.id])
  t.same(await counts(harness.app, discount.id), { orders: 0, redemptions: 0, open: 0, used: 0 }, 'nothing was written')
  t.equal(await stockOf(harness, lamp.variantId), 10, 'no stock taken')
  t.equal((await api.GET('/api/v1/cart', { headers: customer.headers })).data?.items.length, 1, 'the cart is as it was')

  const stale = await api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body: { ...body, expectedTotal: usd(3499) } })
  t.equal((stale.error as { code?: string }).code, 'PRICE_CHANGED', 'the total without the discount is not the total')
  const placed = await api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body })
  t.equal(placed.response.status, 201, 'applies again: checked out')
  t.same(await counts(harness.app, discount.id), { orders: 1, redemptions: 1, open: 1, used: 1 })

  await addToCart(api, customer.headers, lamp.variantId)
  const removed = await api.DELETE('/api/v1/cart/discount', { headers: customer.headers })
  t.equal(removed.data?.discount, null)
  const plain = await checkout(harness, customer)
  t.match(plain.data, { discountCode: null, discountTotal: usd(0), total: usd(3499) }, 'without the code, full price')
})

t.test('a per-customer limit: the second order is refused until the first is cancelled, which gives its use back', async (t) => {
  const harness = await buildShop(t)
  const { api } = harness
  const customer = await createCustomer(harness)
  const lamp = await sellable(harness, 2000, 10)
  const discount = await createDiscount(harness, { percentage: 10, perCustomerLimit: 1, usageLimit: 5 })
  await addToCart(api, customer.headers, lamp.variantId)
  await applyCode(api, customer.headers, discount.code)
  const first = await checkout(harness, customer)
  t.equal(first.response.status, 201)

  await addToCart(api, customer.headers, lamp.variantId)
  const cart = await applyCode(api, customer.headers, discount.code)
  t.match(cart.discount, { applies: false, reason: 'ALREADY_USED' }, 'the order took the code off the cart; applied again, it says why it does not apply')
  const withDiscount = { ...(await checkoutBody(harness, customer)), expectedTotal: usd(1800 + 499) }
  const second = await api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body: withDiscount })
  t.equal(second.response.status, 409)
  t.match(second.error, { code: 'DISCOUNT_NOT_APPLICABLE', reason: 'ALREADY_USED' })
  t.same(await counts(harness.app, discount.id), { orders: 1, redemptions: 1, open: 1, used: 1 })

  const cancelled = await api.POST('/api/v1/orders/{id}/cancel', { headers: customer.headers, params: { path: { id: first.data?.id ?? '' } }, body: {} })
  t.equal(cancelled.data?.status, 'CANCELLED')
  t.same(await counts(harness.app, discount.id), { orders: 1, redemptions: 1, open: 0, used: 0 }, 'the cancelled order gave its use back')
  t.match((await api.GET('/api/v1/cart', { headers: customer.headers })).data?.discount, { applies: true })
  const again = await api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body: withDiscount })
  t.equal(again.response.status, 201, 'the customer may use it again')
  t.same(await counts(harness.app, discount.id), { orders: 2, redemptions: 2, open: 1, used: 1 })
  await moveOrder(harness, again.data?.id ?? '', 'CANCELLED')
  const twice = await api.PATCH('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id: again.data?.id ?? '' } }, body: { status: 'CANCELLED' } })
  t.equal(twice.response.status, 409, 'a cancelled order cannot be cancelled again')
  t.same(await counts(harness.app, discount.id), { orders: 2, redemptions: 2, open: 0, used: 0 }, 'staff cancelling gives it back too, once')
})

t.test('100 concurrent checkouts on two instances with a code limited to 10 uses: exactly 10 discounted orders, the rest a 409 writing nothing', async (t) => {
  const env = { DISCOUNT_CODE_ATTEMPTS_PER_IP_PER_HOUR: '1000' }
  const harness = await buildShop(t, env)
  const other = await secondInstance(t, harness, env)
  const lamp = await sellable(harness, 2000, 500, 'Brass Lamp')
  const discount = await createDiscount(harness, { percentage: 25, usageLimit: 10 })
  const customers = await createCustomers(harness, 100)
  for (const customer of customers) {
    await addToCart(harness.api, customer.headers, lamp.variantId)
    await applyCode(harness.api, customer.headers, discount.code)
  }
  const body = await checkoutBody(harness, customers[0]!)
  t.same(body.expectedTotal, usd(1500 + 499), 'every cart shows the discount before the race')

  const answers = await Promise.all(customers.map(async (customer, index) => {
    const api = index % 2 === 0 ? harness.api : other.api
    return await api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body })
  }))
  const statuses = answers.map((answer) => answer.response.status)
  t.equal(statuses.filter((status) => status === 201).length, 10, 'ten orders')
  t.equal(statuses.filter((status) => status === 409).length, 90, 'ninety refusals')
  const refusals = answers.filter((answer) => answer.response.status === 409).map((answer) => answer.error as unknown as { code: string, reason: string })
  t.same(new Set(refusals.map((error) => `${error.code} ${error.reason}`)), new Set(['DISCOUNT_NOT_APPLICABLE USED_UP']), 'each refusal says the code is used up')
  t.ok(answers.filter((answer) => answer.response.status === 201).every((answer) => answer.data?.discountTotal.amount === 500 && answer.data.total.amount === 1999), 'each order is discounted')
  const byInstance = [0, 1].map((parity) => answers.filter((answer, index) => index % 2 === parity && answer.response.status === 201).length)
  t.ok(byInstance[0]! + byInstance[1]! === 10, `sold on both instances together (${byInstance.join(' + ')})`)

  t.same(await counts(harness.app, discount.id), { orders: 10, redemptions: 10, open: 10, used: 10 })
  const [orders] = await harness.app.orm.em.fork().execute<Array<{ count: string }>>('select count(*) as count from orders')
  t.equal(Number(orders?.count), 10, 'no order without the discount slipped through')
  t.equal(await stockOf(harness, lamp.variantId), 490, 'the refused checkouts took no stock')
  const refusedCart = (await harness.api.GET('/api/v1/cart', { headers: customers.find((_, index) => answers[index]?.response.status === 409)!.headers })).data
  t.match(refusedCart, { itemCount: 1, discount: { applies: false, reason: 'USED_UP' } }, 'a refused customer keeps the cart, told why')

  const winner = answers.findIndex((answer) => answer.response.status === 201)
  await moveOrder(harness, answers[winner]?.data?.id ?? '', 'CANCELLED')
  t.same(await counts(harness.app, discount.id), { orders: 10, redemptions: 10, open: 9, used: 9 }, 'a cancellation frees one use')
  const loser = customers.find((_, index) => answers[index]?.response.status === 409)!
  const retried = await harness.api.POST('/api/v1/checkout', { headers: { ...loser.headers, 'idempotency-key': idempotencyKey() }, body })
  t.equal(retried.response.status, 201, 'which another customer then takes')
})

t.test('a card order below Stripe\'s minimum charge (a free one, say) is refused before anything is written', async (t) => {
  const harness = await buildPayments(t)
  const { api } = harness
  const customer = await createCustomer(harness)
  const chair = await sellable(harness, 10_000, 5)
  const everything = await createDiscount(harness, { percentage: 100 })
  await addToCart(api, customer.headers, chair.variantId)
  await applyCode(api, customer.headers, everything.code)
  const body = await checkoutBody(harness, customer)
  t.same(body.expectedTotal, usd(0), 'free items, and shipping free from 100.00')
  const refused = await api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body: { ...body, paymentMethod: 'CARD' } })
  t.same(refused.error, { ...problem(409, 'CARD_AMOUNT_TOO_SMALL', 'Card payments in USD are for at least 50 (minor units), which Stripe requires; pay cash on delivery.', '/api/v1/checkout'), minimum: 50 })
  t.same(await counts(harness.app, everything.id), { orders: 0, redemptions: 0, open: 0, used: 0 })
  t.equal(harness.stripe.intents.size, 0, 'Stripe was never asked')
  const cash = await api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body })
  t.match(cash.data, { total: usd(0), paymentMethod: 'COD', discountTotal: usd(10_000) }, 'cash on delivery takes it')
})
