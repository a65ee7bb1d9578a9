import t from 'tap'
import type { components } from '../../openapi/schema.js'
import { usd } from '../helpers/catalog.js'
import { buildShop, createCustomers, idempotencyKey, placeOrder, sellable, stockOf, US_ADDRESS, type Order, type ShopHarness } from '../helpers/shop.js'
import { problem, ISO_INSTANT, JSON_TYPE, PROBLEM_JSON, validationProblem } from '../helpers/problems.js'
import { deliverOrder, shipOrder } from '../helpers/fulfilment.js'

type OrderSummary = components['schemas']['OrderSummary']
type AdminOrderSummary = components['schemas']['AdminOrderSummary']
type AdminOrderQuery = { status?: Order['status'], paymentStatus?: Order['paymentStatus'], customerId?: string, number?: string, placedFrom?: string, placedTo?: string }

const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000'
const ORDER_NOT_FOUND = 'No order has this id.'

/** Every page of the customer's `GET /orders`, `limit` a page. */
async function ownOrderPages (harness: ShopHarness, headers: Record<string, string>, limit: number): Promise<OrderSummary[][]> {
  const pages: OrderSummary[][] = []
  let cursor: string | undefined
  do {
    const { data, error } = await harness.api.GET('/api/v1/orders', { headers, params: { query: { limit, ...(cursor === undefined ? {} : { cursor }) } } })
    if (data === undefined) throw new Error(`listing orders failed: ${JSON.stringify(error)}`)
    pages.push(data.items)
    cursor = data.nextCursor ?? undefined
  } while (cursor !== undefined && pages.length < 50)
  return pages
}

/** Every order staff see for `query`, across pages of `limit`. */
async function staffOrders (harness: ShopHarness, query: AdminOrderQuery, limit = 100): Promise<AdminOrderSummary[]> {
  const items: AdminOrderSummary[] = []
  let cursor: string | undefined
  for (let page = 0; page < 50; page++) {
    const { data, error } = await harness.api.GET('/api/v1/admin/orders', { headers: harness.staff, params: { query: { ...query, limit, ...(cursor === undefined ? {} : { cursor }) } } })
    if (data === undefined) throw new Error(`listing orders failed: ${JSON.stringify(error)}`)
    if (data.items.length > limit) throw new Error(`a page of ${data.items.length} for a limit of ${limit}`)
    items.push(...data.items)
    if (data.nextCursor === null) return items
    cursor = data.nextCursor
  }
  throw new Error('the cursor does not move on')
}

