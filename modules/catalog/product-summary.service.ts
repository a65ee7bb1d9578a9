import type { EntityManager } from '@mikro-orm/postgresql'
import { sql } from 'kysely'
import type { CatalogSettings } from './catalog.settings.js'
import { decorate, SELECTED_COLUMNS, type ListingRow } from './product-search.repository.js'
import { toSummary } from './product-search.service.js'
import type { ProductSummary } from './product-search.schemas.js'

export type { CatalogSettings as ProductSummarySettings } from './catalog.settings.js'

/** A public product as lists show it, with what a list of saved products needs to say why it cannot be bought. */
export interface SavedProductSummary {
  summary: ProductSummary
  /** `DRAFT` products are not public and are never summarised. */
  status: 'ACTIVE' | 'ARCHIVED'
  /** Whether any variant has stock, whatever the status. */
  inStock: boolean
}

type SummaryRow = ListingRow & { status: 'ACTIVE' | 'ARCHIVED' }

/**
 * The summaries of the `ACTIVE` and `ARCHIVED` products among `ids`, by id, as browsing shows them (name,
 * slug, brand, category, primary image, current price range, rating): one statement by primary key, however
 * many ids, from the primary (the ids were just read from it). An archived product is summarised as
 * unavailable; unknown and `DRAFT` ids are left out.
 */
export async function findProductSummaries (em: EntityManager, settings: CatalogSettings, ids: readonly string[]): Promise<Map<string, SavedProductSummary>> {
  if (ids.length === 0) return new Map()
  const found = sql`select ${SELECTED_COLUMNS}, p.status, 0 as tier from products p
    where p.id = any(${[...new Set(ids)]}::uuid[]) and p.status in ('ACTIVE', 'ARCHIVED')`
  const { rows } = await decorate(found, sql`f.id`).execute(em.getKysely())
  return new Map((rows as SummaryRow[]).map((row) => {
    const summary = toSummary(settings, row)
    const active = row.status === 'ACTIVE'
    return [row.id, { summary: { ...summary, available: active && row.available }, status: row.status, inStock: row.available }]
  }))
}
