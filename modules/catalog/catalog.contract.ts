/**
 * The catalog's representations that other modules answer with (a cart line's image, a staff price), so that
 * every mention of them in the contract has one TypeBox mirror.
 */
export { ImageRefSchema, CatalogNameSchema, type ImageRef } from './catalog.schemas.js'
export { PriceInputSchema, type PriceInput } from './product.schemas.js'
export { ProductSummarySchema, type ProductSummary } from './product-search.schemas.js'
