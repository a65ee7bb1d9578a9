import { ProblemError } from '../../plugins/problem.js'

export const cartNotFound = (): ProblemError =>
  new ProblemError(404, 'CART_NOT_FOUND', 'No cart has this token: it never existed, was merged, or expired.')

export const cartLineNotFound = (): ProblemError =>
  new ProblemError(404, 'NOT_FOUND', 'The cart has no such line.')

export const variantNotFound = (): ProblemError =>
  new ProblemError(404, 'NOT_FOUND', 'No product variant has this id.')

export const noCart = (): ProblemError =>
  new ProblemError(401, 'UNAUTHORIZED', 'Sign in, or send the X-Cart-Token of a guest cart (POST /api/v1/cart).', { headers: { 'www-authenticate': 'Bearer' } })

export const quantityLimitExceeded = (limit: number): ProblemError =>
  new ProblemError(409, 'QUANTITY_LIMIT_EXCEEDED', `A cart line holds at most ${limit} units.`, { extensions: { limit } })

export const cartFull = (limit: number): ProblemError =>
  new ProblemError(409, 'CART_FULL', `A cart holds at most ${limit} lines; remove one first.`, { extensions: { limit } })

export interface UnavailableLine {
  variantId: string
  productName: string
}

export const productUnavailable = (lines: UnavailableLine[]): ProblemError =>
  new ProblemError(409, 'PRODUCT_UNAVAILABLE', `${lines.map((line) => line.productName).join(', ')} ${lines.length === 1 ? 'is' : 'are'} no longer sold; remove ${lines.length === 1 ? 'it' : 'them'} from the cart.`, { extensions: { variants: lines } })

export const cartEmpty = (): ProblemError =>
  new ProblemError(409, 'CART_EMPTY', 'The cart is empty: add something before checking out.')
