import type { EntityManager } from '@mikro-orm/postgresql'
import { claimUpload, deleteStoredFiles, inspectImageUpload, startImageUpload, type MediaSettings, type StartedUpload } from '../media/upload.service.js'
import { Product } from './product.entity.js'
import { ProductImage as ProductImageEntity, type ImageContentType } from './product-image.entity.js'
import type { CatalogSettings } from './catalog.settings.js'
import type { ConfirmImageRequest, ProductImage, UpdateImageRequest } from './product-image.schemas.js'
import { galleryFull, notFound } from './catalog.errors.js'
import { touchProduct } from './product-index.repository.js'
import { lockProduct } from './product-lock.js'

export const MAX_IMAGES_PER_PRODUCT = 50

export function toProductImage (settings: CatalogSettings, image: ProductImageEntity): ProductImage {
  return {
    id: image.id,
    url: settings.urlOf(image.key),
    alt: image.alt ?? null,
    width: image.width,
    height: image.height,
    contentType: image.contentType,
    bytes: image.bytes,
    position: image.position,
    primary: image.isPrimary,
    createdAt: image.createdAt.toISOString()
  }
}

export async function galleryOf (em: EntityManager, productId: string): Promise<ProductImageEntity[]> {
  return await em.find(ProductImageEntity, { product: productId }, { orderBy: { position: 'asc', createdAt: 'asc' } })
}

async function findProduct (em: EntityManager, id: string): Promise<Product> {
  const product = await em.findOne(Product, { id })
  if (product === null) throw notFound()
  return product
}

export async function startProductImageUpload (em: EntityManager, media: MediaSettings, productId: string, input: { contentType: ImageContentType, bytes: number }, createdBy: string): Promise<StartedUpload> {
  await findProduct(em, productId)
  return await startImageUpload(em, media, { purpose: 'PRODUCT_IMAGE', ownerId: productId, contentType: input.contentType, bytes: input.bytes, createdBy })
}

/** Makes `image` the product's only primary image. */
async function makePrimary (tx: EntityManager, image: ProductImageEntity): Promise<void> {
  await tx.nativeUpdate(ProductImageEntity, { product: image.product.id, isPrimary: true, id: { $ne: image.id } }, { isPrimary: false })
  image.isPrimary = true
}

/**
 * Adds a confirmed upload to the product's gallery. The product's row is locked while the gallery
 * changes, so concurrent additions keep exactly one primary image and distinct default positions.
 */
export async function addProductImage (em: EntityManager, settings: CatalogSettings, media: MediaSettings, productId: string, input: ConfirmImageRequest): Promise<ProductImage> {
  await findProduct(em, productId)
  const stored = await inspectImageUpload(em, media, { uploadId: input.uploadId, purpose: 'PRODUCT_IMAGE', ownerId: productId })
  const image = await em.transactional(async (tx) => {
    await lockProduct(tx, productId)
    const gallery = await galleryOf(tx, productId)
    if (gallery.length >= MAX_IMAGES_PER_PRODUCT) throw galleryFull(MAX_IMAGES_PER_PRODUCT)
    await claimUpload(tx, input.uploadId)
    const created = tx.create(ProductImageEntity, {
      product: productId,
      key: stored.key,
      contentType: stored.contentType as ImageContentType,
      bytes: stored.bytes,
      width: stored.width,
      height: stored.height,
      alt: input.alt ?? null,
      position: input.position ?? Math.max(-1, ...gallery.map((existing) => existing.position)) + 1,
      isPrimary: false
    })
    if (input.primary === true || gallery.length === 0) await makePrimary(tx, created)
    await touchProduct(tx, productId)
    return created
  })
  return toProductImage(settings, image)
}

export async function updateProductImage (em: EntityManager, settings: CatalogSettings, productId: string, imageId: string, input: UpdateImageRequest): Promise<ProductImage> {
  const image = await em.transactional(async (tx) => {
    await lockProduct(tx, productId)
    const found = await tx.findOne(ProductImageEntity, { id: imageId, product: productId })
    if (found === null) throw notFound()
    if (input.alt !== undefined) found.alt = input.alt
    if (input.position !== undefined) found.position = input.position
    if (input.primary === true) await makePrimary(tx, found)
    await touchProduct(tx, productId)
    return found
  })
  return toProductImage(settings, image)
}

/** Deletes an image and its file; the next image in order becomes primary when it was the primary one. */
export async function deleteProductImage (em: EntityManager, media: MediaSettings, productId: string, imageId: string): Promise<void> {
  const key = await em.transactional(async (tx) => {
    await lockProduct(tx, productId)
    const found = await tx.findOne(ProductImageEntity, { id: imageId, product: productId })
    if (found === null) throw notFound()
    tx.remove(found)
    await tx.flush()
    if (found.isPrimary) {
      const [next] = await galleryOf(tx, productId)
      if (next !== undefined) next.isPrimary = true
    }
    await touchProduct(tx, productId)
    return found.key
  })
  await deleteStoredFiles(media, [key])
}
