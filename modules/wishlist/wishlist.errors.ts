import { ProblemError } from '../../plugins/problem.js'

export const productNotFound = (): ProblemError =>
  new ProblemError(404, 'NOT_FOUND', 'No product with this id is on sale.')

export const productArchived = (): ProblemError =>
  new ProblemError(409, 'PRODUCT_ARCHIVED', 'This product is no longer sold and cannot be saved.')

export const wishlistFull = (limit: number): ProblemError =>
  new ProblemError(409, 'WISHLIST_FULL', `A wishlist holds at most ${limit} products; remove one first.`, { extensions: { limit } })
