import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import type { ParsedMail } from 'mailparser'
import { startSmtpCatcher, type SmtpCatcher } from '../helpers/smtp.js'
import { addToCart, buildShop, checkoutBody, createCustomer, createCustomers, idempotencyKey, placeOrder, secondInstance, sellable, type ShopHarness } from '../helpers/shop.js'
import { deliverOrder, markDelivered, moveOrder, shipItems } from '../helpers/fulfilment.js'

const SHOP = { SHOP_NAME: 'Walnut & Co', STOREFRONT_URL: 'https://shop.example.com/' }

/** The messages to `to` received so far, after a pause long enough for any duplicate to arrive too. */
async function settledMessagesTo (smtp: SmtpCatcher, to: string): Promise<ParsedMail[]> {
  await sleep(1500)
  return smtp.messages.filter((_, index) => smtp.recipients[index]?.includes(to.toLowerCase()))
}

async function decideReturn (harness: ShopHarness, orderId: string, itemId: string, headers: Record<string, string>, status: 'RETURNED' | 'DELIVERED', note: string) {
  const asked = await harness.api.POST('/api/v1/orders/{id}/return-requests', { headers: { ...headers, 'idempotency-key': idempotencyKey() }, params: { path: { id: orderId } }, body: { items: [{ orderItemId: itemId, quantity: 1 }], reason: 'Too small' } })
  if (asked.response.status !== 201) throw new Error(`return request failed: ${JSON.stringify(asked.error)}`)
  const decided = await harness.api.PATCH('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id: orderId } }, body: { status, note } })
  if (decided.response.status !== 200) throw new Error(`return decision failed: ${JSON.stringify(decided.error)}`)
}

t.test('the customer hears about every step of an order, in text and HTML, with the shop name and storefront links', async (t) => {
  const harness = await buildShop(t, SHOP)
  const customer = await createCustomer(harness)
  const stool = await sellable(harness, 2500, 10, 'Walnut Stool <Deluxe>')
  const order = await placeOrder(harness, customer, stool.variantId, 2)

  const placed = await harness.smtp.nextMessage(customer.email)
  t.equal(placed.subject, `Thank you for your order (order ${order.number})`)
  const text = placed.text ?? ''
  t.match(text, 'Hello Test Customer,')
  t.match(text, `We have received your order ${order.number}. You pay $54.99 in cash on delivery.`)
  t.match(text, /2 × Walnut Stool <Deluxe>\s+\$50\.00/)
  t.match(text, /Subtotal\s+\$50\.00/)
  t.match(text, /Shipping \(Standard\)\s+\$4\.99/)
  t.match(text, /Total\s+\$54\.99/)
  t.match(text, 'Ada Lovelace\n1 Analytical Way\n12345 Springfield\nUS')
  t.match(text, `Your order: https://shop.example.com/orders/${order.id}`, 'links are built from STOREFRONT_URL (its trailing slash dropped)')
  t.match(text, '— Walnut & Co')
  const html = placed.html === false ? '' : placed.html
  t.match(html, 'Walnut Stool &#60;Deluxe&#62;', 'names are escaped in the HTML part')
  t.match(html, `<a href="https://shop.example.com/orders/${order.id}">Your order</a>`)
  t.match(html, '— Walnut &#38; Co')
  t.notMatch(html, '<Deluxe>')

  await moveOrder(harness, order.id, 'CONFIRMED')
  t.match(await harness.smtp.nextMessage(customer.email), { subject: `Your order is confirmed (order ${order.number})`, text: /is confirmed, and we are preparing it/ })
  const parcel = await shipItems(harness, order.id, undefined, harness.staff, { service: 'DHL Express', trackingNumber: '00340434161094042557', trackingUrl: 'https://www.dhl.com/track?id=00340434161094042557', note: 'Handle with care' })
  const shippedMail = await harness.smtp.nextMessage(customer.email)
  t.match(shippedMail, { subject: `Your order is on its way (order ${order.number})`, text: /has shipped to Springfield\.[\s\S]*Note from the shop: Handle with care/ })
  t.match(shippedMail.text, /DHL Express[\s\S]*00340434161094042557/, 'the parcel and its tracking number')
  t.match(shippedMail.text, 'https://www.dhl.com/track?id=00340434161094042557', 'and where to follow it')
  await markDelivered(harness, parcel.id)
  t.match(await harness.smtp.nextMessage(customer.email), { subject: `Your order was delivered (order ${order.number})`, text: /ask to return items within 14 days/ })

  const item = order.items[0]?.id ?? ''
  await decideReturn(harness, order.id, item, customer.headers, 'DELIVERED', 'Worn, cannot be resold')
  t.match(await harness.smtp.nextMessage(customer.email), { subject: `Your return request was declined (order ${order.number})`, text: /Note from the shop: Worn, cannot be resold/ })
  await decideReturn(harness, order.id, item, customer.headers, 'RETURNED', 'Refund follows')
  const accepted = await harness.smtp.nextMessage(customer.email)
  t.match(accepted, { subject: `Your return is accepted (order ${order.number})` })
  t.match(accepted.text, /1 × Walnut Stool <Deluxe>\s+returned/)

  const all = await settledMessagesTo(harness.smtp, customer.email)
  t.same(all.map((mail) => mail.subject?.replace(/ \(order \d+\)$/, '')), [
    'Thank you for your order', 'Your order is confirmed', 'Your order is on its way', 'Your order was delivered',
    'Your return request was declined', 'Your return is accepted'
  ], 'one email per step, none for asking to return')
})

t.test('a cancellation says who cancelled and why', async (t) => {
  const harness = await buildShop(t, SHOP)
  const customer = await createCustomer(harness)
  const product = await sellable(harness)
  const mine = await placeOrder(harness, customer, product.variantId)
  const theirs = await placeOrder(harness, customer, product.variantId)
  await harness.smtp.nextMessage(customer.email)
  await harness.smtp.nextMessage(customer.email)

  const cancelled = await harness.api.POST('/api/v1/orders/{id}/cancel', { headers: customer.headers, params: { path: { id: mine.id } }, body: { reason: 'Found it cheaper' } })
  t.equal(cancelled.response.status, 200)
  t.match(await harness.smtp.nextMessage(customer.email), { subject: `Your order was cancelled (order ${mine.number})`, text: /is cancelled, as you asked\.\n\nReason: Found it cheaper/ })
  const byShop = await harness.api.PATCH('/api/v1/admin/orders/{id}', { headers: harness.staff, params: { path: { id: theirs.id } }, body: { status: 'CANCELLED', note: 'Out of stock at the warehouse' } })
  t.equal(byShop.response.status, 200)
  const mail = await harness.smtp.nextMessage(customer.email)
  t.match(mail, { subject: `Your order was cancelled (order ${theirs.number})`, text: /we had to cancel your order [\s\S]*Reason: Out of stock at the warehouse/ })
  t.notMatch(mail.text, 'refunded', 'nothing was paid, so no refund is promised')
})

t.test('with the mail server down an order is placed; its email arrives once the server is back, exactly once', async (t) => {
  const harness = await buildShop(t, { OUTBOX_RETRY_DELAY_SECONDS: '1' })
  const customer = await createCustomer(harness)
  const product = await sellable(harness)
  const port = Number(new URL(harness.smtp.url).port)
  await harness.smtp.stop()
  const order = await placeOrder(harness, customer, product.variantId)
  await sleep(2500)
  const back = await startSmtpCatcher(t, port)
  const mail = await back.nextMessage(customer.email, 30_000)
  t.equal(mail.subject, `Thank you for your order (order ${order.number})`)
  t.equal((await settledMessagesTo(back, customer.email)).length, 1, 'exactly once')
})

t.test('a checkout that is refused, or rolled back, sends nothing', async (t) => {
  const harness = await buildShop(t)
  const customer = await createCustomer(harness)
  const product = await sellable(harness)
  await addToCart(harness.api, customer.headers, product.variantId)
  const body = await checkoutBody(harness, customer)
  const refused = await harness.api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body: { ...body, expectedTotal: { ...body.expectedTotal, amount: body.expectedTotal.amount + 1 } } })
  t.equal(refused.response.status, 409)
  const placed = await harness.api.POST('/api/v1/checkout', { headers: { ...customer.headers, 'idempotency-key': idempotencyKey() }, body })
  t.equal(placed.response.status, 201)
  const mails = await settledMessagesTo(harness.smtp, customer.email)
  t.same(mails.map((mail) => mail.subject), [`Thank you for your order (order ${placed.data?.number ?? ''})`], 'only the order that was placed is announced')
})

