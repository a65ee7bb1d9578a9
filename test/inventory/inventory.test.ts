import t from 'tap'
import type { components } from '../../openapi/schema.js'
import { createProduct, usd } from '../helpers/catalog.js'
import { settled } from '../helpers/concurrency.js'
import { ISO_INSTANT, problem, UUID_V7, validationProblem } from '../helpers/problems.js'
import { addToCart, buildShop, checkoutBody, createCustomer, createCustomers, idempotencyKey, placeOrder, secondInstance, sellable, stockOf, type ShopHarness } from '../helpers/shop.js'
import { adminOf, between, createModerator, stockHistory, type StaffMember, type StockAdjustment } from '../helpers/fulfilment.js'

type StockAdjustmentRequest = components['schemas']['StockAdjustmentRequest']
type LowStockVariant = components['schemas']['LowStockVariant']

const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000'
const VARIANT_NOT_FOUND = 'No product variant has this id.'

async function adjust (harness: ShopHarness, variantId: string, body: StockAdjustmentRequest, headers: Record<string, string> = harness.staff, key = idempotencyKey()) {
  return await harness.api.POST('/api/v1/admin/variants/{id}/stock-adjustments', { headers: { ...headers, 'idempotency-key': key }, params: { path: { id: variantId } }, body })
}

/** The history without the opening entry product creation writes, which its own test covers. */
function changesSinceCreation (history: StockAdjustment[]): StockAdjustment[] {
  return history.filter((entry) => entry.kind !== 'INITIAL')
}

/** Each entry, oldest first, starts from the stock the one before it left. */
function chainBreaks (newestFirst: StockAdjustment[]): string[] {
  const oldestFirst = [...newestFirst].reverse()
  return oldestFirst.slice(1).flatMap((entry, index) => entry.before === oldestFirst[index]!.after ? [] : [`${oldestFirst[index]!.id} left ${oldestFirst[index]!.after}, ${entry.id} found ${entry.before}`])
}

async function variantVersion (harness: ShopHarness, productId: string): Promise<number> {
  const { data, error } = await harness.api.GET('/api/v1/admin/products/{id}', { headers: harness.staff, params: { path: { id: productId } } })
  if (data === undefined) throw new Error(`reading ${productId} failed: ${JSON.stringify(error)}`)
  return data.variants[0]!.version
}

/** Every page of the low-stock list, `limit` a page. */
async function lowStock (harness: ShopHarness, limit: number): Promise<{ threshold: number, items: LowStockVariant[], pages: number }> {
  const items: LowStockVariant[] = []
  let cursor: string | undefined
  for (let pages = 1; pages <= 50; pages++) {
    const { data, error } = await harness.api.GET('/api/v1/admin/inventory/low-stock', { headers: harness.staff, params: { query: { limit, ...(cursor === undefined ? {} : { cursor }) } } })
    if (data === undefined) throw new Error(`listing low stock failed: ${JSON.stringify(error)}`)
    items.push(...data.items)
    if (data.nextCursor === null) return { threshold: data.threshold, items, pages }
    cursor = data.nextCursor
  }
  throw new Error('the cursor does not move on')
}

