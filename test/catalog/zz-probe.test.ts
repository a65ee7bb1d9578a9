import t from 'tap'
import { buildCatalog, createBrand, createCategory, createProduct } from '../helpers/catalog.js'

t.test('probe', async (t) => {
  const harness = await buildCatalog(t)
  const { api } = harness
  const furniture = await createCategory(harness, 'Furniture')
  const brand = await createBrand(harness, 'Nordwood')
  await createProduct(harness, { name: 'Hand Towel', categoryId: furniture.id, brandId: brand.id, tags: ['Cotton'] })
  await createProduct(harness, { name: 'Oak Chair', description: 'A theatre seat', categoryId: furniture.id })
  const show = async (q: string) => {
    const r = await api.GET('/api/v1/products/search', { params: { query: { q } } })
    console.log(q, r.response.status, JSON.stringify(r.data?.items.map((i) => i.name) ?? r.error))
  }
  for (const q of ['the and of', 'and', 'of', 'the', 'chiar', 'chairs', 'chai', 'oak ch', 'nordwood', 'cotton', 'furnitur', 'theatre', 'thetare', 'towl', '!!! ...']) await show(q)
  const bad = async (query: Record<string, unknown>) => {
    const r = await api.GET('/api/v1/products', { params: { query: query as never } })
    console.log(JSON.stringify(query), r.response.status, JSON.stringify(r.error))
  }
  await bad({ sort: 'name' })
  await bad({ minPrice: -1 })
  await bad({ minRating: 6 })
  await bad({ limit: 'Infinity' })
  await bad({ colour: 'red' })
  await bad({ cursor: 'garbage' })
  await bad({ brand: ['a', 'b'], tag: ['x y'] })
  const s = await api.GET('/api/v1/search/suggest', { params: { query: { q: '' } } })
  console.log('suggest empty', s.response.status, JSON.stringify(s.error ?? s.data))
  const s2 = await api.GET('/api/v1/search/suggest', { params: { query: { q: 'fur' } } })
  console.log('suggest fur', s2.response.status, JSON.stringify(s2.error ?? s2.data), JSON.stringify([...s2.response.headers]))
})