async function patchStatus (harness: ShopHarness, id: string, status: Order['status']): Promise<void> {
  const { response, error } = await harness.api.PATCH('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id } }, body: { status } })
  if (response.status !== 200) throw new Error(`moving ${id} to ${status} failed: ${JSON.stringify(error)}`)
}

t.test('customers list their own orders newest first, a page at a time, and read each with everything it shows', async (t) => {
  const harness = await buildShop(t)
  const { api } = harness
  const stool = await sellable(harness, 2500, 50, 'Walnut Stool')
  const lamp = await sellable(harness, 1200, 50, 'Brass Lamp')
  const [ada, bob] = await createCustomers(harness, 2)
  const placed: Order[] = []
  for (let index = 0; index < 5; index++) placed.push(await placeOrder(harness, ada!, index % 2 === 0 ? stool.variantId : lamp.variantId, index + 1))
  const bobs = await placeOrder(harness, bob!, lamp.variantId, 1)

  const numbers = placed.map((order) => BigInt(order.number))
  t.ok(numbers.every((number, index) => index === 0 || number > numbers[index - 1]!), `order numbers increase as orders are placed (${numbers.join(', ')})`)
  t.ok(BigInt(bobs.number) > numbers.at(-1)!)

  const pages = await ownOrderPages(harness, ada!.headers, 2)
  t.same(pages.map((page) => page.length), [2, 2, 1], 'five orders in pages of two')
  const listed = pages.flat()
  t.same(listed.map((order) => order.id), placed.map((order) => order.id).reverse(), 'newest first, each once, none of another customer')
  for (const [index, summary] of listed.entries()) {
    const order = placed[placed.length - 1 - index]!
    t.same(summary, {
      id: order.id,
      number: order.number,
      status: 'PENDING',
      paymentStatus: 'UNPAID',
      paymentMethod: 'COD',
      total: order.total,
      itemCount: order.items[0]!.quantity,
      placedAt: order.placedAt
    }, `the summary of order ${order.number}`)
  }
  const bobsList = await api.GET('/api/v1/orders', { headers: bob!.headers })
  t.same(bobsList.data, { items: [{ id: bobs.id, number: bobs.number, status: 'PENDING', paymentStatus: 'UNPAID', paymentMethod: 'COD', total: usd(1200 + 499), itemCount: 1, placedAt: bobs.placedAt }], nextCursor: null })
  const [carol] = await createCustomers(harness, 1)
  t.same((await api.GET('/api/v1/orders', { headers: carol!.headers })).data, { items: [], nextCursor: null }, 'no orders yet: an empty page')

  // The fourth order: four stools at 25.00 are 100.00, which ships free.
  const fourth = placed[3]!
  const read = await api.GET('/api/v1/orders/{id}', { headers: ada!.headers, params: { path: { id: fourth.id } } })
  t.equal(read.response.status, 200)
  t.equal(read.response.headers.get('content-type'), JSON_TYPE)
  t.equal(read.response.headers.get('cache-control'), 'no-store', 'an order is never cached')
  t.same(read.data, fourth, 'the order reads as checkout answered it')
  t.same(read.data, {
    id: fourth.id,
    number: fourth.number,
    status: 'PENDING',
    paymentStatus: 'UNPAID',
    paymentMethod: 'COD',
    items: [{
      id: fourth.items[0]!.id,
      productId: lamp.id,
      variantId: lamp.variantId,
      productName: 'Brass Lamp',
      variantTitle: fourth.items[0]!.variantTitle,
      sku: lamp.variants[0]!.sku,
      unitPrice: usd(1200),
      quantity: 4,
      lineTotal: usd(4800),
      discount: usd(0),
      returnedQuantity: 0
    }],
    subtotal: usd(4800),
    discountTotal: usd(0),
    shippingTotal: usd(499),
    total: usd(5299),
    discountCode: null,
    shippingAddress: { ...US_ADDRESS, company: null, line2: null, region: null, phone: null },
    shippingMethod: { id: harness.shipping.id, name: 'Standard', price: usd(499) },
    note: null,
    statusHistory: [{ from: null, to: 'PENDING', at: fourth.statusHistory[0]!.at, by: { role: 'CUSTOMER', id: ada!.id }, note: null }],
    returnRequests: [],
    payments: [],
    refunds: [],
    shipments: [],
    placedAt: fourth.placedAt,
    updatedAt: fourth.updatedAt
  })
  t.match(fourth.placedAt, ISO_INSTANT)
  t.ok(Math.abs(Date.parse(fourth.statusHistory[0]!.at) - Date.parse(fourth.placedAt)) < 1000, 'placed when it became PENDING')
  const freeShipping = placed[4]!
  t.same([freeShipping.subtotal, freeShipping.shippingTotal, freeShipping.total], [usd(12_500), usd(0), usd(12_500)], 'five stools ship free')

  const badCursor = await api.GET('/api/v1/orders', { headers: ada!.headers, params: { query: { cursor: 'bm90IGEgY3Vyc29y' } } })
  t.equal(badCursor.response.status, 400)
  t.same(badCursor.error, problem(400, 'INVALID_CURSOR', 'The cursor is not one this API issued; start again without it.', '/api/v1/orders?cursor=bm90IGEgY3Vyc29y'))
  const forgedCursor = Buffer.from(JSON.stringify({ before: 'not-a-uuid' })).toString('base64url')
  t.equal((await api.GET('/api/v1/orders', { headers: ada!.headers, params: { query: { cursor: forgedCursor } } })).error?.code, 'INVALID_CURSOR', 'a cursor of the right shape with a wrong value is still refused')
  for (const limit of [0, 101]) {
    const answer = await api.GET('/api/v1/orders', { headers: ada!.headers, params: { query: { limit } } })
    t.equal(answer.response.status, 400, `limit ${limit}`)
    t.equal(answer.error?.code, 'VALIDATION_FAILED')
  }
})

t.test("another customer's order is not found, whether read, cancelled or returned; strangers and staff are kept out", async (t) => {
  const harness = await buildShop(t)
  const { api } = harness
  const stool = await sellable(harness, 2500, 10)
  const [ada, bob] = await createCustomers(harness, 2)
  const order = await placeOrder(harness, ada!, stool.variantId, 2)
  const path = `/api/v1/orders/${order.id}`

  const read = await api.GET('/api/v1/orders/{id}', { headers: bob!.headers, params: { path: { id: order.id } } })
  t.equal(read.response.status, 404)
  t.equal(read.response.headers.get('content-type'), PROBLEM_JSON)
  t.same(read.error, problem(404, 'NOT_FOUND', ORDER_NOT_FOUND, path))

  const cancel = await api.POST('/api/v1/orders/{id}/cancel', { headers: { ...bob!.headers, 'idempotency-key': idempotencyKey() }, params: { path: { id: order.id } }, body: {} })
  t.same(cancel.error, problem(404, 'NOT_FOUND', ORDER_NOT_FOUND, `${path}/cancel`))
  const itemId = order.items[0]!.id
  const returned = await api.POST('/api/v1/orders/{id}/return-requests', { headers: bob!.headers, params: { path: { id: order.id } }, body: { items: [{ orderItemId: itemId, quantity: 1 }], reason: 'Not mine' } })
  t.same(returned.error, problem(404, 'NOT_FOUND', ORDER_NOT_FOUND, `${path}/return-requests`))

  const unknown = await api.GET('/api/v1/orders/{id}', { headers: ada!.headers, params: { path: { id: UNKNOWN_ID } } })
  t.same(unknown.error, problem(404, 'NOT_FOUND', ORDER_NOT_FOUND, `/api/v1/orders/${UNKNOWN_ID}`))
  const unknownCancel = await api.POST('/api/v1/orders/{id}/cancel', { headers: ada!.headers, params: { path: { id: UNKNOWN_ID } }, body: {} })
  t.equal(unknownCancel.response.status, 404)
  const notAnId = await api.GET('/api/v1/orders/{id}', { headers: ada!.headers, params: { path: { id: 'order-1' } } })
  t.equal(notAnId.response.status, 400)
  t.equal(notAnId.error?.code, 'VALIDATION_FAILED')

  const anonymous = await api.GET('/api/v1/orders/{id}', { params: { path: { id: order.id } } })
  t.equal(anonymous.response.status, 401)
  t.equal(anonymous.error?.code, 'UNAUTHORIZED')
  t.equal(anonymous.response.headers.get('www-authenticate'), 'Bearer')
  t.equal((await api.GET('/api/v1/orders', {})).response.status, 401)
  const staffList = await api.GET('/api/v1/orders', { headers: harness.staff })
  t.equal(staffList.response.status, 403, 'staff read orders through the admin routes')
  t.equal(staffList.error?.code, 'FORBIDDEN')
  t.equal((await api.POST('/api/v1/orders/{id}/cancel', { headers: harness.staff, params: { path: { id: order.id } }, body: {} })).response.status, 403)

  t.equal(await stockOf(harness, stool.variantId), 8, 'nothing was restocked')
  const mine = await api.GET('/api/v1/orders/{id}', { headers: ada!.headers, params: { path: { id: order.id } } })
  t.same(mine.data, order, "the owner's order is untouched")
})

t.test('staff list every order, newest first, filtered by status, payment, customer, number and when it was placed', async (t) => {
  const harness = await buildShop(t)
  const { api } = harness
  const stool = await sellable(harness, 2500, 100)
  const [ada, bob] = await createCustomers(harness, 2)
  const orders: Order[] = []
  for (let index = 0; index < 7; index++) orders.push(await placeOrder(harness, index % 3 === 2 ? bob! : ada!, stool.variantId, 1))
  // Placed a day apart, from 1 March 2026 at noon, in the order they were placed.
  const placedAt = orders.map((_, index) => new Date(Date.UTC(2026, 2, 1 + index, 12)).toISOString())
  const em = harness.app.orm.em.fork()
  for (const [index, order] of orders.entries()) await em.execute('update orders set placed_at = ? where id = ?', [placedAt[index], order.id])
  const [o0, o1, o2, o3, o4, o5, o6] = orders.map((order) => order.id) as [string, string, string, string, string, string, string]
  await patchStatus(harness, o1, 'CONFIRMED')
  await patchStatus(harness, o2, 'CONFIRMED')
  await patchStatus(harness, o3, 'CANCELLED')
  await deliverOrder(harness, o4, { paid: true })
  await patchStatus(harness, o5, 'CONFIRMED')
  await shipOrder(harness, o5)

  const everything = await staffOrders(harness, {}, 3)
  t.same(everything.map((order) => order.id), [o6, o5, o4, o3, o2, o1, o0], 'every order once, newest first, across pages of three')
  const bobsEmail = bob!.email
  t.same(everything[0], {
    id: o6,
    number: orders[6]!.number,
    status: 'PENDING',
    paymentStatus: 'UNPAID',
    paymentMethod: 'COD',
    total: usd(2999),
    itemCount: 1,
    placedAt: placedAt[6],
    customer: { id: ada!.id, email: ada!.email, name: 'Test Customer' }
  })
  t.same(everything.find((order) => order.id === o2)?.customer, { id: bob!.id, email: bobsEmail, name: 'Test Customer' })

  const ids = async (query: AdminOrderQuery, limit?: number) => (await staffOrders(harness, query, limit)).map((order) => order.id)
  t.same(await ids({ status: 'CONFIRMED' }), [o2, o1], 'status')
  t.same(await ids({ status: 'CONFIRMED' }, 1), [o2, o1], 'status, a page at a time')
  t.same(await ids({ status: 'SHIPPED' }), [o5])
  t.same(await ids({ status: 'RETURNED' }), [])
  t.same(await ids({ paymentStatus: 'PAID' }), [o4], 'a cash-on-delivery order whose cash was collected is paid')
  t.same(await ids({ paymentStatus: 'UNPAID' }), [o6, o5, o3, o2, o1, o0])
  t.same(await ids({ customerId: bob!.id }), [o5, o2], 'customer')
  t.same(await ids({ customerId: UNKNOWN_ID }), [])
  t.same(await ids({ customerId: ada!.id, status: 'CONFIRMED' }), [o1], 'filters combine')
  t.same(await ids({ number: orders[3]!.number }), [o3], 'number')
  t.same(await ids({ number: '999999999999' }), [])
  t.same(await ids({ placedFrom: placedAt[2] }), [o6, o5, o4, o3, o2], 'placedFrom includes its instant')
  t.same(await ids({ placedTo: placedAt[2] }), [o1, o0], 'placedTo excludes its instant')
  t.same(await ids({ placedFrom: placedAt[1], placedTo: placedAt[4] }), [o3, o2, o1], 'a date range')
  t.same(await ids({ placedFrom: '2026-03-03T00:00:00.000Z', placedTo: '2026-03-06T00:00:00.000Z', customerId: ada!.id }, 1), [o4, o3], 'a range and a customer, a page at a time')
  t.same(await ids({ placedFrom: placedAt[4], placedTo: placedAt[4] }), [], 'an empty range')

  const invalid: Array<[string, Record<string, string>, string]> = [
    ['an unknown status', { status: 'LOST' }, '/query/status'],
    ['an unknown payment status', { paymentStatus: 'MAYBE' }, '/query/paymentStatus'],
    ['a customer id that is no id', { customerId: 'ada' }, '/query/customerId'],
    ['a number with letters', { number: '10a' }, '/query/number'],
    ['a date that is no instant', { placedFrom: 'yesterday' }, '/query/placedFrom'],
    ['an unknown filter', { colour: 'red' }, '/query/colour']
  ]
  for (const [what, query, pointer] of invalid) {
    const answer = await api.GET('/api/v1/admin/orders', { headers: harness.staff, params: { query: query as AdminOrderQuery } })
    t.equal(answer.response.status, 400, what)
    t.equal((answer.error as { errors?: Array<{ pointer: string }> } | undefined)?.errors?.[0]?.pointer, pointer, what)
  }
  const badCursor = await api.GET('/api/v1/admin/orders', { headers: harness.staff, params: { query: { cursor: 'nope' } } })
  t.equal(badCursor.error?.code, 'INVALID_CURSOR')

  const asCustomer = await api.GET('/api/v1/admin/orders', { headers: ada!.headers })
  t.equal(asCustomer.response.status, 401, 'a customer token is refused on staff routes')
  t.same(asCustomer.error, problem(401, 'INVALID_TOKEN', 'Staff operations need a staff access token.', '/api/v1/admin/orders'))
  t.equal((await api.GET('/api/v1/admin/orders', {})).response.status, 401)
})

t.test('staff read any order with its customer, its ETag and the transitions allowed from its status', async (t) => {
  const harness = await buildShop(t)
  const { api } = harness
  const stool = await sellable(harness, 2500, 10)
  const [ada] = await createCustomers(harness, 1)
  const order = await placeOrder(harness, ada!, stool.variantId, 2)

  const read = await api.GET('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id: order.id } } })
  t.equal(read.response.status, 200)
  t.equal(read.response.headers.get('cache-control'), 'no-store')
  const etag = read.response.headers.get('etag')
  t.match(etag, /^"\d+"$/, 'a strong ETag of the version')
  t.same(read.data, {
    order,
    customer: { id: ada!.id, email: ada!.email, name: 'Test Customer' },
    allowedTransitions: [{ to: 'CONFIRMED', roles: ['ADMIN', 'MODERATOR'] }, { to: 'CANCELLED', roles: ['CUSTOMER', 'ADMIN', 'MODERATOR', 'SYSTEM'] }]
  })
  const again = await api.GET('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id: order.id } } })
  t.equal(again.response.headers.get('etag'), etag, 'the ETag holds while the order does not change')

  const confirmed = await api.PATCH('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id: order.id } }, body: { status: 'CONFIRMED' } })
  const after = await api.GET('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id: order.id } } })
  t.not(after.response.headers.get('etag'), etag, 'a new status is a new version')
  t.equal(after.response.headers.get('etag'), confirmed.response.headers.get('etag'), 'the PATCH answered with the ETag a read then shows')
  t.same(after.data?.allowedTransitions, [{ to: 'CANCELLED', roles: ['CUSTOMER', 'ADMIN', 'MODERATOR', 'SYSTEM'] }, { to: 'SHIPPED', roles: ['SYSTEM'] }])
  t.same(after.data, confirmed.data)

  const unknown = await api.GET('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id: UNKNOWN_ID } } })
  t.same(unknown.error, problem(404, 'NOT_FOUND', ORDER_NOT_FOUND, `/api/v1/admin/orders/${UNKNOWN_ID}`))
  const notAnId = await api.GET('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id: '42' } } })
  t.same(notAnId.error, validationProblem('/api/v1/admin/orders/42', [{ pointer: '/params/id', detail: notAnId.error?.errors?.[0]?.detail ?? '' }]))
  t.equal((await api.GET('/api/v1/admin/orders/{id}', { headers: ada!.headers, params: { path: { id: order.id } } })).response.status, 401, 'not for customers, even their own')
})