t.test('staff add, remove and set a variant\'s stock with a reason: each change recorded with who, when, before, after and why, listed newest first a page at a time', async (t) => {
  const harness = await buildShop(t)
  const { api } = harness
  const admin = await adminOf(harness)
  const moderator = await createModerator(harness)
  const stool = await sellable(harness, 2500, 10)
  const customer = await createCustomer(harness)

  const steps: Array<[StaffMember, StockAdjustmentRequest, number, number, string]> = [
    [admin, { change: 5, reason: '  Delivery from the supplier ' }, 10, 15, 'Delivery from the supplier'],
    [moderator, { change: -3, reason: 'Broken in the store room' }, 15, 12, 'Broken in the store room'],
    [admin, { setTo: 4, reason: 'Stocktake' }, 12, 4, 'Stocktake']
  ]
  const made: StockAdjustment[] = []
  for (const [who, body, before, after, reason] of steps) {
    const started = Date.now()
    const answer = await adjust(harness, stool.variantId, body, who.headers)
    const ended = Date.now()
    t.equal(answer.response.status, 201, JSON.stringify(body))
    const adjustment = answer.data!
    t.match(adjustment.id, UUID_V7)
    t.match(adjustment.createdAt, ISO_INSTANT)
    t.ok(between(adjustment.createdAt, started, ended), 'recorded when it was made')
    t.same(adjustment, { id: adjustment.id, variantId: stool.variantId, kind: 'MANUAL', before, after, change: after - before, reason, orderId: null, actor: { role: who === admin ? 'ADMIN' : 'MODERATOR', id: who.id }, createdAt: adjustment.createdAt }, `${before} to ${after}, by whom and why`)
    t.equal(await stockOf(harness, stool.variantId), after)
    made.push(adjustment)
  }

  const order = await placeOrder(harness, customer, stool.variantId, 1)
  const cancelled = await api.POST('/api/v1/orders/{id}/cancel', { headers: customer.headers, params: { path: { id: order.id } }, body: {} })
  t.equal(cancelled.response.status, 200)
  const emptied = await adjust(harness, stool.variantId, { setTo: 0, reason: 'Recalled' })
  t.same([emptied.data?.before, emptied.data?.after, emptied.data?.change], [4, 0, -4], 'setting the stock to zero')
  t.equal(await stockOf(harness, stool.variantId), 0)

  const history = changesSinceCreation(await stockHistory(harness, stool.variantId))
  t.same(history.map((entry) => [entry.kind, entry.before, entry.after, entry.orderId, entry.actor]), [
    ['MANUAL', 4, 0, null, { role: 'ADMIN', id: admin.id }],
    ['CANCELLATION', 3, 4, order.id, { role: 'CUSTOMER', id: customer.id }],
    ['CHECKOUT', 4, 3, order.id, { role: 'CUSTOMER', id: customer.id }],
    ['MANUAL', 12, 4, null, { role: 'ADMIN', id: admin.id }],
    ['MANUAL', 15, 12, null, { role: 'MODERATOR', id: moderator.id }],
    ['MANUAL', 10, 15, null, { role: 'ADMIN', id: admin.id }]
  ], 'every change, newest first: manual ones, the sale and the cancellation with their order')
  t.same(history.filter((entry) => entry.kind === 'MANUAL').slice(1).reverse(), made, 'listed as they were answered')
  t.same(history.map((entry) => entry.change), history.map((entry) => entry.after - entry.before))
  t.same(chainBreaks(history), [], 'each change starts from the stock the one before left')
  t.same(history.map((entry) => entry.id), [...history.map((entry) => entry.id)].sort().reverse(), 'newest first')

  const everything = await stockHistory(harness, stool.variantId)
  const firstPage = await api.GET('/api/v1/admin/variants/{id}/stock-adjustments', { headers: moderator.headers, params: { path: { id: stool.variantId }, query: { limit: 2 } } })
  t.equal(firstPage.response.status, 200, 'moderators read it too')
  t.same(firstPage.data?.items, everything.slice(0, 2), 'a page of two')
  t.type(firstPage.data?.nextCursor, 'string')
  t.same(await stockHistory(harness, stool.variantId, 2), everything, 'page after page of two, each entry once, in order')
  t.same(await stockHistory(harness, stool.variantId, 1), everything)

  const fresh = await sellable(harness, 900, 0, 'Empty Shelf')
  t.same(changesSinceCreation(await stockHistory(harness, fresh.variantId)), [], 'a variant nobody changed has no changes')
  const unknown = await api.GET('/api/v1/admin/variants/{id}/stock-adjustments', { headers: harness.staff, params: { path: { id: UNKNOWN_ID } } })
  t.same(unknown.error, problem(404, 'NOT_FOUND', VARIANT_NOT_FOUND, `/api/v1/admin/variants/${UNKNOWN_ID}/stock-adjustments`))
  const badCursor = await api.GET('/api/v1/admin/variants/{id}/stock-adjustments', { headers: harness.staff, params: { path: { id: stool.variantId }, query: { cursor: 'nope' } } })
  t.equal(badCursor.error?.code, 'INVALID_CURSOR')
  for (const limit of [0, 101]) t.equal((await api.GET('/api/v1/admin/variants/{id}/stock-adjustments', { headers: harness.staff, params: { path: { id: stool.variantId }, query: { limit } } })).response.status, 400, `limit ${limit}`)
})

