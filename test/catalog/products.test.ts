import t from 'tap'
import { bearer, signUpVerified, staffSignIn, uniqueEmail, PASSWORD } from '../helpers/identity.js'
import { buildCatalog, createBrand, createCategory, createProduct, uniqueSku, usd } from '../helpers/catalog.js'
import { concurrently } from '../helpers/concurrency.js'
import { notFound, problem, validationProblem } from '../helpers/problems.js'

const COLOURS = [{ name: 'Colour', values: ['Natural', 'Black'] }]

t.test('a product with options and variants, as staff and the storefront see it', async (t) => {
  const harness = await buildCatalog(t)
  const { api, staff } = harness
  const furniture = await createCategory(harness, 'Furniture')
  const chairs = await createCategory(harness, 'Chairs', furniture.id)
  const brand = await createBrand(harness, 'Nordwood')
  const created = await api.POST('/api/v1/admin/products', {
    headers: staff,
    body: {
      name: '  Oak Dining Chair ',
      description: 'A sturdy chair of solid oak.',
      status: 'ACTIVE',
      categoryId: chairs.id,
      brandId: brand.id,
      tags: ['Solid wood', 'solid WOOD', 'Handmade'],
      attributes: [{ name: 'Material', value: 'Solid oak' }],
      options: COLOURS,
      variants: [
        { sku: 'CHAIR-NAT', optionValues: { Colour: 'Natural' }, price: usd(12900), stock: 4, weightGrams: 6500 },
        { sku: 'CHAIR-BLK', optionValues: { Colour: 'Black' }, price: usd(13900), compareAtPrice: usd(15900), stock: 0 }
      ]
    }
  })
  t.equal(created.response.status, 201)
  const product = created.data!
  t.equal(created.response.headers.get('location'), `/api/v1/admin/products/${product.id}`)
  t.match(created.response.headers.get('etag'), /^"\d+"$/)
  t.match(product, {
    slug: 'oak-dining-chair',
    name: 'Oak Dining Chair',
    status: 'ACTIVE',
    brand: { id: brand.id, slug: 'nordwood', name: 'Nordwood' },
    category: { id: chairs.id, slug: 'chairs' },
    breadcrumbs: [{ id: furniture.id }, { id: chairs.id }],
    tags: ['Solid wood', 'Handmade'],
    options: COLOURS,
    priceRange: { min: usd(12900), max: usd(13900) },
    available: true,
    totalStock: 4,
    unitsSold: 0,
    rating: { average: 0, count: 0 },
    images: []
  })
  t.same(product.variants.map((variant) => [variant.sku, variant.title, variant.optionValues, variant.stock, variant.available]), [
    ['CHAIR-NAT', 'Natural', { Colour: 'Natural' }, 4, true],
    ['CHAIR-BLK', 'Black', { Colour: 'Black' }, 0, false]
  ], 'variants with titles from their option values')
  t.same(product.variants[1]?.compareAtPrice, usd(15900))

  const publicView = await api.GET('/api/v1/products/{idOrSlug}', { params: { path: { idOrSlug: 'oak-dining-chair' } } })
  t.equal(publicView.response.status, 200)
  t.notOk('stock' in (publicView.data?.variants[0] ?? {}), 'the storefront is not told stock levels')
  t.notOk('totalStock' in (publicView.data ?? {}))
  t.same(publicView.data?.variants.map((variant) => variant.available), [true, false])
  const byId = await api.GET('/api/v1/products/{idOrSlug}', { params: { path: { idOrSlug: product.id } } })
  t.same(byId.data, publicView.data, 'by id or by slug, the same product')
})

