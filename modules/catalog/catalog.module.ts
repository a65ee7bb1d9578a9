import type { FastifyPluginAsync } from 'fastify'
import { categoryRoutes } from './category.routes.js'
import { brandRoutes } from './brand.routes.js'
import { productRoutes } from './product.routes.js'
import { variantRoutes } from './variant.routes.js'
import { productImageRoutes } from './product-image.routes.js'
import { productSearchRoutes } from './product-search.routes.js'

/**
 * The catalog: the category tree, brands, products with variants and image galleries, and browsing and
 * search over them. Public reads under /categories, /brands, /products and /search; staff under /admin.
 */
const catalogModule: FastifyPluginAsync = async (app) => {
  await app.register(categoryRoutes)
  await app.register(brandRoutes)
  await app.register(productSearchRoutes)
  await app.register(productRoutes)
  await app.register(variantRoutes)
  await app.register(productImageRoutes)
}

export default catalogModule