t.test('an adjustment needs an Idempotency-Key; a retry with it is the same answer and adjusts once', async (t) => {
  const harness = await buildShop(t)
  const stool = await sellable(harness, 2500, 10)
  const path = `/api/v1/admin/variants/${stool.variantId}/stock-adjustments`
  const noKey = await harness.api.POST('/api/v1/admin/variants/{id}/stock-adjustments', { headers: harness.staff, params: { path: { id: stool.variantId } }, body: { change: 1, reason: 'Found one' } })
  t.equal(noKey.response.status, 428)
  t.same(noKey.error, problem(428, 'IDEMPOTENCY_KEY_REQUIRED', 'Send an Idempotency-Key header, so that retrying this request can never perform it twice.', path))

  const key = idempotencyKey()
  const first = await adjust(harness, stool.variantId, { change: 6, reason: 'Delivery' }, harness.staff, key)
  const retry = await adjust(harness, stool.variantId, { change: 6, reason: 'Delivery' }, harness.staff, key)
  t.equal(retry.response.status, 201)
  t.equal(retry.response.headers.get('idempotent-replayed'), 'true')
  t.same(retry.data, first.data)
  const changed = await adjust(harness, stool.variantId, { change: 7, reason: 'Delivery' }, harness.staff, key)
  t.equal(changed.response.status, 422, 'the same key for another adjustment')
  t.equal(await stockOf(harness, stool.variantId), 16, 'added once')
  t.equal(changesSinceCreation(await stockHistory(harness, stool.variantId)).length, 1, 'recorded once')
})

