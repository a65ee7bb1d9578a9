import { LockMode, type EntityManager } from '@mikro-orm/postgresql'
import { decodeCursor, encodeCursor } from '../../plugins/pagination.js'
import { isUuid, type Page, type PageQuery } from '../../openapi/shared.schemas.js'
import { Brand as BrandEntity } from './brand.entity.js'
import { Product } from './product.entity.js'
import type { Brand, CreateBrandRequest, UpdateBrandRequest } from './brand.schemas.js'
import { availableSlug, slugFrom } from './slugs.js'
import { refreshSearchDocuments } from './product-index.repository.js'
import { brandInUse, moveToItself, notFound, slugTaken } from './catalog.errors.js'

function toBrand (brand: BrandEntity): Brand {
  return {
    id: brand.id,
    slug: brand.slug,
    name: brand.name,
    description: brand.description ?? null,
    logoUrl: brand.logoUrl ?? null,
    createdAt: brand.createdAt.toISOString(),
    updatedAt: brand.updatedAt.toISOString()
  }
}

const afterBrand = (position: Record<string, unknown>): { name: string, id: string } | undefined =>
  typeof position.name === 'string' && typeof position.id === 'string' && isUuid(position.id) ? { name: position.name, id: position.id } : undefined

/** Brands in name order; the cursor carries the last name and id, so pages stay stable as brands are added. */
export async function listBrands (em: EntityManager, query: PageQuery): Promise<Page<Brand>> {
  const limit = query.limit ?? 20
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, afterBrand)
  const where = after === undefined ? {} : { $or: [{ name: { $gt: after.name } }, { name: after.name, id: { $gt: after.id } }] }
  const rows = await em.find(BrandEntity, where, { orderBy: { name: 'asc', id: 'asc' }, limit: limit + 1 })
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return { items: items.map(toBrand), nextCursor: rows.length > limit && last !== undefined ? encodeCursor({ name: last.name, id: last.id }) : null }
}

export async function getBrand (em: EntityManager, idOrSlug: string): Promise<Brand> {
  const brand = await em.findOne(BrandEntity, isUuid(idOrSlug) ? { id: idOrSlug } : { slug: idOrSlug })
  if (brand === null) throw notFound()
  return toBrand(brand)
}

export async function createBrand (em: EntityManager, input: CreateBrandRequest): Promise<Brand> {
  let slug = input.slug
  if (slug === undefined) slug = await availableSlug(em, 'brands', slugFrom(input.name))
  else if (await em.count(BrandEntity, { slug }) > 0) throw slugTaken()
  const brand = em.create(BrandEntity, { name: input.name.trim(), slug, description: input.description ?? null, logoUrl: input.logoUrl ?? null })
  await em.flush()
  return toBrand(brand)
}

export async function updateBrand (em: EntityManager, id: string, input: UpdateBrandRequest): Promise<Brand> {
  return await em.transactional(async (tx) => {
    const brand = await tx.findOne(BrandEntity, { id })
    if (brand === null) throw notFound()
    if (input.slug !== undefined && input.slug !== brand.slug) {
      if (await tx.count(BrandEntity, { slug: input.slug }) > 0) throw slugTaken()
      brand.slug = input.slug
    }
    const renamed = input.name !== undefined && input.name.trim() !== brand.name
    if (input.name !== undefined) brand.name = input.name.trim()
    if (input.description !== undefined) brand.description = input.description
    if (input.logoUrl !== undefined) brand.logoUrl = input.logoUrl
    await tx.flush()
    if (renamed) await refreshSearchDocuments(tx, { brandId: id })
    return toBrand(brand)
  })
}

/** A brand products still carry is refused, unless `moveProductsTo` names the brand they change to. */
export async function deleteBrand (em: EntityManager, id: string, moveProductsTo?: string): Promise<void> {
  await em.transactional(async (tx) => {
    const brand = await tx.findOne(BrandEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE })
    if (brand === null) throw notFound()
    const products = await tx.count(Product, { brand: id })
    if (products > 0 && moveProductsTo === undefined) throw brandInUse(products)
    if (moveProductsTo !== undefined) {
      if (moveProductsTo === id) throw moveToItself()
      if (await tx.count(BrandEntity, { id: moveProductsTo }) === 0) throw notFound()
      await tx.nativeUpdate(Product, { brand: id }, { brand: moveProductsTo })
      await refreshSearchDocuments(tx, { brandId: moveProductsTo })
    }
    tx.remove(brand)
  })
}
