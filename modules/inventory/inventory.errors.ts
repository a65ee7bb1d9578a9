import { ProblemError } from '../../plugins/problem.js'

export interface ShortVariant {
  variantId: string
  sku: string
  requested: number
  available: number
}

export const outOfStock = (short: ShortVariant[]): ProblemError =>
  new ProblemError(409, 'OUT_OF_STOCK', short.length === 1
    ? `Only ${short[0]?.available ?? 0} of ${short[0]?.sku ?? 'this variant'} ${short[0]?.available === 1 ? 'is' : 'are'} in stock.`
    : `${short.length} variants do not have the stock asked for; \`variants\` lists what is available.`, { extensions: { variants: short } })

export const stockWouldGoNegative = (stock: number): ProblemError =>
  new ProblemError(409, 'STOCK_WOULD_GO_NEGATIVE', `The stock is ${stock}; it cannot go below zero.`, { extensions: { stock } })

export const variantNotFound = (): ProblemError =>
  new ProblemError(404, 'NOT_FOUND', 'No product variant has this id.')
