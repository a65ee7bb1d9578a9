import t from 'tap'
import { buildCatalog, createProduct, uniqueSku, usd, type CatalogHarness } from '../helpers/catalog.js'
import { createCustomer, idempotencyKey } from '../helpers/shop.js'
import { save, wholeWishlist, type Headers, type WishlistItem } from '../helpers/wishlist.js'

async function setStock (harness: CatalogHarness, variantId: string, setTo: number): Promise<void> {
  const { response, error } = await harness.api.POST('/api/v1/admin/variants/{id}/stock-adjustments', {
    headers: { ...harness.staff, 'idempotency-key': idempotencyKey() },
    params: { path: { id: variantId } },
    body: { setTo, reason: 'Stocktake' }
  })
  if (response.status !== 201 && response.status !== 200) throw new Error(`setting stock answered ${response.status}: ${JSON.stringify(error)}`)
}

async function setPrice (harness: CatalogHarness, productId: string, variantId: string, amount: number): Promise<void> {
  const { response, error } = await harness.api.PATCH('/api/v1/admin/products/{id}/variants/{variantId}', {
    headers: harness.staff,
    params: { path: { id: productId, variantId } },
    body: { price: usd(amount) }
  })
  if (response.status !== 200) throw new Error(`changing the price answered ${response.status}: ${JSON.stringify(error)}`)
}

async function onlyItem (harness: CatalogHarness, headers: Headers): Promise<WishlistItem> {
  const items = await wholeWishlist(harness.api, headers)
  if (items.length !== 1 || items[0] === undefined) throw new Error(`expected one item, got ${items.length}`)
  return items[0]
}

t.test('a saved product shows its current price range and stock, as staff change its variants', async (t) => {
  const harness = await buildCatalog(t)
  const { api } = harness
  const customer = await createCustomer(harness)
  const shirt = await createProduct(harness, {
    name: 'Linen Shirt',
    options: [{ name: 'Size', values: ['S', 'M'] }],
    variants: [
      { sku: uniqueSku('SHIRT'), optionValues: { Size: 'S' }, price: usd(3000), stock: 1 },
      { sku: uniqueSku('SHIRT'), optionValues: { Size: 'M' }, price: usd(3500), stock: 0 }
    ]
  })
  const [small, medium] = shirt.variants
  if (small === undefined || medium === undefined) throw new Error('no variants')
  const saved = await save(api, customer.headers, shirt.id)
  t.same([saved.status, saved.item.availability, saved.item.product.available, saved.item.product.priceRange], [201, 'AVAILABLE', true, { min: usd(3000), max: usd(3500) }])

  const browsed = async (): Promise<WishlistItem['product'] | undefined> =>
    (await api.GET('/api/v1/products', { params: { query: { limit: 100 } } })).data?.items.find((product) => product.id === shirt.id)

  await setPrice(harness, shirt.id, medium.id, 5200)
  let item = await onlyItem(harness, customer.headers)
  t.same(item.product.priceRange, { min: usd(3000), max: usd(5200) }, 'a raised price widens the range')
  t.same(item.product, await browsed(), 'exactly as browsing shows it')

  await setPrice(harness, shirt.id, small.id, 2400)
  item = await onlyItem(harness, customer.headers)
  t.same(item.product.priceRange, { min: usd(2400), max: usd(5200) }, 'a lowered price lowers the range')

  await setStock(harness, small.id, 0)
  item = await onlyItem(harness, customer.headers)
  t.same([item.availability, item.product.available], ['OUT_OF_STOCK', false], 'no variant in stock: out of stock, still listed')
  t.same(item.product, await browsed(), 'browsing agrees')

  await setStock(harness, medium.id, 3)
  item = await onlyItem(harness, customer.headers)
  t.same([item.availability, item.product.available], ['AVAILABLE', true], 'any variant back in stock makes it available again')
  t.equal(item.addedAt, saved.item.addedAt, 'none of this changes when it was saved')

  await setStock(harness, medium.id, 0)
  const again = await save(api, customer.headers, shirt.id)
  t.same([again.status, again.item.availability], [200, 'OUT_OF_STOCK'], 'saving answers the current availability too')
})

t.test('an out-of-stock product can be saved: it is on sale, and may come back', async (t) => {
  const harness = await buildCatalog(t)
  const customer = await createCustomer(harness)
  const vase = await createProduct(harness, { name: 'Sold-out Vase', price: 1800, stock: 0 })
  const saved = await save(harness.api, customer.headers, vase.id)
  t.same([saved.status, saved.item.availability, saved.item.product.available, saved.item.product.priceRange], [201, 'OUT_OF_STOCK', false, { min: usd(1800), max: usd(1800) }])
  const variantId = vase.variants[0]?.id
  if (variantId === undefined) throw new Error('no variant')
  await setStock(harness, variantId, 5)
  t.equal((await onlyItem(harness, customer.headers)).availability, 'AVAILABLE')
})
