/**
 * The benchmark's yardstick: a bare Fastify route per catalog scenario, each running one hand-written SQL
 * query that returns the same rows, as the same JSON, as the API does. No plugins, no validation, no ORM.
 */
import Fastify from 'fastify'
import pg from 'pg'

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 })
const currency = process.env.SHOP_CURRENCY ?? 'USD'
const filesAt = `${process.env.PUBLIC_URL ?? ''}/storage/`
const app = Fastify()

/** The product summary every list answers with, built by PostgreSQL itself. */
const SUMMARY = `json_build_object(
  'id', p.id, 'slug', p.slug, 'name', p.name,
  'brand', case when b.id is null then null else json_build_object('id', b.id, 'slug', b.slug, 'name', b.name) end,
  'category', case when c.id is null then null else json_build_object('id', c.id, 'slug', c.slug, 'name', c.name) end,
  'priceRange', json_build_object('min', json_build_object('amount', p.price_min, 'currency', $1::text), 'max', json_build_object('amount', p.price_max, 'currency', $1::text)),
  'available', exists (select 1 from variants v where v.product_id = p.id and v.stock > 0),
  'rating', json_build_object('average', p.rating_average::float8, 'count', p.rating_count),
  'image', case when i.key is null then null else json_build_object('url', $2::text || i.key, 'alt', i.alt, 'width', i.width, 'height', i.height) end,
  'createdAt', to_char(p.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`

/** A page of summaries: `found` selects products p in order, with `limit` rows. */
function page (found: string, order: string): string {
  return `select coalesce(json_agg(${SUMMARY} order by ${order}), '[]') as items, (array_agg(p.id order by ${order}))[20] as last
    from (${found}) p left join brands b on b.id = p.brand_id left join categories c on c.id = p.category_id
    left join product_images i on i.product_id = p.id and i.is_primary`
}

async function answer (query: string, params: unknown[]): Promise<string> {
  const { rows: [row] } = await pool.query<{ items: unknown[], last: string | null }>(query, [currency, filesAt, ...params])
  return JSON.stringify({ items: row?.items ?? [], nextCursor: row?.last === null || row?.last === undefined ? null : Buffer.from(row.last).toString('base64url') })
}

app.get('/health/live', async () => ({ status: 'ok' }))

app.get('/products', async (request, reply) => {
  const { after } = request.query as { after?: string }
  const found = `select * from products where status = 'ACTIVE' ${after === undefined ? '' : 'and id < $3'} order by id desc limit 20`
  return await reply.type('application/json').send(await answer(page(found, 'p.id desc'), after === undefined ? [] : [after]))
})

app.get('/products/filtered', async (request, reply) => {
  const { category, min, max } = request.query as { category: string, min: string, max: string }
  const found = `select * from products where status = 'ACTIVE' and price_min between $4 and $5
    and category_id in (with recursive t(id) as (select id from categories where slug = $3 union all select k.id from categories k join t on k.parent_id = t.id) select id from t)
    order by price_min, id limit 20`
  return await reply.type('application/json').send(await answer(page(found, 'p.price_min, p.id'), [category, Number(min), Number(max)]))
})

app.get('/products/search', async (request, reply) => {
  const { q } = request.query as { q: string }
  const found = `select * from products where status = 'ACTIVE' and search_document @@ to_tsquery('commerce_search', $3)
    order by units_sold desc, id desc limit 20`
  return await reply.type('application/json').send(await answer(page(found, 'p.units_sold desc, p.id desc'), [q]))
})

app.get('/products/search/facets', async (request, reply) => {
  const { q, page: pageQuery } = request.query as { q: string, page: string }
  const query = `with matches as materialized (
      select * from products where status = 'ACTIVE' and search_document @@ to_tsquery('commerce_search', $3)
    ), listed as (${page("select * from matches where search_document @@ to_tsquery('commerce_search', $4) order by units_sold desc, id desc limit 20", 'p.units_sold desc, p.id desc')})
    select listed.items, listed.last, json_build_object(
      'categories', (select coalesce(json_agg(json_build_object('id', r.id, 'slug', r.slug, 'name', r.name, 'count', r.count) order by r.name), '[]') from (
        select r.id, r.slug, r.name, count(*) from matches m join categories k on k.id = m.category_id join categories g on g.id = k.parent_id join categories r on r.id = g.parent_id
         group by r.id, r.slug, r.name) r),
      'brands', (select coalesce(json_agg(json_build_object('id', b.id, 'slug', b.slug, 'name', b.name, 'count', b.count) order by b.name), '[]') from (
        select b.id, b.slug, b.name, count(*) from matches m join brands b on b.id = m.brand_id group by b.id, b.slug, b.name) b),
      'priceBands', (select coalesce(json_agg(json_build_object('minPrice', ((array[0, 2500, 5000, 10000, 25000, 50000, 100000])[band]), 'maxPrice', ((array[2499, 4999, 9999, 24999, 49999, 99999, null])[band]), 'count', count) order by band), '[]') from (
        select width_bucket(price_min, array[0, 2500, 5000, 10000, 25000, 50000, 100000]) as band, count(*) from matches group by 1) bands)
    ) as facets from listed`
  const { rows: [row] } = await pool.query<{ items: unknown[], last: string | null, facets: unknown }>(query, [currency, filesAt, q, pageQuery])
  return await reply.type('application/json').send(JSON.stringify({ items: row?.items ?? [], nextCursor: row?.last === null ? null : Buffer.from(row?.last ?? '').toString('base64url'), facets: row?.facets }))
})

app.get('/search/suggest', async (request, reply) => {
  const { q } = request.query as { q: string }
  const { rows: [row] } = await pool.query<{ products: unknown[], categories: unknown[] }>(`select
      (select coalesce(json_agg(json_build_object('id', id, 'slug', slug, 'name', name)), '[]') from (
        select id, slug, name from products where status = 'ACTIVE' and search_document @@ to_tsquery('commerce_search', $1 || ':*A') order by units_sold desc, id desc limit 6) p) as products,
      (select coalesce(json_agg(json_build_object('id', id, 'slug', slug, 'name', name)), '[]') from (
        select id, slug, name from categories where to_tsvector('commerce_search', name) @@ to_tsquery('commerce_search', $1 || ':*') order by position, name limit 4) c) as categories`, [q])
  return await reply.type('application/json').send(JSON.stringify(row))
})

app.addHook('onClose', async () => { await pool.end() })
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) })
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
