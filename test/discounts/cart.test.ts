import t from 'tap'
import { createCategory, createProduct, usd } from '../helpers/catalog.js'
import { applyCode, createDiscount, uniqueCode } from '../helpers/discounts.js'
import { problem } from '../helpers/problems.js'
import { addToCart, buildShop, createCustomer, placeOrder, sellable, type Cart } from '../helpers/shop.js'

const DAY = 86_400_000
const iso = (offsetMs: number): string => new Date(Date.now() + offsetMs).toISOString()

t.test('a code on the cart: what it takes off each line and the total', async (t) => {
  const harness = await buildShop(t)
  const { api } = harness
  const customer = await createCustomer(harness)
  const lamp = await sellable(harness, 1005, 10, 'Brass Lamp')
  const stool = await sellable(harness, 333, 10, 'Walnut Stool')
  await addToCart(api, customer.headers, lamp.variantId, 1)
  const cart = await addToCart(api, customer.headers, stool.variantId, 3)
  const discount = await createDiscount(harness, { code: uniqueCode('Spring'), percentage: 10 })

  const applied = await api.POST('/api/v1/cart/discount', { headers: customer.headers, body: { code: `  ${discount.code.toLowerCase()}  ` } })
  t.equal(applied.response.status, 200, 'any case, spaces around ignored')
  const [lampLine, stoolLine] = cart.items
  t.same(applied.data?.discount, {
    code: discount.code,
    applies: true,
    reason: null,
    amount: usd(201),
    freeShipping: false,
    lines: [{ lineId: lampLine?.id, amount: usd(101) }, { lineId: stoolLine?.id, amount: usd(100) }]
  }, '10% of each line, rounded half up: 100.5 → 101 and 99.9 → 100')
  t.same(applied.data?.subtotal, usd(2004))
  t.same(applied.data?.total, usd(1803))
  t.same((await api.GET('/api/v1/cart', { headers: customer.headers })).data?.discount, applied.data?.discount, 'kept on the cart')

  const changed = await addToCart(api, customer.headers, stool.variantId, 1)
  t.same(changed.discount?.amount, usd(234), 'priced again with every change: 101 + 133')

  const shipping = await api.GET('/api/v1/cart/shipping-methods', { headers: customer.headers, params: { query: { country: 'US' } } })
  t.same(shipping.data?.items[0]?.total, usd(2337 - 234 + 499), 'the shipping listing totals after the discount')

  const removed = await api.DELETE('/api/v1/cart/discount', { headers: customer.headers })
  t.equal(removed.data?.discount, null)
  t.same(removed.data?.total, usd(2337))
  t.equal((await api.DELETE('/api/v1/cart/discount', { headers: customer.headers })).response.status, 200, 'removing no code is harmless')
})

t.test('a fixed amount larger than the cart takes the cart, never more: the total is 0', async (t) => {
  const harness = await buildShop(t)
  const { api } = harness
  const customer = await createCustomer(harness)
  const lamp = await sellable(harness, 1999, 10)
  const stool = await sellable(harness, 1, 10)
  await addToCart(api, customer.headers, lamp.variantId)
  await addToCart(api, customer.headers, stool.variantId)
  const discount = await createDiscount(harness, { kind: 'FIXED_AMOUNT', percentage: null, amount: usd(50_000) })
  const cart = await applyCode(api, customer.headers, discount.code)
  t.same(cart.discount?.amount, usd(2000))
  t.same(cart.discount?.lines.map((line) => line.amount.amount), [1999, 1])
  t.same(cart.total, usd(0))

  const split = await createDiscount(harness, { kind: 'FIXED_AMOUNT', percentage: null, amount: usd(1000) })
  const splitCart = await applyCode(api, customer.headers, split.code)
  t.same(splitCart.discount?.lines, [{ lineId: splitCart.items[0]?.id, amount: usd(1000) }], 'in proportion, 999.5 and 0.5: the tied odd unit goes to the first line, and a line given nothing is not listed')
  t.equal(splitCart.discount?.lines.reduce((sum, line) => sum + line.amount.amount, 0), 1000, 'the parts add up to the amount')
  t.same(splitCart.total, usd(1000))
})