t.test('with two instances on one database, each order email is sent once', async (t) => {
  const harness = await buildShop(t)
  const other = await secondInstance(t, harness, { SMTP_URL: harness.smtp.url })
  const customers = await createCustomers(harness, 8)
  const product = await sellable(harness, 1000, 100)
  await Promise.all(customers.map(async (customer, index) => {
    const through = index % 2 === 0 ? harness : { ...harness, app: other.app, api: other.api }
    await placeOrder(through, customer, product.variantId)
  }))
  for (const customer of customers) await harness.smtp.nextMessage(customer.email, 10_000)
  await sleep(1500)
  for (const customer of customers) {
    const to = smtpCount(harness.smtp, customer.email)
    t.equal(to, 1, `one email to ${customer.email}`)
  }
  await deliverOrderEmailCheck(t, harness, customers[0]?.email ?? '')
})

function smtpCount (smtp: SmtpCatcher, to: string): number {
  return smtp.recipients.filter((recipients) => recipients.includes(to.toLowerCase())).length
}

/** The staff side of the same run: a delivered order's email goes once, too. */
async function deliverOrderEmailCheck (t: Test, harness: ShopHarness, email: string): Promise<void> {
  const { data } = await harness.api.GET('/api/v1/admin/orders', { headers: harness.staff, params: { query: { limit: 100 } } })
  const order = data?.items.find((item) => item.customer.email === email)
  if (order === undefined) throw new Error('no order of that customer')
  await deliverOrder(harness, order.id)
  await sleep(1500)
  t.equal(smtpCount(harness.smtp, email), 4, 'placed, confirmed, shipped, delivered: one each')
}
