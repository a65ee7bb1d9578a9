import { LockMode, type EntityManager } from '@mikro-orm/postgresql'
import { sql } from 'kysely'
import { invalidField } from '../../plugins/problem.js'
import { assertIfMatch, type Versioned } from '../../plugins/resource-headers.js'
import { decodeCursor, encodeCursor } from '../../plugins/pagination.js'
import { isUuid, type Page } from '../../openapi/shared.schemas.js'
import { deleteStoredFiles, type MediaSettings } from '../media/upload.service.js'
import { Brand } from './brand.entity.js'
import { Category } from './category.entity.js'
import { Product as ProductEntity, type ProductOption } from './product.entity.js'
import type { Actor } from '../auth/user.entity.js'
import { lockProduct } from './product-lock.js'
import { recordInitialStock } from './stock-adjustment.entity.js'
import { ProductSlug } from './product-slug.entity.js'
import { Variant as VariantEntity } from './variant.entity.js'
import { ProductImage as ProductImageEntity } from './product-image.entity.js'
import type { AdminProduct, AdminProductQuery, AdminProductSummary, AdminVariant, CreateProductRequest, CreateVariantRequest, Product, UpdateProductRequest, Variant } from './product.schemas.js'
import { money, priceAmount, type CatalogSettings } from './catalog.settings.js'
import { categoryAndDescendants, categoryPath } from './category.service.js'
import { galleryOf, toProductImage } from './product-image.service.js'
import { resolveTags, tagNames } from './tag.service.js'
import { availableSlug, isReservedSlug, slugFrom } from './slugs.js'
import { checkOptionValues, checkOptions, optionValuesProblem } from './variant-options.js'
import { refreshPriceRanges, refreshSearchDocuments, type ProductSelection } from './product-index.repository.js'
import { notFound, skuTaken, slugTaken, variantsDoNotMatchOptions } from './catalog.errors.js'

export function toVariant (settings: CatalogSettings, variant: VariantEntity): Variant {
  return {
    id: variant.id,
    sku: variant.sku,
    title: variant.title,
    optionValues: variant.optionValues,
    price: money(settings, variant.price),
    compareAtPrice: variant.compareAtPrice == null ? null : money(settings, variant.compareAtPrice),
    available: variant.stock > 0,
    weightGrams: variant.weightGrams ?? null
  }
}

export function toAdminVariant (settings: CatalogSettings, variant: VariantEntity): AdminVariant {
  return {
    ...toVariant(settings, variant),
    stock: variant.stock,
    version: variant.version,
    createdAt: variant.createdAt.toISOString(),
    updatedAt: variant.updatedAt.toISOString()
  }
}

const ref = (entity: { id: string, slug: string, name: string } | null | undefined): { id: string, slug: string, name: string } | null =>
  entity == null ? null : { id: entity.id, slug: entity.slug, name: entity.name }

export async function variantsOf (em: EntityManager, productId: string): Promise<VariantEntity[]> {
  return await em.find(VariantEntity, { product: productId }, { orderBy: { position: 'asc', createdAt: 'asc' } })
}

/** The product page: everything about one product, in a few indexed queries. */
async function productView (em: EntityManager, settings: CatalogSettings, product: ProductEntity) {
  const [variants, images, tags, breadcrumbs] = await Promise.all([
    variantsOf(em, product.id),
    galleryOf(em, product.id),
    tagNames(em, product.tagIds),
    product.category == null ? Promise.resolve([]) : categoryPath(em, product.category.id)
  ])
  const view = {
    id: product.id,
    slug: product.slug,
    name: product.name,
    description: product.description ?? null,
    status: product.status,
    brand: ref(product.brand),
    category: ref(product.category),
    breadcrumbs,
    tags,
    attributes: product.attributes,
    options: product.options,
    priceRange: { min: money(settings, product.priceMin), max: money(settings, product.priceMax) },
    available: variants.some((variant) => variant.stock > 0),
    rating: { average: Number(product.ratingAverage), count: product.ratingCount },
    images: images.map((image) => toProductImage(settings, image)),
    createdAt: product.createdAt.toISOString(),
    updatedAt: product.updatedAt.toISOString()
  }
  return { view, variants }
}