t.test('refused adjustments write nothing: not exactly one of change and setTo, below zero, past the bounds, numbers that are not integers, wrong types', async (t) => {
  const harness = await buildShop(t)
  const stool = await sellable(harness, 2500, 10)
  const path = `/api/v1/admin/variants/${stool.variantId}/stock-adjustments`

  const neither = await adjust(harness, stool.variantId, { reason: 'Just because' })
  t.same(neither.error, validationProblem(path, [{ pointer: '/body', detail: 'must have exactly one of change and setTo' }]), 'neither change nor setTo')
  const both = await adjust(harness, stool.variantId, { change: 1, setTo: 5, reason: 'Both' })
  t.same(both.error, validationProblem(path, [{ pointer: '/body', detail: 'must have exactly one of change and setTo' }]), 'both')

  const belowZero = await adjust(harness, stool.variantId, { change: -11, reason: 'Lost' })
  t.equal(belowZero.response.status, 409)
  t.same(belowZero.error, { ...problem(409, 'STOCK_WOULD_GO_NEGATIVE', 'The stock is 10; it cannot go below zero.', path), stock: 10 })
  const aboveMax = await adjust(harness, stool.variantId, { change: 999_991, reason: 'A warehouse' })
  t.same(aboveMax.error, validationProblem(path, [{ pointer: '/body/change', detail: 'would take the stock above 1000000' }]), 'a change that takes the stock past 1,000,000')

  const invalid: Array<[string, unknown, string]> = [
    ['a change of 0', { change: 0, reason: 'Nothing' }, '/body/change'],
    ['a change past 1,000,000', { change: 1_000_001, reason: 'Many' }, '/body/change'],
    ['a change below -1,000,000', { change: -1_000_001, reason: 'Many' }, '/body/change'],
    ['a setTo below zero', { setTo: -1, reason: 'Less than none' }, '/body/setTo'],
    ['a setTo past 1,000,000', { setTo: 1_000_001, reason: 'Many' }, '/body/setTo'],
    ['a fractional change', { change: 1.5, reason: 'Half' }, '/body/change'],
    ['a change as text', { change: '5', reason: 'Text' }, '/body/change'],
    ['a setTo as text', { setTo: '3', reason: 'Text' }, '/body/setTo'],
    ['a null change', { change: null, reason: 'Null' }, '/body/change'],
    ['a boolean setTo', { setTo: true, reason: 'True' }, '/body/setTo'],
    ['no reason', { change: 1 }, '/body/reason'],
    ['an empty reason', { change: 1, reason: '' }, '/body/reason'],
    ['a blank reason', { change: 1, reason: '   ' }, '/body/reason'],
    ['a reason of 501 characters', { change: 1, reason: 'x'.repeat(501) }, '/body/reason'],
    ['a reason that is a number', { change: 1, reason: 5 }, '/body/reason'],
    ['an unknown property', { change: 1, reason: 'Delivery', supplier: 'Acme' }, '/body/supplier']
  ]
  for (const [what, body, pointer] of invalid) {
    const { response, error } = await adjust(harness, stool.variantId, body as StockAdjustmentRequest)
    t.equal(response.status, 400, what)
    t.equal(error?.code, 'VALIDATION_FAILED', what)
    t.ok(error?.errors?.some((failure) => failure.pointer === pointer), `${what}: ${pointer} is named (${JSON.stringify(error?.errors)})`)
  }

  // JSON has no Infinity, but 1e400 parses to it.
  for (const field of ['change', 'setTo']) {
    const response = await harness.app.inject({ method: 'POST', url: path, headers: { ...harness.staff, 'idempotency-key': idempotencyKey(), 'content-type': 'application/json' }, payload: `{"${field}": 1e400, "reason": "Infinite"}` })
    t.equal(response.statusCode, 400, `an infinite ${field}`)
    t.equal(response.json().code, 'VALIDATION_FAILED')
    t.ok((response.json().errors as Array<{ pointer: string }>).some((failure) => failure.pointer === `/body/${field}`))
  }
  const notJson = await harness.app.inject({ method: 'POST', url: path, headers: { ...harness.staff, 'idempotency-key': idempotencyKey(), 'content-type': 'application/json' }, payload: '{"change": 1,' })
  t.equal(notJson.statusCode, 400, 'a body that is not JSON')

  const unknown = await adjust(harness, UNKNOWN_ID, { change: 1, reason: 'Delivery' })
  t.same(unknown.error, problem(404, 'NOT_FOUND', VARIANT_NOT_FOUND, `/api/v1/admin/variants/${UNKNOWN_ID}/stock-adjustments`))
  const notAnId = await adjust(harness, 'variant-1', { change: 1, reason: 'Delivery' })
  t.equal(notAnId.response.status, 400)
  t.equal(notAnId.error?.errors?.[0]?.pointer, '/params/id')

  t.equal(await stockOf(harness, stool.variantId), 10, 'the stock is as it was')
  t.same(changesSinceCreation(await stockHistory(harness, stool.variantId)), [], 'and nothing was recorded')

  const atMax = await adjust(harness, stool.variantId, { setTo: 1_000_000, reason: 'The bound itself' })
  t.equal(atMax.response.status, 201, '1,000,000 is allowed')
  const pastMax = await adjust(harness, stool.variantId, { change: 1, reason: 'One more' })
  t.same(pastMax.error, validationProblem(path, [{ pointer: '/body/change', detail: 'would take the stock above 1000000' }]))
  t.equal(await stockOf(harness, stool.variantId), 1_000_000)
})

