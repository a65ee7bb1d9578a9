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
