import t from 'tap'
import { bearer, signUpVerified } from '../helpers/identity.js'
import { buildCatalog, createCategory, createProduct } from '../helpers/catalog.js'
import { concurrently } from '../helpers/concurrency.js'
import { notFound, problem, validationProblem } from '../helpers/problems.js'

t.test('the tree: depth first, counts of each subtree, breadcrumbs and children', async (t) => {
  const harness = await buildCatalog(t)
  const { api, staff } = harness
  const home = await createCategory(harness, 'Home')
  const kitchen = await createCategory(harness, 'Kitchen', home.id)
  const knives = await createCategory(harness, 'Knives', kitchen.id)
  const living = await createCategory(harness, 'Living', home.id)
  await createCategory(harness, 'Garden')
  await createProduct(harness, { name: 'Chef Knife', categoryId: knives.id })
  await createProduct(harness, { name: 'Paring Knife', categoryId: knives.id })
  await createProduct(harness, { name: 'Hidden Knife', categoryId: knives.id, status: 'DRAFT' })
  await createProduct(harness, { name: 'Sofa', categoryId: living.id })

  const tree = await api.GET('/api/v1/categories')
  t.equal(tree.response.status, 200)
  t.same(tree.data?.items.map((node) => [node.slug, node.depth, node.parentId, node.productCount]), [
    ['home', 0, null, 3],
    ['kitchen', 1, home.id, 2],
    ['knives', 2, kitchen.id, 2],
    ['living', 1, home.id, 1],
    ['garden', 0, null, 0]
  ], 'each category after its parent, siblings by position; the storefront counts ACTIVE products of each subtree')
  const staffTree = await api.GET('/api/v1/admin/categories', { headers: staff })
  t.same(staffTree.data?.items.map((node) => node.productCount), [4, 3, 3, 1, 0], 'staff count every status')

  const read = await api.GET('/api/v1/categories/{idOrSlug}', { params: { path: { idOrSlug: 'kitchen' } } })
  t.match(read.data, { id: kitchen.id, slug: 'kitchen', parentId: home.id, breadcrumbs: [{ id: home.id, slug: 'home', name: 'Home' }], children: [{ id: knives.id, slug: 'knives', name: 'Knives' }] })
  const byId = await api.GET('/api/v1/categories/{idOrSlug}', { params: { path: { idOrSlug: kitchen.id } } })
  t.same(byId.data, read.data)
  t.same((await api.GET('/api/v1/categories/{idOrSlug}', { params: { path: { idOrSlug: 'nothing-here' } } })).error, notFound('/api/v1/categories/nothing-here'))
})

t.test('a category never moves under itself or its own descendants, however the moves race', async (t) => {
  const harness = await buildCatalog(t)
  const { api, staff } = harness
  const a = await createCategory(harness, 'A')
  const b = await createCategory(harness, 'B', a.id)
  const c = await createCategory(harness, 'C', b.id)
  for (const [target, name] of [[a.id, 'itself'], [b.id, 'its child'], [c.id, 'its grandchild']] as const) {
    const moved = await api.PATCH('/api/v1/admin/categories/{id}', { headers: staff, params: { path: { id: a.id } }, body: { parentId: target } })
    t.same(moved.error, problem(409, 'CATEGORY_CYCLE', 'A category cannot move under itself or under one of its own subcategories.', `/api/v1/admin/categories/${a.id}`), `under ${name}`)
  }
  const unknownParent = await api.PATCH('/api/v1/admin/categories/{id}', { headers: staff, params: { path: { id: c.id } }, body: { parentId: '01900000-0000-7000-8000-000000000000' } })
  t.equal(unknownParent.response.status, 404)

  // X and Y are siblings; moving each under the other at once would make a cycle: exactly one move wins.
  const x = await createCategory(harness, 'X')
  const y = await createCategory(harness, 'Y')
  const moves = await concurrently(2, async (index) => await api.PATCH('/api/v1/admin/categories/{id}', {
    headers: staff,
    params: { path: { id: index === 0 ? x.id : y.id } },
    body: { parentId: index === 0 ? y.id : x.id }
  }))
  t.same(moves.map((move) => move.response.status).sort(), [200, 409])
  const tree = (await api.GET('/api/v1/admin/categories', { headers: staff })).data?.items ?? []
  const parentOf = new Map(tree.map((node) => [node.id, node.parentId]))
  t.ok(parentOf.get(x.id) === null || parentOf.get(y.id) === null, 'one of them is still a root: no cycle')
  t.equal(tree.length, 5, 'every category is still in the tree')

  const toRoot = await api.PATCH('/api/v1/admin/categories/{id}', { headers: staff, params: { path: { id: c.id } }, body: { parentId: null, name: 'C at the top' } })
  t.match(toRoot.data, { parentId: null, name: 'C at the top', breadcrumbs: [] })
})

