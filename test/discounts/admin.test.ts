import t from 'tap'
import { createCategory, createProduct, usd } from '../helpers/catalog.js'
import { applyCode, createDiscount, uniqueCode } from '../helpers/discounts.js'
import { createModerator, moveOrder } from '../helpers/fulfilment.js'
import { ISO_INSTANT, JSON_TYPE, PROBLEM_JSON, UUID_V7, problem } from '../helpers/problems.js'
import { buildShop, createCustomer, idempotencyKey, placeOrder, sellable } from '../helpers/shop.js'

const UNKNOWN = '0193b1e4-0000-7000-8000-000000000000'

t.test('admins create, read, list, change and delete discount codes', async (t) => {
  const harness = await buildShop(t)
  const { api, staff } = harness
  const shoes = await createCategory(harness, 'Shoes')
  const hat = await createProduct(harness, { name: 'Felt Hat', price: 3000, stock: 5 })
  const code = uniqueCode('Spring')

  const created = await api.POST('/api/v1/admin/discounts', {
    headers: { ...staff, 'idempotency-key': idempotencyKey() },
    body: {
      code: ` ${code} `.trim(),
      description: '  Spring newsletter  ',
      kind: 'PERCENTAGE',
      percentage: 15,
      minimumSubtotal: usd(5000),
      startsAt: '2027-03-01T00:00:00.000Z',
      endsAt: '2027-04-01T00:00:00.000Z',
      categoryIds: [shoes.id],
      productIds: [hat.id],
      usageLimit: 500,
      perCustomerLimit: 1
    }
  })
  t.equal(created.response.status, 201, JSON.stringify(created.error))
  t.equal(created.response.headers.get('content-type'), JSON_TYPE)
  t.equal(created.response.headers.get('etag'), '"1"')
  const discount = created.data!
  t.equal(created.response.headers.get('location'), `/api/v1/admin/discounts/${discount.id}`)
  t.match(discount, {
    id: UUID_V7,
    code,
    description: 'Spring newsletter',
    kind: 'PERCENTAGE',
    percentage: 15,
    amount: null,
    minimumSubtotal: usd(5000),
    startsAt: '2027-03-01T00:00:00.000Z',
    endsAt: '2027-04-01T00:00:00.000Z',
    categoryIds: [shoes.id],
    productIds: [hat.id],
    usageLimit: 500,
    perCustomerLimit: 1,
    usedCount: 0,
    active: true,
    createdAt: ISO_INSTANT,
    updatedAt: ISO_INSTANT
  })

  const read = await api.GET('/api/v1/admin/discounts/{id}', { headers: staff, params: { path: { id: discount.id } } })
  t.same(read.data, discount)
  t.equal(read.response.headers.get('etag'), '"1"')

  const other = await createDiscount(harness, { code: uniqueCode('Other'), kind: 'FREE_SHIPPING', percentage: null, active: false })
  const all = await api.GET('/api/v1/admin/discounts', { headers: staff, params: { query: { limit: 100 } } })
  t.same(all.data?.items.map((item) => item.id), [discount.id, other.id], 'oldest first')
  const byPrefix = await api.GET('/api/v1/admin/discounts', { headers: staff, params: { query: { q: code.slice(0, 8).toLowerCase() } } })
  t.same(byPrefix.data?.items.map((item) => item.id), [discount.id], 'by code prefix, in any case')
  const inactive = await api.GET('/api/v1/admin/discounts', { headers: staff, params: { query: { active: false } } })
  t.same(inactive.data?.items.map((item) => item.id), [other.id])
  const wildcard = await api.GET('/api/v1/admin/discounts', { headers: staff, params: { query: { q: '%' } } })
  t.same(wildcard.data?.items, [], 'a % is a character, not a wildcard')
  const paged = await api.GET('/api/v1/admin/discounts', { headers: staff, params: { query: { limit: 1 } } })
  t.equal(paged.data?.items.length, 1)
  const next = await api.GET('/api/v1/admin/discounts', { headers: staff, params: { query: { limit: 1, cursor: paged.data?.nextCursor ?? '' } } })
  t.same(next.data?.items.map((item) => item.id), [other.id])
  t.equal(next.data?.nextCursor, null)

  const changed = await api.PATCH('/api/v1/admin/discounts/{id}', { headers: { ...staff, 'if-match': '"1"' }, params: { path: { id: discount.id } }, body: { kind: 'FIXED_AMOUNT', percentage: null, amount: usd(750), description: null, endsAt: null } })
  t.equal(changed.response.status, 200)
  t.equal(changed.response.headers.get('etag'), '"2"')
  t.match(changed.data, { kind: 'FIXED_AMOUNT', percentage: null, amount: usd(750), description: null, endsAt: null, startsAt: '2027-03-01T00:00:00.000Z' })
  const stale = await api.PATCH('/api/v1/admin/discounts/{id}', { headers: { ...staff, 'if-match': '"1"' }, params: { path: { id: discount.id } }, body: { active: false } })
  t.same(stale.error, problem(412, 'PRECONDITION_FAILED', 'The resource has changed since the version named in If-Match; fetch it again and reapply the change.', `/api/v1/admin/discounts/${discount.id}`, 'Precondition Failed'))
  t.equal(stale.response.headers.get('content-type'), PROBLEM_JSON)

  const removed = await api.DELETE('/api/v1/admin/discounts/{id}', { headers: staff, params: { path: { id: other.id } } })
  t.equal(removed.response.status, 204)
  const gone = await api.GET('/api/v1/admin/discounts/{id}', { headers: staff, params: { path: { id: other.id } } })
  t.same(gone.error, problem(404, 'NOT_FOUND', 'No discount code has this id.', `/api/v1/admin/discounts/${other.id}`))
  const again = await api.DELETE('/api/v1/admin/discounts/{id}', { headers: staff, params: { path: { id: other.id } } })
  t.equal(again.response.status, 404)
})

