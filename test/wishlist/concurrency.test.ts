import t from 'tap'
import { WISHLIST_MAX_ITEMS } from '../../modules/wishlist/wishlist.service.js'
import { buildCatalog, createProduct } from '../helpers/catalog.js'
import { concurrently } from '../helpers/concurrency.js'
import { problem } from '../helpers/problems.js'
import { createCustomer, secondInstance } from '../helpers/shop.js'
import { bulkProducts, fillWishlist, remove, save, savedRows, WISHLIST, wholeWishlist } from '../helpers/wishlist.js'

t.test('one product saved by many requests at once, on two instances: one row, one 201, the rest 200 with the same item', async (t) => {
  const harness = await buildCatalog(t)
  const other = await secondInstance(t, harness)
  const customer = await createCustomer(harness)
  const chair = await createProduct(harness, { name: 'Contested Chair' })
  const answers = await concurrently(16, async (index) => {
    const api = index % 2 === 0 ? harness.api : other.api
    const { data, error, response } = await api.PUT('/api/v1/me/wishlist/{productId}', { headers: customer.headers, params: { path: { productId: chair.id } } })
    if (data === undefined) throw new Error(`save ${index} answered ${response.status}: ${JSON.stringify(error)}`)
    return { status: response.status, item: data }
  })
  t.same(answers.map((answer) => answer.status).sort(), [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 201], 'one save made it, the others found it')
  t.equal(new Set(answers.map((answer) => answer.item.addedAt)).size, 1, 'every answer names the same item')
  t.same(await savedRows(harness.app, customer.id), [chair.id], 'one row')

  const [saved, removed] = await Promise.all([save(harness.api, customer.headers, chair.id), remove(other.api, customer.headers, chair.id)])
  t.ok([200, 201].includes(saved.status), 'a save racing a removal answers normally')
  t.equal(removed, 204)
  t.ok((await savedRows(harness.app, customer.id)).length <= 1)
})

t.test(`a wishlist holds ${WISHLIST_MAX_ITEMS} products, exactly, however many are saved at once`, async (t) => {
  const harness = await buildCatalog(t)
  const { api, app } = harness
  const other = await secondInstance(t, harness)
  const customer = await createCustomer(harness)
  const neighbour = await createCustomer(harness)
  const saved = await bulkProducts(harness, WISHLIST_MAX_ITEMS - 2)
  await fillWishlist(harness, customer.id, saved)
  const contenders = await bulkProducts(harness, 10)

  const answers = await concurrently(contenders.length, async (index) => {
    const client = index % 2 === 0 ? api : other.api
    const productId = contenders[index]!
    const { data, error, response } = await client.PUT('/api/v1/me/wishlist/{productId}', { headers: customer.headers, params: { path: { productId } } })
    return { status: response.status, productId, data, error }
  })
  const added = answers.filter((answer) => answer.status === 201)
  const refused = answers.filter((answer) => answer.status === 409)
  t.equal(added.length, 2, 'two fit')
  t.equal(refused.length, 8, 'the other eight are refused')
  for (const answer of refused) {
    t.same(answer.error, {
      ...problem(409, 'WISHLIST_FULL', `A wishlist holds at most ${WISHLIST_MAX_ITEMS} products; remove one first.`, `${WISHLIST}/${answer.productId}`),
      limit: WISHLIST_MAX_ITEMS
    })
  }
  const rows = await savedRows(app, customer.id)
  t.equal(rows.length, WISHLIST_MAX_ITEMS, `exactly ${WISHLIST_MAX_ITEMS} rows`)
  t.same(rows.slice(-2).sort(), added.map((answer) => answer.productId).sort(), 'the two that fit are the newest')

  const already = await save(api, customer.headers, saved[0]!)
  t.equal(already.status, 200, 'a full wishlist still answers 200 for a product already in it')
  t.equal((await save(api, neighbour.headers, contenders[0]!)).status, 201, "another customer's wishlist has its own limit")

  const listed = await wholeWishlist(api, customer.headers)
  t.equal(listed.length, WISHLIST_MAX_ITEMS, 'all of them are listed, page after page')
  t.same(listed.slice(0, 2).map((item) => item.productId).sort(), added.map((answer) => answer.productId).sort())
  t.same(listed.slice(2).map((item) => item.productId), [...saved].reverse(), 'newest first')
  t.same(new Set(listed.map((item) => item.availability)), new Set(['OUT_OF_STOCK']), 'products without variants have no stock')

  t.equal(await remove(api, customer.headers, saved[0]!), 204)
  const [late] = refused
  if (late === undefined) throw new Error('nothing was refused')
  t.equal((await save(other.api, customer.headers, late.productId)).status, 201, 'once one is removed, another fits')
  const full = await api.PUT('/api/v1/me/wishlist/{productId}', { headers: customer.headers, params: { path: { productId: refused[1]!.productId } } })
  t.equal(full.response.status, 409, 'and then it is full again')
  t.equal((await savedRows(app, customer.id)).length, WISHLIST_MAX_ITEMS)
})
