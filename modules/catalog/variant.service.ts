import type { EntityManager } from '@mikro-orm/postgresql'
import { invalidField } from '../../plugins/problem.js'
import { assertIfMatch, type Versioned } from '../../plugins/resource-headers.js'
import { Variant } from './variant.entity.js'
import type { AdminVariant, CreateVariantRequest, UpdateVariantRequest } from './product.schemas.js'
import { priceAmount, type CatalogSettings } from './catalog.settings.js'
import { assertSkusFree, toAdminVariant, variantInput, variantsOf } from './product.service.js'
import type { Actor } from '../auth/user.entity.js'
import { lockProduct } from './product-lock.js'
import { recordInitialStock } from './stock-adjustment.entity.js'
import { checkOptionValues } from './variant-options.js'
import { refreshPriceRanges, touchProduct } from './product-index.repository.js'
import { lastVariant, notFound } from './catalog.errors.js'

function versioned (settings: CatalogSettings, variant: Variant): Versioned<AdminVariant> {
  return { resource: toAdminVariant(settings, variant), version: variant.version }
}

export async function createVariant (em: EntityManager, settings: CatalogSettings, productId: string, input: CreateVariantRequest, actor: Actor): Promise<Versioned<AdminVariant>> {
  const variant = await em.transactional(async (tx) => {
    const product = await lockProduct(tx, productId)
    const fields = variantInput(settings, product.options, input, '/body')
    const siblings = await variantsOf(tx, productId)
    if (siblings.some((sibling) => sibling.optionKey === fields.optionKey)) {
      throw invalidField('/body/optionValues', product.options.length === 0 ? 'must be empty, and the product already has its one default variant: add options first' : 'repeats the option values of another variant')
    }
    await assertSkusFree(tx, [fields.sku])
    const created = tx.create(Variant, { ...fields, product, position: Math.max(-1, ...siblings.map((sibling) => sibling.position)) + 1 })
    recordInitialStock(tx, created, actor)
    await tx.flush()
    await refreshPriceRanges(tx, { productIds: [productId] })
    await touchProduct(tx, productId)
    return created
  })
  return versioned(settings, variant)
}

/** Changes a variant (never its stock); with `If-Match`, only if it is still the version the caller saw. */
export async function updateVariant (em: EntityManager, settings: CatalogSettings, productId: string, variantId: string, input: UpdateVariantRequest, ifMatch?: string): Promise<Versioned<AdminVariant>> {
  const variant = await em.transactional(async (tx) => {
    const product = await lockProduct(tx, productId)
    const found = await tx.findOne(Variant, { id: variantId, product: productId }, { refresh: true })
    if (found === null) throw notFound()
    assertIfMatch(ifMatch, found.version)
    if (input.optionValues !== undefined) {
      const { key } = checkOptionValues(product.options, input.optionValues, '/body/optionValues')
      const siblings = await variantsOf(tx, productId)
      if (siblings.some((sibling) => sibling.id !== variantId && sibling.optionKey === key)) throw invalidField('/body/optionValues', 'repeats the option values of another variant')
      found.optionValues = input.optionValues
      found.optionKey = key
    }
    if (input.sku !== undefined && input.sku.toLowerCase() !== found.sku.toLowerCase()) await assertSkusFree(tx, [input.sku], variantId)
    if (input.sku !== undefined) found.sku = input.sku
    if (input.title !== undefined) found.title = input.title.trim()
    if (input.price !== undefined) found.price = priceAmount(settings, input.price, '/body/price')
    if (input.compareAtPrice !== undefined) found.compareAtPrice = input.compareAtPrice === null ? null : priceAmount(settings, input.compareAtPrice, '/body/compareAtPrice')
    if (found.compareAtPrice != null && found.compareAtPrice <= found.price) throw invalidField('/body/compareAtPrice', 'must be higher than the price')
    if (input.weightGrams !== undefined) found.weightGrams = input.weightGrams
    await tx.flush()
    if (input.price !== undefined) await refreshPriceRanges(tx, { productIds: [productId] })
    await touchProduct(tx, productId)
    return found
  })
  return versioned(settings, variant)
}

export async function deleteVariant (em: EntityManager, productId: string, variantId: string): Promise<void> {
  await em.transactional(async (tx) => {
    await lockProduct(tx, productId)
    const found = await tx.findOne(Variant, { id: variantId, product: productId })
    if (found === null) throw notFound()
    if (await tx.count(Variant, { product: productId }) <= 1) throw lastVariant()
    tx.remove(found)
    await tx.flush()
    await refreshPriceRanges(tx, { productIds: [productId] })
    await touchProduct(tx, productId)
  })
}
