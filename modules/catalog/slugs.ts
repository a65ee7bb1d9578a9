import slugify from '@sindresorhus/slugify'
import type { EntityManager } from '@mikro-orm/postgresql'

/** Slugs products cannot have: they would be shadowed by other routes under /products. */
const RESERVED = new Set(['search'])

/** A URL slug made from a name: lower case, transliterated (`Müller` → `mueller`), hyphenated, at most 100 characters. */
export function slugFrom (name: string): string {
  const slug = slugify(name, { lowercase: true, decamelize: false }).slice(0, 100).replace(/-+$/, '')
  return slug === '' ? 'item' : slug
}

export function isReservedSlug (slug: string): boolean {
  return RESERVED.has(slug)
}

/**
 * The first of `base`, `base-2`, `base-3`, ... that `table.column` does not hold, in one query. A race with
 * another request taking the same one ends at the unique constraint (a 409), never in a duplicate.
 */
export async function availableSlug (em: EntityManager, table: 'categories' | 'brands' | 'product_slugs', base: string): Promise<string> {
  const rows = await em.execute<Array<{ slug: string }>>(`select slug from ${table} where slug = ? or slug like ?`, [base, `${base}-%`])
  const taken = new Set(rows.map((row) => row.slug))
  if (!taken.has(base) && !isReservedSlug(base)) return base
  for (let suffix = 2; ; suffix++) {
    const candidate = `${base}-${suffix}`
    if (!taken.has(candidate)) return candidate
  }
}