/** A product by id, or by its current or a former slug. */
async function findProductBy (em: EntityManager, idOrSlug: string): Promise<ProductEntity | null> {
  if (isUuid(idOrSlug)) return await em.findOne(ProductEntity, { id: idOrSlug }, { populate: ['brand', 'category'] })
  const slug = await em.findOne(ProductSlug, { slug: idOrSlug })
  return slug === null ? null : await em.findOne(ProductEntity, { id: slug.product.id }, { populate: ['brand', 'category'] })
}

/** The storefront's product page: `ACTIVE` products only. */
export async function getProduct (em: EntityManager, settings: CatalogSettings, idOrSlug: string): Promise<Product> {
  const product = await findProductBy(em, idOrSlug)
  if (product === null || product.status !== 'ACTIVE') throw notFound()
  const { view, variants } = await productView(em, settings, product)
  return { ...view, variants: variants.map((variant) => toVariant(settings, variant)) }
}

async function adminView (em: EntityManager, settings: CatalogSettings, product: ProductEntity): Promise<Versioned<AdminProduct>> {
  const { view, variants } = await productView(em, settings, product)
  return {
    resource: {
      ...view,
      totalStock: variants.reduce((sum, variant) => sum + variant.stock, 0),
      unitsSold: product.unitsSold,
      variants: variants.map((variant) => toAdminVariant(settings, variant))
    },
    version: product.version
  }
}

export async function adminGetProduct (em: EntityManager, settings: CatalogSettings, id: string): Promise<Versioned<AdminProduct>> {
  const product = await em.findOne(ProductEntity, { id }, { populate: ['brand', 'category'] })
  if (product === null) throw notFound()
  return await adminView(em, settings, product)
}

const afterId = (position: Record<string, unknown>): string | undefined => typeof position.before === 'string' && isUuid(position.before) ? position.before : undefined

/** Staff's product list: every status, newest first, filtered by status, category (with its subtree), brand and name. */
export async function listAdminProducts (em: EntityManager, settings: CatalogSettings, query: AdminProductQuery): Promise<Page<AdminProductSummary>> {
  const limit = query.limit ?? 20
  const conditions: object[] = []
  if (query.status !== undefined) conditions.push({ status: query.status })
  if (query.category !== undefined) conditions.push({ category: { $in: await categoryAndDescendants(em, query.category) ?? [] } })
  if (query.brand !== undefined) {
    const brands = await em.find(Brand, { $or: [{ slug: { $in: query.brand } }, { id: { $in: query.brand.filter(isUuid) } }] })
    conditions.push({ brand: { $in: brands.map((brand) => brand.id) } })
  }
  if (query.q !== undefined) conditions.push({ name: { $ilike: `%${query.q.replace(/[\\%_]/g, (character) => `\\${character}`)}%` } })
  if (query.cursor !== undefined) conditions.push({ id: { $lt: decodeCursor(query.cursor, afterId) } })
  const rows = await em.find(ProductEntity, { $and: conditions }, { populate: ['brand', 'category'], orderBy: { id: 'desc' }, limit: limit + 1 })
  const page = rows.slice(0, limit)
  const stock = page.length === 0
    ? []
    : (await sql<{ product_id: string, stock: string, variants: string }>`select product_id, sum(stock) as stock, count(*) as variants from variants where product_id = any(${page.map((product) => product.id)}::uuid[]) group by product_id`.execute(em.getKysely())).rows
  const stockOf = new Map(stock.map((row) => [row.product_id, row]))
  const last = page.at(-1)
  return {
    items: page.map((product) => ({
      id: product.id,
      slug: product.slug,
      name: product.name,
      status: product.status,
      brand: ref(product.brand),
      category: ref(product.category),
      priceRange: { min: money(settings, product.priceMin), max: money(settings, product.priceMax) },
      totalStock: Number(stockOf.get(product.id)?.stock ?? 0),
      variantCount: Number(stockOf.get(product.id)?.variants ?? 1),
      createdAt: product.createdAt.toISOString(),
      updatedAt: product.updatedAt.toISOString()
    })),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor({ before: last.id }) : null
  }
}