t.test('codes are unique in any case', async (t) => {
  const harness = await buildShop(t)
  const { api, staff } = harness
  const code = uniqueCode('Welcome')
  await createDiscount(harness, { code })
  const taken = await api.POST('/api/v1/admin/discounts', { headers: staff, body: { code: code.toLowerCase(), kind: 'FREE_SHIPPING' } })
  t.same(taken.error, problem(409, 'DISCOUNT_CODE_TAKEN', 'Another discount has this code (codes are case-insensitive).', '/api/v1/admin/discounts'))
  const second = await createDiscount(harness)
  const renamed = await api.PATCH('/api/v1/admin/discounts/{id}', { headers: staff, params: { path: { id: second.id } }, body: { code: code.toUpperCase() } })
  t.equal((renamed.error as { code?: string }).code, 'DISCOUNT_CODE_TAKEN', 'renaming onto a taken code')
  const own = await api.PATCH('/api/v1/admin/discounts/{id}', { headers: staff, params: { path: { id: second.id } }, body: { code: second.code.toLowerCase() } })
  t.equal(own.data?.code, second.code.toLowerCase(), 'a code may change its own case')

  const racing = uniqueCode('Race')
  const results = await Promise.all(Array.from({ length: 8 }, async () => await api.POST('/api/v1/admin/discounts', { headers: staff, body: { code: racing, kind: 'FREE_SHIPPING' } })))
  t.same(results.map((result) => result.response.status).sort(), [201, 409, 409, 409, 409, 409, 409, 409], 'eight at once: one is made, the others are told the code is taken')
})

