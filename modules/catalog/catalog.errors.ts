import { ProblemError, invalidField, problemForConstraint } from '../../plugins/problem.js'

export const notFound = (): ProblemError =>
  new ProblemError(404, 'NOT_FOUND', 'The requested resource does not exist.')

export const moveToItself = (): ProblemError =>
  invalidField('/query/moveProductsTo', 'must name another one than the one being deleted')

export const slugTaken = (): ProblemError =>
  new ProblemError(409, 'SLUG_TAKEN', 'Another resource of this kind already has this slug; choose another.')

export const skuTaken = (): ProblemError =>
  new ProblemError(409, 'SKU_TAKEN', 'Another variant already has this SKU.')

export const categoryCycle = (): ProblemError =>
  new ProblemError(409, 'CATEGORY_CYCLE', 'A category cannot move under itself or under one of its own subcategories.')

export const categoryNotEmpty = (products: number, children: number): ProblemError =>
  new ProblemError(409, 'CATEGORY_NOT_EMPTY', `The category still has ${products} products and ${children} subcategories; name where its products go with ?moveProductsTo=.`, { extensions: { products, children } })

export const brandInUse = (products: number): ProblemError =>
  new ProblemError(409, 'BRAND_IN_USE', `${products} products carry this brand; name the brand they change to with ?moveProductsTo=.`, { extensions: { products } })

export const lastVariant = (): ProblemError =>
  new ProblemError(409, 'LAST_VARIANT', 'A product keeps at least one variant; delete or archive the product instead.')

export const variantsDoNotMatchOptions = (sku: string): ProblemError =>
  new ProblemError(409, 'VARIANTS_DO_NOT_MATCH_OPTIONS', `Variant ${sku} would no longer have a valid value for every option; change its option values first.`)

export const galleryFull = (limit: number): ProblemError =>
  new ProblemError(409, 'GALLERY_FULL', `A product has at most ${limit} images; delete one first.`)

// Two requests racing for one slug or SKU: the loser's insert hits the constraint, and reads as the check would.
problemForConstraint('products_slug_unique', slugTaken)
problemForConstraint('product_slugs_pkey', slugTaken)
problemForConstraint('categories_slug_unique', slugTaken)
problemForConstraint('brands_slug_unique', slugTaken)
problemForConstraint('variants_sku_unique', skuTaken)