t.test('deleting a category with products or subcategories needs somewhere for its products to go', async (t) => {
  const harness = await buildCatalog(t)
  const { api, staff, app } = harness
  const old = await createCategory(harness, 'Old')
  const child = await createCategory(harness, 'Child', old.id)
  const target = await createCategory(harness, 'Target')
  const product = await createProduct(harness, { name: 'Movable Lamp', categoryId: old.id, status: 'DRAFT' })

  const refused = await api.DELETE('/api/v1/admin/categories/{id}', { headers: staff, params: { path: { id: old.id } } })
  t.equal(refused.response.status, 409)
  t.match(refused.error, { code: 'CATEGORY_NOT_EMPTY', products: 1, children: 1 })
  const toItself = await api.DELETE('/api/v1/admin/categories/{id}', { headers: staff, params: { path: { id: old.id }, query: { moveProductsTo: old.id } } })
  t.same(toItself.error, validationProblem(`/api/v1/admin/categories/${old.id}?moveProductsTo=${old.id}`, [{ pointer: '/query/moveProductsTo', detail: 'must name another one than the one being deleted' }]))
  const deleted = await api.DELETE('/api/v1/admin/categories/{id}', { headers: staff, params: { path: { id: old.id }, query: { moveProductsTo: target.id } } })
  t.equal(deleted.response.status, 204)

  const moved = await api.GET('/api/v1/admin/products/{id}', { headers: staff, params: { path: { id: product.id } } })
  t.equal(moved.data?.category?.id, target.id, 'the products (of every status) moved')
  const orphan = await api.GET('/api/v1/categories/{idOrSlug}', { params: { path: { idOrSlug: child.id } } })
  t.equal(orphan.data?.parentId, null, 'the subcategory moved up to the deleted one\'s parent')
  const [row] = await app.orm.em.fork().execute<Array<{ found: boolean }>>("select search_document @@ to_tsquery('commerce_search', 'target') as found from products where id = ?", [product.id])
  t.equal(row?.found, true, 'the moved products are found by their new category')

  const empty = await createCategory(harness, 'Empty')
  t.equal((await api.DELETE('/api/v1/admin/categories/{id}', { headers: staff, params: { path: { id: empty.id } } })).response.status, 204, 'an empty one just goes')
  t.equal((await api.DELETE('/api/v1/admin/categories/{id}', { headers: staff, params: { path: { id: empty.id } } })).response.status, 404)
})

t.test('slugs: made from the name, unique, with a clear 409 when one is asked for and taken', async (t) => {
  const harness = await buildCatalog(t)
  const { api, staff } = harness
  const first = await createCategory(harness, 'Sofas & Armchairs')
  t.equal(first.slug, 'sofas-and-armchairs', 'made from the name, with the ampersand spelt out')
  t.equal((await createCategory(harness, 'Sofas & Armchairs')).slug, 'sofas-and-armchairs-2')
  t.equal((await createCategory(harness, 'Möbel für Küche')).slug, 'moebel-fuer-kueche', 'transliterated')
  const taken = await api.POST('/api/v1/admin/categories', { headers: staff, body: { name: 'Other', slug: 'sofas-and-armchairs' } })
  t.equal(taken.error?.code, 'SLUG_TAKEN')
  const racers = await concurrently(5, async (index) => await api.POST('/api/v1/admin/categories', { headers: staff, body: { name: `Racer ${index}`, slug: 'one-slug' } }))
  t.same(racers.map((racer) => racer.response.status).sort(), [201, 409, 409, 409, 409])
  const badSlug = await api.POST('/api/v1/admin/categories', { headers: staff, body: { name: 'Bad', slug: 'Not A Slug' } })
  t.equal(badSlug.response.status, 400)
  const renamed = await api.PATCH('/api/v1/admin/categories/{id}', { headers: staff, params: { path: { id: first.id } }, body: { slug: 'one-slug' } })
  t.equal(renamed.error?.code, 'SLUG_TAKEN')
})

t.test('staff routes refuse customers and the anonymous; public reads are cached and revalidated', async (t) => {
  const harness = await buildCatalog(t)
  const { api, staff } = harness
  const customer = bearer(await signUpVerified(harness))
  t.equal((await api.POST('/api/v1/admin/categories', { body: { name: 'Anon' } })).response.status, 401)
  t.equal((await api.POST('/api/v1/admin/categories', { headers: customer, body: { name: 'Customer' } })).response.status, 401)
  t.equal((await api.GET('/api/v1/admin/categories', { headers: customer })).response.status, 401)
  t.equal((await api.GET('/api/v1/admin/categories', { headers: staff })).response.headers.get('cache-control'), 'no-store', 'staff reads are never cached')

  const first = await api.GET('/api/v1/categories')
  t.equal(first.response.headers.get('cache-control'), 'public, max-age=60')
  const etag = first.response.headers.get('etag')!
  t.match(etag, /^W\/"[\w-]+"$/, 'a weak tag of the content')
  const unchanged = await api.GET('/api/v1/categories', { headers: { 'if-none-match': etag } })
  t.equal(unchanged.response.status, 304, 'a matching If-None-Match is a 304')
  t.equal(unchanged.data, undefined, 'without a body')
  t.equal((await api.GET('/api/v1/categories', { headers: { 'if-none-match': `"other", ${etag.replace(/^W\//, '')}` } })).response.status, 304, 'weak comparison, within a list')
  await createCategory(harness, 'New arrival')
  const changed = await api.GET('/api/v1/categories', { headers: { 'if-none-match': etag } })
  t.equal(changed.response.status, 200, 'a change makes a new representation')
  t.not(changed.response.headers.get('etag'), etag)
})