t.test('option combinations are checked: every option once, known values, no repeats, one default without options', async (t) => {
  const harness = await buildCatalog(t)
  const { api, staff } = harness
  const variant = (optionValues?: Record<string, string>) => ({ sku: uniqueSku(), price: usd(1000), ...(optionValues === undefined ? {} : { optionValues }) })
  const cases: Array<[string, object, string, string]> = [
    ['a missing option value', { options: COLOURS, variants: [variant({})] }, '/body/variants/0/optionValues', 'must give a value for the option Colour'],
    ['an unknown value', { options: COLOURS, variants: [variant({ Colour: 'Red' })] }, '/body/variants/0/optionValues', 'must give Colour one of Natural, Black'],
    ['an unknown option', { options: COLOURS, variants: [variant({ Colour: 'Black', Size: 'M' })] }, '/body/variants/0/optionValues', 'names Size, which is not an option of the product'],
    ['a repeated combination', { options: COLOURS, variants: [variant({ Colour: 'Black' }), variant({ Colour: 'Black' })] }, '/body/variants/1/optionValues', 'repeats the option values of variant 0'],
    ['option values without options', { variants: [variant({ Colour: 'Black' })] }, '/body/variants/0/optionValues', 'must be empty: the product has no options'],
    ['two variants without options', { variants: [variant(), variant()] }, '/body/variants', 'must hold exactly one variant, the default, for a product without options'],
    ['two options of one name', { options: [...COLOURS, { name: 'colour', values: ['Red'] }], variants: [variant({ Colour: 'Black' })] }, '/body/options/1/name', 'repeats the name of another option'],
    ['another currency', { variants: [{ sku: uniqueSku(), price: { amount: 1000, currency: 'EUR' } }] }, '/body/variants/0/price/currency', "must be the shop's currency, USD"],
    ['a compare-at price below the price', { variants: [{ ...variant(), compareAtPrice: usd(900) }] }, '/body/variants/0/compareAtPrice', 'must be higher than the price'],
    ['one SKU twice', { options: COLOURS, variants: [{ sku: 'TWICE', price: usd(1), optionValues: { Colour: 'Natural' } }, { sku: 'twice', price: usd(1), optionValues: { Colour: 'Black' } }] }, '/body/variants/1/sku', 'repeats the SKU of variant 0'],
    ['a reserved slug', { slug: 'search', variants: [variant()] }, '/body/slug', 'is reserved']
  ]
  for (const [name, body, pointer, detail] of cases) {
    const { response, error } = await api.POST('/api/v1/admin/products', { headers: staff, body: { name: 'Checked', ...body } as never })
    t.equal(response.status, 400, name)
    t.same(error, validationProblem('/api/v1/admin/products', [{ pointer, detail }]), `${name}: ${detail}`)
  }
  const malformed = await api.POST('/api/v1/admin/products', { headers: staff, body: { name: 'X', variants: [{ sku: 'has space', price: usd(1) }], extra: true } as never })
  t.equal(malformed.response.status, 400, 'SKU shape and unknown properties are schema errors')
  t.same(malformed.error?.errors?.map((item) => item.pointer).sort(), ['/body/extra', '/body/variants/0/sku'])
  const [row] = await harness.app.orm.em.fork().execute<Array<{ count: string }>>('select count(*) from products')
  t.equal(Number(row?.count), 0, 'no refused request wrote anything')
})

t.test('SKUs and slugs are unique: a clear 409, whatever the concurrency and the letter case', async (t) => {
  const harness = await buildCatalog(t)
  const { api, staff } = harness
  const first = await createProduct(harness, { name: 'Lamp', variants: [{ sku: 'LAMP-1', price: usd(5000) }] })
  t.equal(first.slug, 'lamp')
  const again = await createProduct(harness, { name: 'Lamp' })
  t.equal(again.slug, 'lamp-2', 'a generated slug gets a number when taken')

  const sameSku = await api.POST('/api/v1/admin/products', { headers: staff, body: { name: 'Other', variants: [{ sku: 'lamp-1', price: usd(1) }] } })
  t.equal(sameSku.response.status, 409)
  t.same(sameSku.error, problem(409, 'SKU_TAKEN', 'Another variant already has this SKU.', '/api/v1/admin/products'))
  const sameSlug = await api.POST('/api/v1/admin/products', { headers: staff, body: { name: 'Other', slug: 'lamp', variants: [{ sku: uniqueSku(), price: usd(1) }] } })
  t.same(sameSlug.error, problem(409, 'SLUG_TAKEN', 'Another resource of this kind already has this slug; choose another.', '/api/v1/admin/products'))

  const racers = await concurrently(6, async (index) => await api.POST('/api/v1/admin/products', {
    headers: staff,
    body: { name: `Racer ${index}`, slug: 'the-one-slug', variants: [{ sku: `RACE-${index}`, price: usd(100) }] }
  }))
  t.same(racers.map((racer) => racer.response.status).sort(), [201, 409, 409, 409, 409, 409], 'one slug, one winner, clean 409s')
  t.ok(racers.filter((racer) => racer.response.status === 409).every((racer) => racer.error?.code === 'SLUG_TAKEN'))

  const skuRacers = await concurrently(6, async (index) => await api.POST('/api/v1/admin/products', {
    headers: staff,
    body: { name: `Sku racer ${index}`, variants: [{ sku: index % 2 === 0 ? 'SHARED-SKU' : 'shared-sku', price: usd(100) }] }
  }))
  t.same(skuRacers.map((racer) => racer.response.status).sort(), [201, 409, 409, 409, 409, 409], 'one SKU, one winner')
  t.ok(skuRacers.filter((racer) => racer.response.status === 409).every((racer) => racer.error?.code === 'SKU_TAKEN'))
})

