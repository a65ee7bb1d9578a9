import t from 'tap'
import { bearer, signUpVerified } from '../helpers/identity.js'
import { buildCatalog, createBrand, createProduct } from '../helpers/catalog.js'
import { notFound, problem } from '../helpers/problems.js'

t.test('brands: create, read by id or slug, change, in name order with stable pages', async (t) => {
  const harness = await buildCatalog(t)
  const { api, staff } = harness
  const created = await api.POST('/api/v1/admin/brands', { headers: staff, body: { name: 'Kōbō Works', description: 'Japanese ceramics.', logoUrl: 'https://cdn.example.com/kobo.png' } })
  t.equal(created.response.status, 201)
  t.equal(created.response.headers.get('location'), `/api/v1/admin/brands/${created.data!.id}`)
  t.match(created.data, { slug: 'kobo-works', name: 'Kōbō Works', description: 'Japanese ceramics.', logoUrl: 'https://cdn.example.com/kobo.png' })
  for (const idOrSlug of [created.data!.id, 'kobo-works']) {
    const read = await api.GET('/api/v1/brands/{idOrSlug}', { params: { path: { idOrSlug } } })
    t.same(read.data, created.data, `by ${idOrSlug}`)
  }
  t.same((await api.GET('/api/v1/brands/{idOrSlug}', { params: { path: { idOrSlug: 'nope' } } })).error, notFound('/api/v1/brands/nope'))

  const badLogo = await api.POST('/api/v1/admin/brands', { headers: staff, body: { name: 'Bad', logoUrl: 'javascript:alert(1)' } })
  t.equal(badLogo.response.status, 400, 'a logo URL is an http(s) URL')
  const changed = await api.PATCH('/api/v1/admin/brands/{id}', { headers: staff, params: { path: { id: created.data!.id } }, body: { logoUrl: null, description: null } })
  t.match(changed.data, { logoUrl: null, description: null, name: 'Kōbō Works' })

  for (const name of ['Zephyr', 'Atelier', 'Marlow', 'Birch']) await createBrand(harness, name)
  const names: string[] = []
  let cursor: string | undefined
  let pages = 0
  do {
    const page = await api.GET('/api/v1/brands', { params: { query: { limit: 2, ...(cursor === undefined ? {} : { cursor }) } } })
    names.push(...(page.data?.items.map((brand) => brand.name) ?? []))
    cursor = page.data?.nextCursor ?? undefined
    if (pages++ === 0) await createBrand(harness, 'Aardvark')
  } while (cursor !== undefined)
  t.same(names, ['Atelier', 'Birch', 'Kōbō Works', 'Marlow', 'Zephyr'], 'every brand once, by name, though one was added on the way (before the cursor)')
  const garbage = await api.GET('/api/v1/brands', { params: { query: { cursor: 'not-a-cursor' } } })
  t.same(garbage.error, problem(400, 'INVALID_CURSOR', 'The cursor is not one this API issued; start again without it.', '/api/v1/brands?cursor=not-a-cursor'))
})

t.test('renaming a brand renames it in search; deleting one in use needs a brand to move its products to', async (t) => {
  const harness = await buildCatalog(t)
  const { api, staff } = harness
  const brand = await createBrand(harness, 'Oldname')
  const other = await createBrand(harness, 'Othermark')
  const product = await createProduct(harness, { name: 'Plain Vase', brandId: brand.id })
  const findBy = async (q: string): Promise<string[]> => (await api.GET('/api/v1/products/search', { params: { query: { q } } })).data?.items.map((item) => item.id) ?? []
  t.same(await findBy('oldname'), [product.id], 'found by its brand')
  await api.PATCH('/api/v1/admin/brands/{id}', { headers: staff, params: { path: { id: brand.id } }, body: { name: 'Newmark' } })
  t.same(await findBy('newmark'), [product.id], 'found by the new name')
  t.same(await findBy('oldname'), [], 'not by the old one')

  const refused = await api.DELETE('/api/v1/admin/brands/{id}', { headers: staff, params: { path: { id: brand.id } } })
  t.same(refused.error, { ...problem(409, 'BRAND_IN_USE', '1 products carry this brand; name the brand they change to with ?moveProductsTo=.', `/api/v1/admin/brands/${brand.id}`), products: 1 })
  const moved = await api.DELETE('/api/v1/admin/brands/{id}', { headers: staff, params: { path: { id: brand.id }, query: { moveProductsTo: other.id } } })
  t.equal(moved.response.status, 204)
  const after = await api.GET('/api/v1/products/{idOrSlug}', { params: { path: { idOrSlug: product.id } } })
  t.equal(after.data?.brand?.id, other.id)
  t.same(await findBy('othermark'), [product.id])
  const unknownTarget = await api.DELETE('/api/v1/admin/brands/{id}', { headers: staff, params: { path: { id: other.id }, query: { moveProductsTo: '01900000-0000-7000-8000-000000000000' } } })
  t.equal(unknownTarget.response.status, 404)
})

t.test('brand administration is for staff', async (t) => {
  const harness = await buildCatalog(t)
  const { api } = harness
  const customer = bearer(await signUpVerified(harness))
  const brand = await createBrand(harness, 'Guarded')
  t.equal((await api.POST('/api/v1/admin/brands', { headers: customer, body: { name: 'Mine' } })).response.status, 401)
  t.equal((await api.PATCH('/api/v1/admin/brands/{id}', { params: { path: { id: brand.id } }, body: { name: 'Anon' } })).response.status, 401)
  t.equal((await api.DELETE('/api/v1/admin/brands/{id}', { headers: customer, params: { path: { id: brand.id } } })).response.status, 401)
  const publicList = await api.GET('/api/v1/brands')
  t.equal(publicList.response.headers.get('cache-control'), 'public, max-age=60')
})