/** A variant to create, checked against the product's options and the shop's currency. */
export function variantInput (settings: CatalogSettings, options: ProductOption[], input: CreateVariantRequest, pointer: string) {
  const { key, defaultTitle } = checkOptionValues(options, input.optionValues ?? {}, `${pointer}/optionValues`)
  const price = priceAmount(settings, input.price, `${pointer}/price`)
  const compareAtPrice = input.compareAtPrice == null ? null : priceAmount(settings, input.compareAtPrice, `${pointer}/compareAtPrice`)
  if (compareAtPrice !== null && compareAtPrice <= price) throw invalidField(`${pointer}/compareAtPrice`, 'must be higher than the price')
  return {
    sku: input.sku,
    title: input.title?.trim() ?? defaultTitle,
    optionValues: input.optionValues ?? {},
    optionKey: key,
    price,
    compareAtPrice,
    stock: input.stock ?? 0,
    weightGrams: input.weightGrams ?? null
  }
}

/** 409 when any of these SKUs (compared case-insensitively) already belongs to a variant. */
export async function assertSkusFree (em: EntityManager, skus: string[], exceptVariantId?: string): Promise<void> {
  const { rows } = await sql`select id from variants where lower(sku) = any(${skus.map((sku) => sku.toLowerCase())}::text[]) and id is distinct from ${exceptVariantId ?? null}::uuid`.execute(em.getKysely())
  if (rows.length > 0) throw skuTaken()
}

/** A category or brand a product is to refer to must exist: 404 otherwise. */
async function assertExists (em: EntityManager, entity: typeof Category | typeof Brand, id: string | null | undefined): Promise<void> {
  if (id == null) return
  const found = entity === Category ? await em.count(Category, { id }) : await em.count(Brand, { id })
  if (found === 0) throw notFound()
}

/** A slug staff chose for a product: free (or already this product's own), and not one the routes reserve. */
async function claimProductSlug (tx: EntityManager, slug: string, productId?: string): Promise<void> {
  if (isReservedSlug(slug)) throw invalidField('/body/slug', 'is reserved')
  const existing = await tx.findOne(ProductSlug, { slug })
  if (existing !== null && existing.product.id !== productId) throw slugTaken()
}

export async function createProduct (em: EntityManager, settings: CatalogSettings, input: CreateProductRequest, actor: Actor): Promise<Versioned<AdminProduct>> {
  const options = input.options ?? []
  checkOptions(options, '/body/options')
  if (options.length === 0 && input.variants.length > 1) throw invalidField('/body/variants', 'must hold exactly one variant, the default, for a product without options')
  const variants = input.variants.map((variant, index) => variantInput(settings, options, variant, `/body/variants/${index}`))
  variants.forEach((variant, index) => {
    const earlier = variants.findIndex((other) => other.optionKey === variant.optionKey)
    if (earlier < index) throw invalidField(`/body/variants/${index}/optionValues`, `repeats the option values of variant ${earlier}`)
    const sameSku = variants.findIndex((other) => other.sku.toLowerCase() === variant.sku.toLowerCase())
    if (sameSku < index) throw invalidField(`/body/variants/${index}/sku`, `repeats the SKU of variant ${sameSku}`)
  })
  const product = await em.transactional(async (tx) => {
    await assertExists(tx, Category, input.categoryId)
    await assertExists(tx, Brand, input.brandId)
    await assertSkusFree(tx, variants.map((variant) => variant.sku))
    let slug = input.slug
    if (slug === undefined) slug = await availableSlug(tx, 'product_slugs', slugFrom(input.name))
    else await claimProductSlug(tx, slug)
    const created = tx.create(ProductEntity, {
      slug,
      name: input.name.trim(),
      description: input.description ?? null,
      status: input.status ?? 'DRAFT',
      category: input.categoryId ?? null,
      brand: input.brandId ?? null,
      options,
      attributes: input.attributes ?? [],
      tagIds: await resolveTags(tx, input.tags ?? [])
    })
    tx.create(ProductSlug, { slug, product: created })
    for (const [position, variant] of variants.entries()) recordInitialStock(tx, tx.create(VariantEntity, { ...variant, product: created, position }), actor)
    await tx.flush()
    await refreshPriceRanges(tx, { productIds: [created.id] })
    await refreshSearchDocuments(tx, { productIds: [created.id] })
    return created
  })
  return await adminGetProduct(em.fork(), settings, product.id)
}