t.test('why a code does not apply, shown on the cart', async (t) => {
  const harness = await buildShop(t)
  const { api, staff } = harness
  const customer = await createCustomer(harness)
  const shoes = await createCategory(harness, 'Shoes')
  const boots = await createCategory(harness, 'Boots', shoes.id)
  const boot = await createProduct(harness, { name: 'Chelsea Boot', price: 8000, stock: 10, categoryId: boots.id })
  const lamp = await sellable(harness, 2000, 10, 'Brass Lamp')
  const cart = await addToCart(api, customer.headers, lamp.variantId)
  const reasonOf = async (body: Parameters<typeof createDiscount>[1]): Promise<Cart['discount']> => (await applyCode(api, customer.headers, (await createDiscount(harness, body)).code)).discount

  t.match(await reasonOf({ startsAt: iso(DAY) }), { applies: false, reason: 'NOT_STARTED', amount: usd(0), lines: [] })
  t.match(await reasonOf({ startsAt: iso(-2 * DAY), endsAt: iso(-DAY) }), { applies: false, reason: 'EXPIRED' })
  t.match(await reasonOf({ minimumSubtotal: usd(2001) }), { applies: false, reason: 'MINIMUM_NOT_REACHED' })
  t.match(await reasonOf({ minimumSubtotal: usd(2000) }), { applies: true, amount: usd(200) }, 'the minimum itself is enough')
  t.match(await reasonOf({ categoryIds: [shoes.id] }), { applies: false, reason: 'NOTHING_ELIGIBLE' })

  const withBoot = await addToCart(api, customer.headers, boot.variants[0]?.id ?? '')
  t.match(withBoot.discount, { applies: true, amount: usd(800), lines: [{ lineId: withBoot.items[1]?.id, amount: usd(800) }] }, 'a boot is in a subcategory of shoes: only its line is discounted')
  t.same(withBoot.total, usd(10_000 - 800))

  const usedUp = await createDiscount(harness, { usageLimit: 1 })
  const other = await createCustomer(harness)
  await applyCode(api, other.headers, usedUp.code)
  await placeOrder(harness, other, lamp.variantId)
  t.match((await applyCode(api, customer.headers, usedUp.code)).discount, { applies: false, reason: 'USED_UP' }, 'another customer used its only use')

  const once = await createDiscount(harness, { perCustomerLimit: 1 })
  await applyCode(api, customer.headers, once.code)
  await placeOrder(harness, customer, lamp.variantId)
  await addToCart(api, customer.headers, lamp.variantId)
  t.match((await applyCode(api, customer.headers, once.code)).discount, { applies: false, reason: 'ALREADY_USED' }, 'this customer used it already')
  await addToCart(api, other.headers, lamp.variantId)
  t.match((await applyCode(api, other.headers, once.code)).discount, { applies: true }, 'another customer may still')

  const live = await createDiscount(harness)
  await applyCode(api, customer.headers, live.code)
  await api.PATCH('/api/v1/admin/discounts/{id}', { headers: staff, params: { path: { id: live.id } }, body: { active: false } })
  t.match((await api.GET('/api/v1/cart', { headers: customer.headers })).data?.discount, { applies: false, reason: 'INACTIVE' }, 'turned off after it was applied')
  await api.PATCH('/api/v1/admin/discounts/{id}', { headers: staff, params: { path: { id: live.id } }, body: { active: true } })
  await api.DELETE('/api/v1/admin/discounts/{id}', { headers: staff, params: { path: { id: live.id } } })
  t.equal((await api.GET('/api/v1/cart', { headers: customer.headers })).data?.discount, null, 'deleted: the cart holds no code')
  t.ok(cart.id, 'the same cart throughout')
})

t.test('unknown and turned-off codes are refused; a code is applied to guests\' carts and follows them when they sign in', async (t) => {
  const harness = await buildShop(t)
  const { api, staff } = harness
  const customer = await createCustomer(harness)
  const lamp = await sellable(harness, 2000, 10)
  await addToCart(api, customer.headers, lamp.variantId)
  const unknown = await api.POST('/api/v1/cart/discount', { headers: customer.headers, body: { code: 'NO-SUCH-CODE' } })
  t.same(unknown.error, problem(404, 'DISCOUNT_NOT_FOUND', 'No discount code is valid under this name: check its spelling.', '/api/v1/cart/discount'))
  const off = await createDiscount(harness, { active: false })
  const refusedOff = await api.POST('/api/v1/cart/discount', { headers: customer.headers, body: { code: off.code } })
  t.same(refusedOff.error, unknown.error, 'a code turned off is as unknown as one that never existed')
  for (const body of [{}, { code: '' }, { code: 'x'.repeat(65) }, { code: 42 }, { code: 'A', extra: true }]) {
    const { response } = await api.POST('/api/v1/cart/discount', { headers: customer.headers, body: body as never })
    t.equal(response.status, 400, JSON.stringify(body))
  }
  t.equal((await api.GET('/api/v1/cart', { headers: customer.headers })).data?.discount, null, 'refusals left the cart without a code')
  t.equal((await api.POST('/api/v1/cart/discount', { body: { code: off.code } })).response.status, 401, 'neither a token nor a cart token')
  t.equal((await api.POST('/api/v1/cart/discount', { headers: staff, body: { code: off.code } })).response.status, 403, 'staff have no cart')

  const guest = await api.POST('/api/v1/cart')
  const token = { 'x-cart-token': guest.data?.cartToken ?? '' }
  await addToCart(api, token, lamp.variantId, 2)
  const once = await createDiscount(harness, { percentage: 25, perCustomerLimit: 1 })
  const guestCart = await applyCode(api, token, once.code)
  t.match(guestCart.discount, { applies: true, amount: usd(1000) }, 'a guest\'s cart prices the code (the per-customer limit waits for sign-in)')
  t.equal((await api.POST('/api/v1/cart/discount', { headers: { 'x-cart-token': 'unknown' }, body: { code: once.code } })).response.status, 404, 'an unknown cart token')

  const merged = await api.POST('/api/v1/cart/merge', { headers: customer.headers, body: { cartToken: guest.data?.cartToken ?? '' } })
  t.match(merged.data?.discount, { code: once.code, applies: true, amount: usd(1500) }, 'the guest\'s code comes along into a cart without one')
  const own = await createDiscount(harness, { percentage: 5 })
  await applyCode(api, customer.headers, own.code)
  const secondGuest = await api.POST('/api/v1/cart')
  await applyCode(api, { 'x-cart-token': secondGuest.data?.cartToken ?? '' }, once.code)
  const kept = await api.POST('/api/v1/cart/merge', { headers: customer.headers, body: { cartToken: secondGuest.data?.cartToken ?? '' } })
  t.equal(kept.data?.discount?.code, own.code, 'the customer\'s own code is kept over the guest\'s')
})

