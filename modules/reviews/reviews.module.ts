import type { FastifyPluginAsync } from 'fastify'
import { reviewRoutes } from './review.routes.js'
import { reviewImageRoutes } from './review-image.routes.js'
import { adminReviewRoutes } from './admin-review.routes.js'
import { sweepOrphanedReviewImages } from './review-files.js'

/**
 * Reviews and ratings: customers review products (with photos), the storefront lists them with a summary,
 * staff moderate them; each product's rating is kept exact on the product. Routes under /products/{idOrSlug}/reviews,
 * /reviews and /admin/reviews.
 */
const reviewsModule: FastifyPluginAsync = async (app) => {
  await app.register(reviewRoutes)
  await app.register(reviewImageRoutes)
  await app.register(adminReviewRoutes)
  app.scheduleJob({
    name: 'sweep-orphaned-review-images',
    everyMs: 5 * 60 * 1000,
    run: async (em) => {
      const swept = await sweepOrphanedReviewImages(em, { storage: app.storage })
      if (swept > 0) app.log.info({ swept }, 'deleted the files of review images whose review is gone')
    }
  })
}

export default reviewsModule