t.test('With If-Match, an adjustment based on a version of the variant that has changed is a 412 and writes nothing', async (t) => {
  const harness = await buildShop(t)
  const stool = await sellable(harness, 2500, 10)
  const customer = await createCustomer(harness)
  const path = `/api/v1/admin/variants/${stool.variantId}/stock-adjustments`
  const seen = await variantVersion(harness, stool.id)
  const withTag = async (tag: string, body: StockAdjustmentRequest) => await adjust(harness, stool.variantId, body, { ...harness.staff, 'if-match': tag })

  t.equal((await withTag(`"${seen}"`, { change: 2, reason: 'Delivery' })).response.status, 201, 'the current version')
  const stale = await withTag(`"${seen}"`, { change: 2, reason: 'The same delivery, entered twice' })
  t.equal(stale.response.status, 412, 'the version before that adjustment')
  t.same(stale.error, problem(412, 'PRECONDITION_FAILED', 'The resource has changed since the version named in If-Match; fetch it again and reapply the change.', path))
  t.equal(await stockOf(harness, stool.variantId), 12, 'the second entry did not count')

  const current = await variantVersion(harness, stool.id)
  t.not(current, seen, 'an adjustment is a new version')
  await placeOrder(harness, customer, stool.variantId, 1)
  const afterSale = await withTag(`"${current}"`, { setTo: 20, reason: 'Stocktake' })
  t.equal(afterSale.response.status, 412, 'a sale since the stocktake was counted is a new version too')
  t.equal(await stockOf(harness, stool.variantId), 11)
  const latest = await variantVersion(harness, stool.id)
  t.equal((await withTag(`W/"${latest}"`, { setTo: 20, reason: 'Stocktake' })).response.status, 412, 'a weak tag never matches')
  t.equal((await withTag(`"${latest}"`, { setTo: 20, reason: 'Stocktake' })).response.status, 201)
  t.equal(await stockOf(harness, stool.variantId), 20)
  t.same(changesSinceCreation(await stockHistory(harness, stool.variantId)).map((entry) => [entry.kind, entry.before, entry.after]), [['MANUAL', 11, 20], ['CHECKOUT', 12, 11], ['MANUAL', 10, 12]], 'only the adjustments that went through')
})

t.test('stock routes are for staff: customers and strangers are refused', async (t) => {
  const harness = await buildShop(t)
  const { api } = harness
  const stool = await sellable(harness, 2500, 2)
  const customer = await createCustomer(harness)
  const moderator = await createModerator(harness)
  const path = `/api/v1/admin/variants/${stool.variantId}/stock-adjustments`
  const staffOnly = (instance: string) => problem(401, 'INVALID_TOKEN', 'Staff operations need a staff access token.', instance)

  t.same((await adjust(harness, stool.variantId, { change: 5, reason: 'Mine now' }, customer.headers)).error, staffOnly(path), 'a customer adjusting')
  t.same((await api.GET('/api/v1/admin/variants/{id}/stock-adjustments', { headers: customer.headers, params: { path: { id: stool.variantId } } })).error, staffOnly(path), 'a customer reading the history')
  t.same((await api.GET('/api/v1/admin/inventory/low-stock', { headers: customer.headers })).error, staffOnly('/api/v1/admin/inventory/low-stock'), 'a customer reading low stock')
  t.equal((await adjust(harness, stool.variantId, { change: 5, reason: 'Mine now' }, {})).response.status, 401, 'no token')
  t.equal((await api.GET('/api/v1/admin/inventory/low-stock', {})).response.status, 401)
  t.equal(await stockOf(harness, stool.variantId), 2)

  t.equal((await adjust(harness, stool.variantId, { change: 1, reason: 'Found one' }, moderator.headers)).response.status, 201, 'moderators adjust stock')
  const low = await api.GET('/api/v1/admin/inventory/low-stock', { headers: moderator.headers })
  t.equal(low.response.status, 200, 'and read the low-stock list')
  t.same(low.data?.items.map((item) => item.variantId), [stool.variantId])
})

