import { ProblemError, invalidField, problemForConstraint } from '../../plugins/problem.js'

export const reviewNotFound = (): ProblemError =>
  new ProblemError(404, 'NOT_FOUND', 'The requested resource does not exist.')

export const reviewExists = (reviewId?: string): ProblemError =>
  new ProblemError(409, 'REVIEW_EXISTS', 'You have already reviewed this product; edit that review instead.', reviewId === undefined ? {} : { extensions: { reviewId } })

export const reviewModerated = (): ProblemError =>
  new ProblemError(409, 'REVIEW_MODERATED', 'Staff took this review down: you may edit it, and they may publish it again, but it cannot be deleted.')

export const reviewImagesFull = (limit: number): ProblemError =>
  new ProblemError(409, 'REVIEW_IMAGES_FULL', `A review has at most ${limit} images (REVIEW_MAX_IMAGES), counting uploads not yet confirmed; delete one first.`, { extensions: { limit } })

export const reasonRequired = (status: string): ProblemError =>
  invalidField('/body/reason', `is required to set a review ${status}`)

// Creation checks for an existing review under the product's lock, so this is only the last line of defence.
problemForConstraint('reviews_product_customer_unique', () => reviewExists())
