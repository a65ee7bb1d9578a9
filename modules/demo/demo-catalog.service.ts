import { deflateSync, crc32 } from 'node:zlib'
import type { EntityManager } from '@mikro-orm/postgresql'
import { sql } from 'kysely'
import { uuidv7 } from 'uuidv7'
import type { ObjectStorage } from '../../plugins/storage/object-storage.js'
import { Product } from '../catalog/product.entity.js'
import { reindexProducts } from '../catalog/product.service.js'

/**
 * A realistic demo catalog: a category tree three levels deep, brands, tags, and products with variants,
 * written in bulk SQL so that a hundred thousand products take seconds, not hours. Deterministic: the same
 * count gives the same catalog. Small catalogs also get placeholder images.
 */

const DEPARTMENTS: Array<[string, Array<[string, string[]]>]> = [
  ['Furniture', [['Chairs', ['Dining chairs', 'Office chairs', 'Armchairs']], ['Tables', ['Dining tables', 'Desks', 'Side tables']], ['Storage', ['Bookcases', 'Wardrobes', 'Shelves']], ['Beds', ['Double beds', 'Single beds', 'Bunk beds']]]],
  ['Kitchen', [['Cookware', ['Frying pans', 'Saucepans', 'Woks']], ['Knives', ['Chef knives', 'Paring knives', 'Knife blocks']], ['Tableware', ['Plates', 'Bowls', 'Mugs']], ['Small appliances', ['Kettles', 'Toasters', 'Blenders']]]],
  ['Lighting', [['Ceiling lights', ['Pendants', 'Chandeliers', 'Spotlights']], ['Lamps', ['Desk lamps', 'Floor lamps', 'Table lamps']], ['Outdoor lighting', ['Wall lights', 'Path lights', 'String lights']], ['Bulbs', ['LED bulbs', 'Smart bulbs', 'Filament bulbs']]]],
  ['Textiles', [['Bedding', ['Duvet covers', 'Pillows', 'Blankets']], ['Rugs', ['Runners', 'Round rugs', 'Wool rugs']], ['Curtains', ['Blackout curtains', 'Sheer curtains', 'Blinds']], ['Towels', ['Bath towels', 'Hand towels', 'Beach towels']]]],
  ['Garden', [['Garden furniture', ['Garden chairs', 'Garden tables', 'Loungers']], ['Plants', ['Pots', 'Planters', 'Seeds']], ['Tools', ['Spades', 'Pruners', 'Watering cans']], ['Barbecues', ['Charcoal grills', 'Gas grills', 'Grill tools']]]],
  ['Decoration', [['Mirrors', ['Wall mirrors', 'Floor mirrors', 'Vanity mirrors']], ['Clocks', ['Wall clocks', 'Alarm clocks', 'Mantel clocks']], ['Frames', ['Photo frames', 'Poster frames', 'Collage frames']], ['Candles', ['Scented candles', 'Pillar candles', 'Candle holders']]]]
]

const BRANDS = ['Nordwood', 'Atelier Brun', 'Casa Solé', 'Halden', 'Kōbō', 'Lumen & Co', 'Marlow', 'Oakridge', 'Pinecrest', 'Quill', 'Riverstone', 'Söderberg',
  'Terra', 'Umbra', 'Vale', 'Westfield', 'Yarrow', 'Zephyr', 'Birchmore', 'Copperleaf', 'Driftwood', 'Elm & Ash', 'Fjord', 'Greystone', 'Hearth',
  'Ivory Lane', 'Juniper', 'Kestrel', 'Linden', 'Meridian']
const ADJECTIVES = ['Classic', 'Modern', 'Rustic', 'Compact', 'Deluxe', 'Minimal', 'Vintage', 'Sturdy', 'Elegant', 'Handmade', 'Nordic', 'Industrial',
  'Soft', 'Bold', 'Slim', 'Grand', 'Cosy', 'Bright', 'Natural', 'Urban']
const MATERIALS = ['Oak', 'Walnut', 'Bamboo', 'Steel', 'Brass', 'Ceramic', 'Linen', 'Cotton', 'Wool', 'Glass', 'Marble', 'Rattan', 'Copper', 'Velvet',
  'Leather', 'Pine', 'Teak', 'Stoneware', 'Concrete', 'Cast iron']
const COLOURS = ['Natural', 'Black', 'White', 'Grey', 'Blue', 'Green', 'Terracotta', 'Sand']
const TAGS = ['Solid wood', 'Eco friendly', 'Handmade', 'Bestseller', 'New', 'Limited edition', 'Easy assembly', 'Dishwasher safe', 'Waterproof',
  'Recycled', 'Organic', 'Fair trade', 'Scandinavian', 'Made in Europe', 'Gift idea', 'Space saving', 'Stackable', 'Foldable', 'Vegan', 'Dimmable']

