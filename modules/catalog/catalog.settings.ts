import type { Money } from '../../openapi/shared.schemas.js'
import { amountIn, money as moneyIn } from '../../plugins/money.js'

/** What the catalog's use cases need besides the EntityManager. */
export interface CatalogSettings {
  /** The shop's currency (SHOP_CURRENCY): every price is in it. */
  currency: string
  /** Where clients download a stored file. */
  urlOf: (key: string) => string
}

export function money (settings: CatalogSettings, amount: number): Money {
  return moneyIn(settings.currency, amount)
}

/** A price sent by staff, in minor units of the shop's currency; another currency is a 400 at `pointer`. */
export function priceAmount (settings: CatalogSettings, price: Money, pointer: string): number {
  return amountIn(settings.currency, price, pointer)
}