/** Changes a product's own fields; with `If-Match`, only if it is still the version the caller saw. */
export async function updateProduct (em: EntityManager, settings: CatalogSettings, id: string, input: UpdateProductRequest, ifMatch?: string): Promise<Versioned<AdminProduct>> {
  if (input.options !== undefined) checkOptions(input.options, '/body/options')
  await em.transactional(async (tx) => {
    const product = await lockProduct(tx, id)
    assertIfMatch(ifMatch, product.version)
    if (input.categoryId !== undefined) await assertExists(tx, Category, input.categoryId)
    if (input.brandId !== undefined) await assertExists(tx, Brand, input.brandId)
    if (input.options !== undefined) {
      const options = input.options
      const variants = await variantsOf(tx, id)
      const invalid = variants.find((variant) => optionValuesProblem(options, variant.optionValues) !== undefined)
      if (invalid !== undefined) throw variantsDoNotMatchOptions(invalid.sku)
      if (options.length === 0 && variants.length > 1) throw variantsDoNotMatchOptions(variants[1]?.sku ?? '')
      product.options = options
    }
    if (input.slug !== undefined && input.slug !== product.slug) {
      await claimProductSlug(tx, input.slug, id)
      if (await tx.count(ProductSlug, { slug: input.slug }) === 0) tx.create(ProductSlug, { slug: input.slug, product })
      product.slug = input.slug
    }
    if (input.name !== undefined) product.name = input.name.trim()
    if (input.description !== undefined) product.description = input.description
    if (input.status !== undefined) product.status = input.status
    if (input.categoryId !== undefined) product.category = input.categoryId === null ? null : tx.getReference(Category, input.categoryId)
    if (input.brandId !== undefined) product.brand = input.brandId === null ? null : tx.getReference(Brand, input.brandId)
    if (input.attributes !== undefined) product.attributes = input.attributes
    if (input.tags !== undefined) product.tagIds = await resolveTags(tx, input.tags)
    await tx.flush()
    const searchable = ['name', 'description', 'categoryId', 'brandId', 'tags'].some((field) => field in input)
    if (searchable) await refreshSearchDocuments(tx, { productIds: [id] })
  })
  return await adminGetProduct(em.fork(), settings, id)
}

/** Deletes a product nothing references, its variants, slugs and images, and then the images' files. */
export async function deleteProduct (em: EntityManager, media: Pick<MediaSettings, 'storage'>, id: string): Promise<void> {
  const keys = await em.transactional(async (tx) => {
    const product = await tx.findOne(ProductEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE })
    if (product === null) throw notFound()
    const images = await tx.find(ProductImageEntity, { product: id })
    await tx.nativeDelete(ProductEntity, { id })
    return images.map((image) => image.key)
  })
  await deleteStoredFiles(media, keys)
}

/**
 * Recomputes what listing and search keep on products (price ranges, search documents, vocabulary), for
 * products written in bulk rather than through this service (demo data, imports).
 */
export async function reindexProducts (em: EntityManager, selection: ProductSelection): Promise<void> {
  await refreshPriceRanges(em, selection)
  await refreshSearchDocuments(em, selection)
}