t.test('the low-stock list: variants at or under LOW_STOCK_THRESHOLD (3 here) of products not archived, the lowest first, a page at a time', async (t) => {
  const harness = await buildShop(t, { LOW_STOCK_THRESHOLD: '3' })
  const { api, staff } = harness
  const atThreshold = await sellable(harness, 1000, 3, 'Three Left')
  const aboveThreshold = await sellable(harness, 1000, 4, 'Four Left')
  const soldOut = await sellable(harness, 1000, 0, 'Sold Out')
  const draft = await createProduct(harness, { name: 'Draft Two', status: 'DRAFT', stock: 2 })
  const archived = await createProduct(harness, { name: 'Archived One', stock: 1 })
  t.equal((await api.PATCH('/api/v1/admin/products/{id}', { headers: staff, params: { path: { id: archived.id } }, body: { status: 'ARCHIVED' } })).response.status, 200)
  await sellable(harness, 1000, 50, 'Plenty')

  const listed = await lowStock(harness, 2)
  t.equal(listed.threshold, 3, 'the configured threshold')
  t.equal(listed.pages, 2, 'three items in pages of two')
  const entry = (product: typeof draft, productStatus: LowStockVariant['productStatus'], stock: number): LowStockVariant => ({
    variantId: product.variants[0]!.id, sku: product.variants[0]!.sku, variantTitle: product.variants[0]!.title, productId: product.id, productName: product.name, productStatus, stock
  })
  t.same(listed.items, [entry(soldOut, 'ACTIVE', 0), entry(draft, 'DRAFT', 2), entry(atThreshold, 'ACTIVE', 3)], 'at or under 3, lowest first; neither 4 nor an archived product')
  t.same((await lowStock(harness, 100)).items, listed.items, 'the same in one page')

  const customer = await createCustomer(harness)
  await placeOrder(harness, customer, aboveThreshold.variantId, 1)
  // Of equal stock, by variant id: the order the cursor follows.
  const threes = [aboveThreshold, atThreshold].sort((a, b) => a.variantId < b.variantId ? -1 : 1).map((product) => [product.name, 3])
  t.same((await lowStock(harness, 100)).items.map((item) => [item.productName, item.stock]), [['Sold Out', 0], ['Draft Two', 2], ...threes], 'a sale down to 3 puts it on the list')
  await adjust(harness, atThreshold.variantId, { change: 1, reason: 'Found one' })
  await adjust(harness, soldOut.variantId, { setTo: 10, reason: 'Restocked' })
  t.same((await lowStock(harness, 100)).items.map((item) => [item.productName, item.stock]), [['Draft Two', 2], ['Four Left', 3]], 'restocked past 3, off the list')

  const badCursor = await api.GET('/api/v1/admin/inventory/low-stock', { headers: staff, params: { query: { cursor: 'nope' } } })
  t.equal(badCursor.error?.code, 'INVALID_CURSOR')
  t.equal((await api.GET('/api/v1/admin/inventory/low-stock', { headers: staff, params: { query: { limit: 0 } } })).response.status, 400)
})

