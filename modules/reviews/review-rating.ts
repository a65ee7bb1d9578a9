import type { EntityManager } from '@mikro-orm/postgresql'
import { lockProductForRating, setProductRating, type ReviewedProduct } from '../catalog/product-rating.service.js'
import { publishedHistogram } from './review.repository.js'
import { summaryOf } from './review-views.js'
import { reviewNotFound } from './reviews.errors.js'

/**
 * Every change to a product's reviews runs in a transaction that first takes the product's row lock
 * (`lockReviewedProduct`) and, once its own writes are flushed, recomputes the product's rating from the
 * reviews table (`refreshProductRating`): changes to one product's reviews, on any instance, apply one after
 * the other, and the rating committed with each is exact.
 */

export async function lockReviewedProduct (tx: EntityManager, productId: string): Promise<ReviewedProduct> {
  const product = await lockProductForRating(tx, productId)
  if (product === null) throw reviewNotFound()
  return product
}

export async function refreshProductRating (tx: EntityManager, productId: string): Promise<void> {
  const { average, count } = summaryOf(await publishedHistogram(tx, productId))
  await setProductRating(tx, productId, { average, count })
}