t.test('the storefront sees ACTIVE products only; staff see every status; old slugs keep resolving', async (t) => {
  const harness = await buildCatalog(t)
  const { api, staff } = harness
  const draft = await createProduct(harness, { name: 'Draft Desk', status: 'DRAFT' })
  const archived = await createProduct(harness, { name: 'Archived Desk', status: 'ARCHIVED' })
  for (const product of [draft, archived]) {
    const hidden = await api.GET('/api/v1/products/{idOrSlug}', { params: { path: { idOrSlug: product.slug } } })
    t.same(hidden.error, notFound(`/api/v1/products/${product.slug}`), `${product.status} is not found by the public`)
    const seen = await api.GET('/api/v1/admin/products/{id}', { headers: staff, params: { path: { id: product.id } } })
    t.equal(seen.data?.status, product.status, 'staff see it')
  }
  const list = await api.GET('/api/v1/admin/products', { headers: staff, params: { query: { status: 'DRAFT' } } })
  t.same(list.data?.items.map((item) => item.id), [draft.id])

  const published = await api.PATCH('/api/v1/admin/products/{id}', { headers: staff, params: { path: { id: draft.id } }, body: { status: 'ACTIVE', slug: 'standing-desk' } })
  t.equal(published.data?.slug, 'standing-desk')
  for (const slug of ['draft-desk', 'standing-desk']) {
    const found = await api.GET('/api/v1/products/{idOrSlug}', { params: { path: { idOrSlug: slug } } })
    t.equal(found.data?.id, draft.id, `${slug} finds the product`)
    t.equal(found.data?.slug, 'standing-desk', 'and answers with the current slug')
  }
  const stolen = await api.PATCH('/api/v1/admin/products/{id}', { headers: staff, params: { path: { id: archived.id } }, body: { slug: 'draft-desk' } })
  t.equal(stolen.error?.code, 'SLUG_TAKEN', "another product's former slug stays its own")
  const back = await api.PATCH('/api/v1/admin/products/{id}', { headers: staff, params: { path: { id: draft.id } }, body: { slug: 'draft-desk' } })
  t.equal(back.data?.slug, 'draft-desk', 'a product may take back its own former slug')
  for (const idOrSlug of ['no-such-product', '01900000-0000-7000-8000-000000000000', 'Not A Slug!']) {
    const missing = await api.GET('/api/v1/products/{idOrSlug}', { params: { path: { idOrSlug } } })
    t.equal(missing.response.status, 404, `${idOrSlug}: 404`)
  }
})