t.test('free shipping: every method costs nothing for the cart', async (t) => {
  const harness = await buildShop(t)
  const { api } = harness
  const customer = await createCustomer(harness)
  const lamp = await sellable(harness, 2000, 10)
  await addToCart(api, customer.headers, lamp.variantId)
  const discount = await createDiscount(harness, { kind: 'FREE_SHIPPING', percentage: null, minimumSubtotal: usd(1000) })
  const cart = await applyCode(api, customer.headers, discount.code)
  t.same(cart.discount, { code: discount.code, applies: true, reason: null, amount: usd(0), freeShipping: true, lines: [] })
  t.same(cart.total, usd(2000))
  const methods = await api.GET('/api/v1/cart/shipping-methods', { headers: customer.headers, params: { query: { country: 'US' } } })
  t.same(methods.data?.items.map((method) => [method.price, method.total]), [[usd(0), usd(2000)]])
  await api.POST('/api/v1/cart/items', { headers: customer.headers, body: { variantId: lamp.variantId, quantity: 1 } })
  const below = await createDiscount(harness, { kind: 'FREE_SHIPPING', percentage: null, minimumSubtotal: usd(9000) })
  await applyCode(api, customer.headers, below.code)
  const charged = await api.GET('/api/v1/cart/shipping-methods', { headers: customer.headers, params: { query: { country: 'US' } } })
  t.same(charged.data?.items.map((method) => method.price), [usd(499)], 'a code that does not apply leaves shipping charged')
})

t.test('lines no longer sold are not discounted', async (t) => {
  const harness = await buildShop(t)
  const { api, staff } = harness
  const customer = await createCustomer(harness)
  const lamp = await sellable(harness, 2000, 10)
  const stool = await sellable(harness, 1000, 10)
  await addToCart(api, customer.headers, lamp.variantId)
  await addToCart(api, customer.headers, stool.variantId)
  const discount = await createDiscount(harness, { kind: 'FIXED_AMOUNT', percentage: null, amount: usd(2500) })
  await applyCode(api, customer.headers, discount.code)
  await api.PATCH('/api/v1/admin/products/{id}', { headers: staff, params: { path: { id: stool.id } }, body: { status: 'ARCHIVED' } })
  const cart = (await api.GET('/api/v1/cart', { headers: customer.headers })).data
  t.same(cart?.discount?.lines, [{ lineId: cart?.items[0]?.id, amount: usd(2000) }], 'capped at the lamp, the only line sold')
  t.same(cart?.total, usd(0))
})

t.test('each client IP may try DISCOUNT_CODE_ATTEMPTS_PER_IP_PER_HOUR codes an hour', async (t) => {
  const harness = await buildShop(t, { DISCOUNT_CODE_ATTEMPTS_PER_IP_PER_HOUR: '3' })
  const { api } = harness
  const customer = await createCustomer(harness)
  const statuses = []
  for (let attempt = 0; attempt < 4; attempt++) statuses.push((await api.POST('/api/v1/cart/discount', { headers: customer.headers, body: { code: `GUESS-${attempt}` } })).response.status)
  t.same(statuses, [404, 404, 404, 429], 'the fourth guess is refused')
  const limited = await api.POST('/api/v1/cart/discount', { headers: customer.headers, body: { code: 'GUESS-5' } })
  t.equal((limited.error as { code?: string }).code, 'RATE_LIMITED')
  t.ok(Number(limited.response.headers.get('retry-after')) > 0, 'with Retry-After')
})

t.test('an IPv6 client walking through its /64 shares one budget', async (t) => {
  const harness = await buildShop(t, { DISCOUNT_CODE_ATTEMPTS_PER_IP_PER_HOUR: '2' })
  const customer = await createCustomer(harness)
  const attempt = async (remoteAddress: string, index: number) => (await harness.app.inject({ method: 'POST', url: '/api/v1/cart/discount', headers: customer.headers, remoteAddress, payload: { code: `GUESS-${index}` } })).statusCode
  t.same([await attempt('2001:db8:7:1::1', 1), await attempt('2001:db8:7:1::2', 2), await attempt('2001:db8:7:1:ffff::9', 3)], [404, 404, 429], 'three addresses of one /64: the third guess is refused')
  t.equal(await attempt('2001:db8:7:2::1', 4), 404, 'another /64 has its own budget')
})