t.test('invalid discounts are refused, naming the field', async (t) => {
  const harness = await buildShop(t)
  const { api, staff } = harness
  const attempts: Array<[string, unknown, string]> = [
    ['a percentage of 0', { kind: 'PERCENTAGE', percentage: 0 }, '/body/percentage'],
    ['a percentage of 101', { kind: 'PERCENTAGE', percentage: 101 }, '/body/percentage'],
    ['a fractional percentage', { kind: 'PERCENTAGE', percentage: 12.5 }, '/body/percentage'],
    ['a percentage as text', { kind: 'PERCENTAGE', percentage: '10' }, '/body/percentage'],
    ['a percentage without its value', { kind: 'PERCENTAGE' }, '/body/percentage'],
    ['a percentage with an amount', { kind: 'PERCENTAGE', percentage: 10, amount: usd(100) }, '/body/amount'],
    ['a fixed amount without its value', { kind: 'FIXED_AMOUNT' }, '/body/amount'],
    ['a fixed amount of 0', { kind: 'FIXED_AMOUNT', amount: usd(0) }, '/body/amount/amount'],
    ['a negative fixed amount', { kind: 'FIXED_AMOUNT', amount: usd(-100) }, '/body/amount/amount'],
    ['a fixed amount in another currency', { kind: 'FIXED_AMOUNT', amount: { amount: 100, currency: 'EUR' } }, '/body/amount/currency'],
    ['free shipping with a percentage', { kind: 'FREE_SHIPPING', percentage: 10 }, '/body/percentage'],
    ['an unknown kind', { kind: 'BOGO' }, '/body/kind'],
    ['an end before the start', { kind: 'FREE_SHIPPING', startsAt: '2027-03-01T00:00:00.000Z', endsAt: '2027-02-01T00:00:00.000Z' }, '/body/endsAt'],
    ['an end at the start', { kind: 'FREE_SHIPPING', startsAt: '2027-03-01T00:00:00.000Z', endsAt: '2027-03-01T00:00:00.000Z' }, '/body/endsAt'],
    ['a date that is not one', { kind: 'FREE_SHIPPING', endsAt: 'next tuesday' }, '/body/endsAt'],
    ['an unknown category', { kind: 'FREE_SHIPPING', categoryIds: [UNKNOWN] }, '/body/categoryIds/0'],
    ['an unknown product', { kind: 'FREE_SHIPPING', productIds: [UNKNOWN] }, '/body/productIds/0'],
    ['a repeated product', { kind: 'FREE_SHIPPING', productIds: [UNKNOWN, UNKNOWN] }, '/body/productIds'],
    ['a usage limit of 0', { kind: 'FREE_SHIPPING', usageLimit: 0 }, '/body/usageLimit'],
    ['a per-customer limit of 0', { kind: 'FREE_SHIPPING', perCustomerLimit: 0 }, '/body/perCustomerLimit'],
    ['a huge minimum', { kind: 'FREE_SHIPPING', minimumSubtotal: usd(1e15) }, '/body/minimumSubtotal/amount'],
    ['an unknown property', { kind: 'FREE_SHIPPING', stackable: true }, '/body/stackable'],
    ['a description of 501 characters', { kind: 'FREE_SHIPPING', description: 'x'.repeat(501) }, '/body/description']
  ]
  for (const [name, body, pointer] of attempts) {
    const { response, error } = await api.POST('/api/v1/admin/discounts', { headers: staff, body: { code: uniqueCode(), ...(body as object) } as never })
    t.equal(response.status, 400, name)
    t.ok((error as { errors?: Array<{ pointer: string }> }).errors?.some((field) => field.pointer === pointer), `${name}: names ${pointer}`)
  }
  for (const code of ['ab', 'with space', 'ünïcode', 'x'.repeat(65), '']) {
    const { response } = await api.POST('/api/v1/admin/discounts', { headers: staff, body: { code, kind: 'FREE_SHIPPING' } })
    t.equal(response.status, 400, `the code ${JSON.stringify(code)}`)
  }
  const discount = await createDiscount(harness)
  const switched = await api.PATCH('/api/v1/admin/discounts/{id}', { headers: staff, params: { path: { id: discount.id } }, body: { kind: 'FIXED_AMOUNT' } })
  t.ok((switched.error as { errors?: Array<{ pointer: string }> }).errors?.some((field) => field.pointer === '/body/amount'), 'a new kind without its value')
  const mixed = await api.PATCH('/api/v1/admin/discounts/{id}', { headers: staff, params: { path: { id: discount.id } }, body: { kind: 'FIXED_AMOUNT', amount: usd(500), percentage: 10 } })
  t.ok((mixed.error as { errors?: Array<{ pointer: string }> }).errors?.some((field) => field.pointer === '/body/percentage'), 'a new kind with the old kind\'s value sent')
  const empty = await api.PATCH('/api/v1/admin/discounts/{id}', { headers: staff, params: { path: { id: discount.id } }, body: {} })
  t.equal(empty.response.status, 400, 'a change of nothing')
  const unknown = await api.PATCH('/api/v1/admin/discounts/{id}', { headers: staff, params: { path: { id: UNKNOWN } }, body: { active: false } })
  t.same(unknown.error, problem(404, 'NOT_FOUND', 'No discount code has this id.', `/api/v1/admin/discounts/${UNKNOWN}`))
  const malformed = await api.GET('/api/v1/admin/discounts/{id}', { headers: staff, params: { path: { id: 'not-an-id' } } })
  t.equal(malformed.response.status, 400)
  const unchanged = await api.GET('/api/v1/admin/discounts/{id}', { headers: staff, params: { path: { id: discount.id } } })
  t.match(unchanged.data, { kind: 'PERCENTAGE', percentage: 10 }, 'refused changes changed nothing')
  const converted = await api.PATCH('/api/v1/admin/discounts/{id}', { headers: staff, params: { path: { id: discount.id } }, body: { kind: 'FIXED_AMOUNT', amount: usd(500) } })
  t.match(converted.data, { kind: 'FIXED_AMOUNT', amount: usd(500), percentage: null }, 'a new kind with its value: the old value goes')
  const toFree = await api.PATCH('/api/v1/admin/discounts/{id}', { headers: staff, params: { path: { id: discount.id } }, body: { kind: 'FREE_SHIPPING' } })
  t.match(toFree.data, { kind: 'FREE_SHIPPING', amount: null, percentage: null })
})