/** A tiny PNG of one colour: a real image, sniffable and measurable like an uploaded one. */
export function placeholderPng (width: number, height: number, [red, green, blue]: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const length = Buffer.alloc(4)
    length.writeUInt32BE(data.length)
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data])
    const checksum = Buffer.alloc(4)
    checksum.writeUInt32BE(crc32(typed))
    return Buffer.concat([length, typed, checksum])
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8-bit RGB, no interlace
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3).fill(Buffer.from([red, green, blue]))])
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)))
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))])
}

export interface DemoCatalogOptions {
  products: number
  /** Placeholder images for each product (only sensible for small catalogs). */
  images: boolean
}

/** Whether the catalog already has products (then nothing is seeded). */
export async function hasCatalog (em: EntityManager): Promise<boolean> {
  return await em.count(Product, {}) > 0
}

/** Loads the demo catalog into an empty catalog; returns how many products it wrote. */
export async function seedDemoCatalog (em: EntityManager, storage: ObjectStorage, options: DemoCatalogOptions): Promise<number> {
  if (await hasCatalog(em)) return 0
  await em.transactional(async (tx) => {
    const db = tx.getKysely()
    const leaves: string[] = []
    let position = 0
    const category = async (name: string, parentId: string | null): Promise<string> => {
      const id = uuidv7()
      const slug = name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')
      await sql`insert into categories (id, created_at, updated_at, parent_id, name, slug, description, position)
                values (${id}, now(), now(), ${parentId}, ${name}, ${slug}, ${`Everything in ${name.toLowerCase()}.`}, ${position++})`.execute(db)
      return id
    }
    for (const [department, groups] of DEPARTMENTS) {
      const root = await category(department, null)
      for (const [group, kinds] of groups) {
        const middle = await category(group, root)
        for (const kind of kinds) leaves.push(await category(kind, middle))
      }
    }
    const brandIds = BRANDS.map(() => uuidv7())
    await sql`insert into brands (id, created_at, updated_at, name, slug, description)
              select id, now(), now(), name, lower(regexp_replace(unaccent(name), '[^A-Za-z0-9]+', '-', 'g')), 'A demo brand.'
                from unnest(${brandIds}::uuid[], ${BRANDS}::text[]) as b(id, name)`.execute(db)
    const tagIds = TAGS.map(() => uuidv7())
    await sql`insert into tags (id, created_at, name, normalized)
              select id, now(), name, lower(name) from unnest(${tagIds}::uuid[], ${TAGS}::text[]) as t(id, name)`.execute(db)

    // UUIDv7 from each product's creation time, so that ids sort like creation times, as the API's own do.
    await sql`create function pg_temp.uuid_v7(at timestamptz) returns uuid language sql volatile as $$
      select encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing substring(int8send(floor(extract(epoch from at) * 1000)::bigint) from 3) from 1 for 6), 52, 1), 53, 1), 'hex')::uuid
    $$`.execute(db)
    await sql`select setseed(0.42)`.execute(db)
    // Names are an adjective, a material and the leaf category's singular; about half the products come in colours.
    await sql`
      insert into products (id, created_at, updated_at, slug, name, description, status, category_id, brand_id, options, attributes, tag_ids, version)
      select pg_temp.uuid_v7(made), made, made,
             lower(regexp_replace(name, '[^A-Za-z0-9]+', '-', 'g')) || '-' || g,
             name,
             'A ' || lower(adjective) || ' piece in ' || lower(material) || ', from our ' || lower(leaf_name) || ' range. Built to last, easy to care for.',
             case when g % 50 = 0 then 'DRAFT' when g % 97 = 0 then 'ARCHIVED' else 'ACTIVE' end,
             leaf, brand,
             case when coloured then jsonb_build_array(jsonb_build_object('name', 'Colour', 'values', to_jsonb(colours))) else '[]'::jsonb end,
             jsonb_build_array(jsonb_build_object('name', 'Material', 'value', material)),
             tags, 1
        from (
          select g, made, adjective, material, leaf, c.name as leaf_name, brand, coloured, colours, tags,
                 adjective || ' ' || material || ' ' || lower(regexp_replace(regexp_replace(c.name, 'ves$', 'fe'), '([^s])s$', '\\1')) as name
            from (
              select g,
                     now() - (random() * interval '365 days') as made,
                     (${ADJECTIVES}::text[])[1 + floor(random() * ${ADJECTIVES.length})::int] as adjective,
                     (${MATERIALS}::text[])[1 + floor(random() * ${MATERIALS.length})::int] as material,
                     (${leaves}::uuid[])[1 + floor(random() * ${leaves.length})::int] as leaf,
                     (${brandIds}::uuid[])[1 + floor(random() * ${brandIds.length})::int] as brand,
                     random() < 0.5 as coloured,
                     (${COLOURS}::text[])[1 + (g % 4):3 + (g % 4)] as colours,
                     array[(${tagIds}::uuid[])[1 + (g % ${tagIds.length})], (${tagIds}::uuid[])[1 + ((g * 7) % ${tagIds.length})]] as tags
                from generate_series(1, ${options.products}) as g
            ) picked
            join categories c on c.id = picked.leaf
        ) named_products`.execute(db)
    await sql`update products set tag_ids = array(select distinct unnest(tag_ids)) where cardinality(tag_ids) > 1`.execute(db)
    await sql`
      insert into variants (id, created_at, updated_at, product_id, sku, title, option_values, option_key, price, compare_at_price, stock, weight_grams, position, version)
      select pg_temp.uuid_v7(p.created_at), p.created_at, p.created_at, p.id,
             'SKU-' || upper(replace(p.id::text, '-', '')) || '-' || o.position,
             coalesce(o.colour, 'Default'),
             case when o.colour is null then '{}'::jsonb else jsonb_build_object('Colour', o.colour) end,
             case when o.colour is null then '' else 'colour=' || lower(o.colour) end,
             base.price + o.position * 500,
             case when abs(hashtext(p.slug)) % 5 = 0 then (base.price + o.position * 500) * 5 / 4 end,
             floor(random() * 40)::int,
             500 + floor(random() * 20000)::int,
             o.position, 1
        from products p
        cross join lateral (select (500 + abs(hashtext(p.id::text)) % 99500) / 100 * 100 - 1 as price) base
        cross join lateral (
          select colour, (ordinality - 1)::int as position
            from jsonb_array_elements_text(coalesce(p.options -> 0 -> 'values', '[null]'::jsonb)) with ordinality as v(colour)
        ) o`.execute(db)
    await sql`
      insert into stock_adjustments (id, variant_id, kind, before, after, reason, actor_role, created_at)
      select pg_temp.uuid_v7(created_at), id, 'INITIAL', 0, stock, 'Demo catalog', 'SYSTEM', created_at from variants where stock > 0`.execute(db)
    await sql`insert into product_slugs (slug, product_id, created_at) select slug, id, created_at from products`.execute(db)
    await reindexProducts(tx, { all: true })
  })
  if (options.images) await addPlaceholderImages(em, storage)
  // Fresh statistics (or the planner misjudges every filter of a catalog that appeared at once), and a
  // visibility map, so that counts read the indexes only.
  await sql`vacuum analyze categories, brands, tags, products, variants, stock_adjustments, product_images, search_words`.execute(em.getKysely())
  return options.products
}

