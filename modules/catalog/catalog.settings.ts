import type { Money } from '../../openapi/shared.schemas.js'
import { invalidField } from '../../plugins/problem.js'

/** What the catalog's use cases need besides the EntityManager. */
export interface CatalogSettings {
  /** The shop's currency (SHOP_CURRENCY): every price is in it. */
  currency: string
  /** Where clients download a stored file. */
  urlOf: (key: string) => string
}

export function money (settings: CatalogSettings, amount: number): Money {
  return { amount, currency: settings.currency }
}

/** A price sent by staff, in minor units of the shop's currency; another currency is a 400 at `pointer`. */
export function priceAmount (settings: CatalogSettings, price: Money, pointer: string): number {
  if (price.currency !== settings.currency) throw invalidField(`${pointer}/currency`, `must be the shop's currency, ${settings.currency}`)
  return price.amount
}