t.test('30 checkouts of one unit and 10 staff adjustments of +1 at once on two instances, from 20 in stock: nothing lost, never negative, a continuous history', async (t) => {
  const harness = await buildShop(t)
  const other = await secondInstance(t, harness)
  const lamp = await sellable(harness, 1200, 20, 'Brass Lamp')
  const customers = await createCustomers(harness, 30)
  for (const customer of customers) await addToCart(harness.api, customer.headers, lamp.variantId, 1)
  const body = await checkoutBody(harness, customers[0]!)

  const checkouts = customers.map(async (customer, index) => {
    const api = index % 2 === 0 ? harness.api : other.api
    return await api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body })
  })
  const adjustments = Array.from({ length: 10 }, async (_, index) => {
    const api = index % 2 === 0 ? other.api : harness.api
    return await api.POST('/api/v1/admin/variants/{id}/stock-adjustments', { headers: { ...harness.staff, 'idempotency-key': idempotencyKey() }, params: { path: { id: lamp.variantId } }, body: { change: 1, reason: `Found in the back room (${index + 1})` } })
  })
  const [sales, restocks] = await Promise.all([settled(checkouts), settled(adjustments)])

  t.same(restocks.map((answer) => answer.response.status), Array(10).fill(201), 'every adjustment went through')
  const sold = sales.filter((answer) => answer.response.status === 201)
  const refused = sales.filter((answer) => answer.response.status !== 201)
  t.same(refused.map((answer) => [answer.response.status, answer.error?.code]), refused.map(() => [409, 'OUT_OF_STOCK']), 'every refused checkout a clean out-of-stock')
  t.comment(`${sold.length} sold, ${refused.length} refused`)
  t.ok(sold.length >= 20, `at least the 20 units there from the start were sold (${sold.length})`)
  const stock = await stockOf(harness, lamp.variantId)
  t.equal(stock, 20 + 10 - sold.length, `the stock is 20 + 10 - ${sold.length} sold`)
  t.ok(stock >= 0)

  const history = changesSinceCreation(await stockHistory(harness, lamp.variantId, 7))
  t.equal(history.length, 10 + sold.length, 'one entry per adjustment and per sale')
  t.same(chainBreaks(history), [], 'each entry starts from the stock the one before left: no update lost')
  t.equal(history.at(-1)?.before, 20, 'from the 20 in stock')
  t.equal(history[0]?.after, stock, 'to the stock there is')
  t.ok(history.every((entry) => entry.before >= 0 && entry.after >= 0), 'never below zero')
  const manual = history.filter((entry) => entry.kind === 'MANUAL')
  t.same(manual.map((entry) => entry.change), Array(10).fill(1))
  t.same(new Set(manual.map((entry) => entry.id)), new Set(restocks.map((answer) => answer.data?.id)), 'the adjustments answered are the ones recorded')
  const checkoutEntries = history.filter((entry) => entry.kind === 'CHECKOUT')
  t.same(checkoutEntries.map((entry) => entry.change), Array(sold.length).fill(-1))
  t.same(new Set(checkoutEntries.map((entry) => entry.orderId)), new Set(sold.map((answer) => answer.data?.id)), 'each sale recorded against its order')
  const [orders] = await harness.app.orm.em.fork().execute<Array<{ count: string }>>('select count(*) as count from orders')
  t.equal(Number(orders?.count), sold.length, 'one order per 201')
})

t.test('a product created through the admin API starts each variant\'s stock history with its initial stock', async (t) => {
  const harness = await buildShop(t)
  const admin = await adminOf(harness)
  const started = Date.now()
  const product = await createProduct(harness, {
    name: 'Oak Chair',
    options: [{ name: 'Colour', values: ['Natural', 'Black'] }],
    variants: [
      { sku: `CHAIR-NAT-${process.pid}`, optionValues: { Colour: 'Natural' }, price: usd(12_900), stock: 7 },
      { sku: `CHAIR-BLK-${process.pid}`, optionValues: { Colour: 'Black' }, price: usd(13_900), stock: 3 }
    ]
  })
  const ended = Date.now()
  for (const variant of product.variants) {
    const history = await stockHistory(harness, variant.id)
    t.match(history, [{ variantId: variant.id, kind: 'INITIAL', before: 0, after: variant.stock, change: variant.stock, orderId: null, actor: { role: 'ADMIN', id: admin.id }, reason: String }], `${variant.sku}: one INITIAL entry of ${variant.stock}`)
    t.equal(history.length, 1, `${variant.sku}: and nothing else`)
    t.ok(between(history[0]?.createdAt ?? '', started, ended), 'recorded when the product was created')
  }
  const [natural] = product.variants
  await adjust(harness, natural!.id, { change: -2, reason: 'Display models' })
  const history = await stockHistory(harness, natural!.id)
  t.same(history.map((entry) => [entry.kind, entry.before, entry.after]), [['MANUAL', 7, 5], ['INITIAL', 0, 7]], 'later changes follow on from it')
})