t.test('only admins run discount codes', async (t) => {
  const harness = await buildShop(t)
  const { api } = harness
  const discount = await createDiscount(harness)
  const customer = await createCustomer(harness)
  const moderator = await createModerator(harness)
  for (const [who, headers, status] of [['a customer (whose token is not a staff token)', customer.headers, 401], ['a moderator', moderator.headers, 403], ['no one', {}, 401]] as const) {
    t.equal((await api.GET('/api/v1/admin/discounts', { headers })).response.status, status, `${who} lists`)
    t.equal((await api.POST('/api/v1/admin/discounts', { headers, body: { code: uniqueCode(), kind: 'FREE_SHIPPING' } })).response.status, status, `${who} creates`)
    t.equal((await api.GET('/api/v1/admin/discounts/{id}', { headers, params: { path: { id: discount.id } } })).response.status, status, `${who} reads`)
    t.equal((await api.PATCH('/api/v1/admin/discounts/{id}', { headers, params: { path: { id: discount.id } }, body: { active: false } })).response.status, status, `${who} changes`)
    t.equal((await api.DELETE('/api/v1/admin/discounts/{id}', { headers, params: { path: { id: discount.id } } })).response.status, status, `${who} deletes`)
  }
  const still = await api.GET('/api/v1/admin/discounts/{id}', { headers: harness.staff, params: { path: { id: discount.id } } })
  t.same(still.data, discount, 'untouched')
})

t.test('a code orders used is kept: it can be turned off, not deleted', async (t) => {
  const harness = await buildShop(t)
  const { api, staff } = harness
  const discount = await createDiscount(harness, { percentage: 20 })
  const customer = await createCustomer(harness)
  const stool = await sellable(harness, 2500, 10)
  await applyCode(api, customer.headers, discount.code)
  const order = await placeOrder(harness, customer, stool.variantId)
  t.equal(order.discountCode, discount.code)
  const refused = await api.DELETE('/api/v1/admin/discounts/{id}', { headers: staff, params: { path: { id: discount.id } } })
  t.same(refused.error, problem(409, 'DISCOUNT_IN_USE', 'Orders used this code, and keep their record of it: turn it off with `active: false` instead.', `/api/v1/admin/discounts/${discount.id}`))
  await moveOrder(harness, order.id, 'CANCELLED')
  const afterCancel = await api.DELETE('/api/v1/admin/discounts/{id}', { headers: staff, params: { path: { id: discount.id } } })
  t.equal(afterCancel.response.status, 409, 'a cancelled order keeps its record too')
  const off = await api.PATCH('/api/v1/admin/discounts/{id}', { headers: staff, params: { path: { id: discount.id } }, body: { active: false } })
  t.match(off.data, { active: false, usedCount: 0 }, 'turned off; the cancelled order gave its use back')
})