/** One placeholder image per product, in a colour of its own, stored like an upload. */
async function addPlaceholderImages (em: EntityManager, storage: ObjectStorage): Promise<void> {
  const products = await em.find(Product, {}, { fields: ['id', 'name'], orderBy: { id: 'asc' } })
  const palette: Array<[number, number, number]> = [[196, 164, 132], [60, 60, 60], [236, 236, 230], [150, 160, 170], [90, 120, 170], [110, 150, 110], [190, 100, 70], [220, 200, 160]]
  const rows: Array<{ id: string, product: string, key: string, bytes: number, alt: string }> = []
  await Promise.all(products.map(async (product, index) => {
    const id = uuidv7()
    const key = `${id}.png`
    const png = placeholderPng(400, 300, palette[index % palette.length] as [number, number, number])
    await storage.put(key, png, 'image/png')
    rows.push({ id, product: product.id, key, bytes: png.length, alt: product.name })
  }))
  await sql`
    insert into product_images (id, created_at, product_id, key, content_type, bytes, width, height, alt, position, is_primary)
    select id, now(), product, key, 'image/png', bytes, 400, 300, alt, 0, true
      from unnest(${rows.map((row) => row.id)}::uuid[], ${rows.map((row) => row.product)}::uuid[], ${rows.map((row) => row.key)}::text[],
                  ${rows.map((row) => row.bytes)}::int[], ${rows.map((row) => row.alt)}::text[]) as i(id, product, key, bytes, alt)`.execute(em.getKysely())
}
