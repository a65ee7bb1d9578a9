import t from 'tap'
import { usd } from '../helpers/catalog.js'
import { addToCart, buildShop, checkoutBody, createCustomer, idempotencyKey, sellable, stockOf, US_ADDRESS } from '../helpers/shop.js'
import { UUID_V7 } from '../helpers/problems.js'

t.test('checkout turns the cart into an order: snapshots, totals, stock taken, cart emptied', async (t) => {
  const harness = await buildShop(t)
  const { api } = harness
  const stool = await sellable(harness, 2500, 10)
  const customer = await createCustomer(harness)
  await addToCart(api, customer.headers, stool.variantId, 3)
  const body = await checkoutBody(harness, customer)
  t.same(body.expectedTotal, usd(7500 + 499), 'the quote: three stools and shipping')
  const { data: order, response, error } = await api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body })
  t.equal(response.status, 201, JSON.stringify(error))
  t.match(order, {
    number: /^\d+$/,
    status: 'PENDING',
    paymentStatus: 'UNPAID',
    paymentMethod: 'COD',
    subtotal: usd(7500),
    shippingTotal: usd(499),
    total: usd(7999),
    shippingAddress: { ...US_ADDRESS, company: null, line2: null, region: null, phone: null },
    shippingMethod: { id: harness.shipping.id, name: 'Standard', price: usd(499) },
    items: [{ variantId: stool.variantId, productName: 'Walnut Stool', quantity: 3, unitPrice: usd(2500), lineTotal: usd(7500) }],
    statusHistory: [{ from: null, to: 'PENDING', by: { role: 'CUSTOMER', id: customer.id } }]
  })
  t.match(order?.id, UUID_V7)
  t.equal(response.headers.get('location'), `/api/v1/orders/${order?.id ?? ''}`)
  t.match(response.headers.get('server-timing'), /attempts;desc="1"/)
  t.equal(await stockOf(harness, stool.variantId), 7)
  const { data: cart } = await api.GET('/api/v1/cart', { headers: customer.headers })
  t.same(cart?.items, [], 'the cart is empty')
})
