import type { Money } from '../openapi/shared.schemas.js'
import { invalidField } from './problem.js'

/** Money as the contract writes it: an integer amount in minor units, and the ISO 4217 currency. */
export function money (currency: string, amount: number): Money {
  return { amount, currency }
}

/** The amount of a price a client sent, which must be in `currency`: another currency is a 400 at `pointer`. */
export function amountIn (currency: string, price: Money, pointer: string): number {
  if (price.currency !== currency) throw invalidField(`${pointer}/currency`, `must be the shop's currency, ${currency}`)
  return price.amount
}

const formats = new Map<string, Intl.NumberFormat>()

/** An amount as people read it, in the currency's own minor units (JPY has none): "$19.99", "¥1,200". */
export function formatMoney ({ amount, currency }: Money): string {
  let format = formats.get(currency)
  if (format === undefined) {
    format = new Intl.NumberFormat('en', { style: 'currency', currency })
    formats.set(currency, format)
  }
  return format.format(amount / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2))
}

/**
 * Splits `total` into parts proportional to `weights` that add up to it exactly: each part rounded down,
 * and the units left over go one each to the parts with the largest remainders (the earlier part on a tie).
 * Exact for any amounts (the products are taken in BigInt). All weights zero: all parts zero.
 */
export function allocateProportionally (total: number, weights: number[]): number[] {
  const sum = BigInt(weights.reduce((acc, weight) => acc + weight, 0))
  if (sum === 0n) return weights.map(() => 0)
  const whole = BigInt(total)
  const parts = weights.map((weight, index) => ({ index, share: whole * BigInt(weight) / sum, remainder: whole * BigInt(weight) % sum }))
  let left = total - parts.reduce((acc, part) => acc + Number(part.share), 0)
  const result = parts.map((part) => Number(part.share))
  for (const part of [...parts].sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1))) {
    if (left <= 0) break
    result[part.index] = (result[part.index] ?? 0) + 1
    left--
  }
  return result
}