t.test('concurrent edits are guarded: a stale If-Match is a 412 and changes nothing', async (t) => {
  const harness = await buildCatalog(t)
  const { api, staff } = harness
  const created = await api.POST('/api/v1/admin/products', { headers: staff, body: { name: 'Sofa', status: 'ACTIVE', variants: [{ sku: uniqueSku(), price: usd(50000) }] } })
  const id = created.data!.id
  const tag = created.response.headers.get('etag')!
  const edits = await concurrently(3, async (index) => await api.PATCH('/api/v1/admin/products/{id}', { headers: { ...staff, 'if-match': tag }, params: { path: { id } }, body: { name: `Sofa ${index}` } }))
  t.same(edits.map((edit) => edit.response.status).sort(), [200, 412, 412])
  const stale = edits.find((edit) => edit.response.status === 412)
  t.same(stale?.error, problem(412, 'PRECONDITION_FAILED', 'The resource has changed since the version named in If-Match; fetch it again and reapply the change.', `/api/v1/admin/products/${id}`))
  const current = await api.GET('/api/v1/admin/products/{id}', { headers: staff, params: { path: { id } } })
  t.equal(current.data?.name, edits.find((edit) => edit.response.status === 200)?.data?.name)
  t.not(current.response.headers.get('etag'), tag, 'the version moved')

  const variant = current.data!.variants[0]!
  const priced = await api.PATCH('/api/v1/admin/products/{id}/variants/{variantId}', { headers: { ...staff, 'if-match': `"${variant.version}"` }, params: { path: { id, variantId: variant.id } }, body: { price: usd(45000) } })
  t.equal(priced.response.status, 200)
  const stalePrice = await api.PATCH('/api/v1/admin/products/{id}/variants/{variantId}', { headers: { ...staff, 'if-match': `"${variant.version}"` }, params: { path: { id, variantId: variant.id } }, body: { price: usd(1) } })
  t.equal(stalePrice.response.status, 412, "a variant's version guards it the same way")
  const after = await api.GET('/api/v1/products/{idOrSlug}', { params: { path: { idOrSlug: id } } })
  t.same(after.data?.priceRange, { min: usd(45000), max: usd(45000) }, 'the price range follows the variant')
})

t.test('variants: add, change, remove, and never the last one', async (t) => {
  const harness = await buildCatalog(t)
  const { api, staff } = harness
  const product = await createProduct(harness, { name: 'Mug', options: [{ name: 'Colour', values: ['White', 'Blue', 'Green'] }], variants: [{ sku: 'MUG-W', optionValues: { Colour: 'White' }, price: usd(900) }] })
  const params = { path: { id: product.id } }
  const blue = await api.POST('/api/v1/admin/products/{id}/variants', { headers: staff, params, body: { sku: 'MUG-B', optionValues: { Colour: 'Blue' }, price: usd(1100), stock: 3 } })
  t.equal(blue.response.status, 201)
  t.equal(blue.response.headers.get('location'), `/api/v1/admin/products/${product.id}/variants/${blue.data!.id}`)
  const repeat = await api.POST('/api/v1/admin/products/{id}/variants', { headers: staff, params, body: { sku: 'MUG-B2', optionValues: { Colour: 'Blue' }, price: usd(1100) } })
  t.same(repeat.error?.errors, [{ pointer: '/body/optionValues', detail: 'repeats the option values of another variant' }])
  const takenSku = await api.POST('/api/v1/admin/products/{id}/variants', { headers: staff, params, body: { sku: 'mug-w', optionValues: { Colour: 'Green' }, price: usd(1100) } })
  t.equal(takenSku.error?.code, 'SKU_TAKEN')
  const renamed = await api.PATCH('/api/v1/admin/products/{id}/variants/{variantId}', { headers: staff, params: { path: { id: product.id, variantId: blue.data!.id } }, body: { optionValues: { Colour: 'Green' }, title: 'Sea green' } })
  t.match(renamed.data, { optionValues: { Colour: 'Green' }, title: 'Sea green', stock: 3 })
  const withStock = await api.PATCH('/api/v1/admin/products/{id}/variants/{variantId}', { headers: staff, params: { path: { id: product.id, variantId: blue.data!.id } }, body: { stock: 100 } as never })
  t.same(withStock.error?.errors, [{ pointer: '/body/stock', detail: 'must NOT have additional properties' }], 'stock changes go through stock adjustments')
  const narrowed = await api.PATCH('/api/v1/admin/products/{id}', { headers: staff, params, body: { options: [{ name: 'Colour', values: ['White'] }] } })
  t.same(narrowed.error, problem(409, 'VARIANTS_DO_NOT_MATCH_OPTIONS', 'Variant MUG-B would no longer have a valid value for every option; change its option values first.', `/api/v1/admin/products/${product.id}`))
  const widened = await api.PATCH('/api/v1/admin/products/{id}', { headers: staff, params, body: { options: [{ name: 'Colour', values: ['White', 'Green', 'Red'] }] } })
  t.equal(widened.response.status, 200, 'options may gain values, and lose unused ones')

  t.equal((await api.DELETE('/api/v1/admin/products/{id}/variants/{variantId}', { headers: staff, params: { path: { id: product.id, variantId: blue.data!.id } } })).response.status, 204)
  const last = product.variants[0]!
  const refused = await api.DELETE('/api/v1/admin/products/{id}/variants/{variantId}', { headers: staff, params: { path: { id: product.id, variantId: last.id } } })
  t.same(refused.error, problem(409, 'LAST_VARIANT', 'A product keeps at least one variant; delete or archive the product instead.', `/api/v1/admin/products/${product.id}/variants/${last.id}`))
  const other = await createProduct(harness, { name: 'Other' })
  const foreign = await api.DELETE('/api/v1/admin/products/{id}/variants/{variantId}', { headers: staff, params: { path: { id: other.id, variantId: last.id } } })
  t.equal(foreign.response.status, 404, 'a variant is only found under its own product')
})

