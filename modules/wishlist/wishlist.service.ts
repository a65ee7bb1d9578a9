import type { EntityManager } from '@mikro-orm/postgresql'
import type { Account } from '../../plugins/auth.js'
import { decodeCursor, encodeCursor } from '../../plugins/pagination.js'
import { isUuid, type Page, type PageQuery } from '../../openapi/shared.schemas.js'
import { lockUser } from '../auth/user.entity.js'
import { Product } from '../catalog/product.entity.js'
import { findProductSummaries, type ProductSummarySettings, type SavedProductSummary } from '../catalog/product-summary.service.js'
import { WishlistItem as WishlistItemEntity } from './wishlist.entity.js'
import { productArchived, productNotFound, wishlistFull } from './wishlist.errors.js'
import { findSavedPage, POSITION_INSTANT, type SavedPosition } from './wishlist.repository.js'
import type { WishlistAvailability, WishlistItem } from './wishlist.schemas.js'

/** How many products one wishlist holds, saved drafts included. */
export const WISHLIST_MAX_ITEMS = 500

interface Saved {
  productId: string
  addedAt: Date
}

function availabilityOf (product: SavedProductSummary): WishlistAvailability {
  if (product.status === 'ARCHIVED') return 'ARCHIVED'
  return product.inStock ? 'AVAILABLE' : 'OUT_OF_STOCK'
}

/**
 * The saved products as the storefront shows them now, in the order given: one query for all of them. A
 * product that stopped being public since its row was read (made a draft, deleted) is left out.
 */
async function withSummaries (em: EntityManager, settings: ProductSummarySettings, saved: Saved[]): Promise<WishlistItem[]> {
  const summaries = await findProductSummaries(em, settings, saved.map((item) => item.productId))
  return saved.flatMap(({ productId, addedAt }) => {
    const product = summaries.get(productId)
    return product === undefined ? [] : [{ productId, addedAt: addedAt.toISOString(), availability: availabilityOf(product), product: product.summary }]
  })
}

function readCursor (cursor: string): SavedPosition {
  return decodeCursor(cursor, (position) => {
    const { at, id } = position
    if (typeof at !== 'string' || typeof id !== 'string' || !isUuid(id)) return undefined
    return POSITION_INSTANT.test(at) && !Number.isNaN(Date.parse(at)) ? { at, id } : undefined
  })
}

/** `GET /me/wishlist`: the customer's saved public products, newest first, in two indexed queries. */
export async function listWishlist (em: EntityManager, settings: ProductSummarySettings, account: Account, query: PageQuery): Promise<Page<WishlistItem>> {
  const limit = query.limit ?? 20
  const after = query.cursor === undefined ? undefined : readCursor(query.cursor)
  const rows = await findSavedPage(em, account.id, after, limit + 1)
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  const items = await withSummaries(em, settings, page.map((row) => ({ productId: row.product_id, addedAt: new Date(row.created_at) })))
  return {
    items,
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor({ at: last.position_at, id: last.id }) : null
  }
}

export interface SavedItem {
  item: WishlistItem
  /** Whether this request saved it (else it was already saved). */
  created: boolean
}

/**
 * `PUT /me/wishlist/{productId}`: saves a public product once. The customer's row is locked for the
 * transaction, so saves by one customer run one after the other: the cap is exact and a product saved twice
 * at once makes one row. A product archived between the check and the insert is saved anyway, which is a
 * state the wishlist shows (archived products stay listed).
 */
export async function saveToWishlist (em: EntityManager, settings: ProductSummarySettings, account: Account, productId: string): Promise<SavedItem> {
  const { saved, created } = await em.transactional(async (tx) => {
    await lockUser(tx, account.id)
    const product = await tx.findOne(Product, { id: productId }, { fields: ['status'] })
    if (product === null || product.status === 'DRAFT') throw productNotFound()
    const existing = await tx.findOne(WishlistItemEntity, { customer: account.id, product: productId })
    if (existing !== null) return { saved: existing, created: false }
    if (product.status === 'ARCHIVED') throw productArchived()
    if (await tx.count(WishlistItemEntity, { customer: account.id }) >= WISHLIST_MAX_ITEMS) throw wishlistFull(WISHLIST_MAX_ITEMS)
    return { saved: tx.create(WishlistItemEntity, { customer: account.id, product: productId }), created: true }
  })
  const [item] = await withSummaries(em, settings, [{ productId, addedAt: saved.createdAt }])
  // Made a draft or deleted since the transaction: it is not on sale, whatever the row says.
  if (item === undefined) throw productNotFound()
  return { item, created }
}

/** `DELETE /me/wishlist/{productId}`: the product is not saved afterwards, whether or not it was before. */
export async function removeFromWishlist (em: EntityManager, account: Account, productId: string): Promise<void> {
  await em.nativeDelete(WishlistItemEntity, { customer: account.id, product: productId })
}