t.test('staff operations: customers and the anonymous are refused, moderators edit, only admins delete', async (t) => {
  const harness = await buildCatalog(t)
  const { api, staff } = harness
  const product = await createProduct(harness, { name: 'Guarded' })
  const customer = bearer(await signUpVerified(harness))
  const moderatorEmail = uniqueEmail('moderator')
  await api.POST('/api/v1/admin/staff', { headers: staff, body: { email: moderatorEmail, name: 'Mo', role: 'MODERATOR' } })
  const temporary = /\n([\w-]{20})\n?$/.exec((await harness.smtp.nextMessage(moderatorEmail)).text ?? '')?.[1] ?? ''
  const first = await staffSignIn(harness, moderatorEmail, temporary)
  await api.POST('/api/v1/auth/password/change', { headers: bearer(first), body: { currentPassword: temporary, newPassword: PASSWORD } })
  const moderator = bearer(await staffSignIn(harness, moderatorEmail, PASSWORD))

  const anonymous = await api.GET('/api/v1/admin/products')
  t.equal(anonymous.response.status, 401)
  const asCustomer = await api.POST('/api/v1/admin/products', { headers: customer, body: { name: 'Nope', variants: [{ sku: uniqueSku(), price: usd(1) }] } })
  t.equal(asCustomer.response.status, 401, 'a customer token is not a staff token')
  const edited = await api.PATCH('/api/v1/admin/products/{id}', { headers: moderator, params: { path: { id: product.id } }, body: { name: 'Edited by a moderator' } })
  t.equal(edited.response.status, 200)
  const moderatorDelete = await api.DELETE('/api/v1/admin/products/{id}', { headers: moderator, params: { path: { id: product.id } } })
  t.equal(moderatorDelete.response.status, 403, 'deleting is for admins')
  const deleted = await api.DELETE('/api/v1/admin/products/{id}', { headers: staff, params: { path: { id: product.id } } })
  t.equal(deleted.response.status, 204)
  t.equal((await api.GET('/api/v1/admin/products/{id}', { headers: staff, params: { path: { id: product.id } } })).response.status, 404, 'gone, with its variants')
  const [row] = await harness.app.orm.em.fork().execute<Array<{ count: string }>>('select count(*) from variants where product_id = ?', [product.id])
  t.equal(Number(row?.count), 0)
})

t.test('unknown references are 404s; tags compare case-insensitively and keep their first spelling', async (t) => {
  const harness = await buildCatalog(t)
  const { api, staff } = harness
  const unknown = '01900000-0000-7000-8000-000000000000'
  for (const field of ['categoryId', 'brandId'] as const) {
    const missing = await api.POST('/api/v1/admin/products', { headers: staff, body: { name: 'Lost', [field]: unknown, variants: [{ sku: uniqueSku(), price: usd(1) }] } })
    t.same(missing.error, notFound('/api/v1/admin/products'), `an unknown ${field}`)
  }
  const first = await createProduct(harness, { name: 'Tagged', tags: ['Eco Friendly'] })
  const second = await createProduct(harness, { name: 'Tagged too', tags: ['ECO FRIENDLY', 'New'] })
  t.same(first.tags, ['Eco Friendly'])
  t.same(second.tags, ['Eco Friendly', 'New'], 'the tag as first written')
  const patched = await api.PATCH('/api/v1/admin/products/{id}', { headers: staff, params: { path: { id: unknown } }, body: { name: 'Ghost' } })
  t.equal(patched.response.status, 404)
})
