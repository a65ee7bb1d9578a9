import type { EntityManager } from '@mikro-orm/postgresql'
import { sql } from 'kysely'
import type { AppConfig } from '../../fastify.config.js'
import type { Carrier, CarrierId } from './carrier.js'
import { manualCarrier } from './manual-carrier.js'
import { createShiprocketCarrier } from './shiprocket-carrier.js'

export interface ShopCarriers {
  carriers: Map<CarrierId, Carrier>
  callbackSlugs: Map<string, CarrierId>
}

// One client per app, shared by shipping's quotes and the parcels (so one Shiprocket login serves both).
const built = new WeakMap<AppConfig, ShopCarriers>()

/** The shop's carriers from its configuration: `manual` always, Shiprocket when its account is set. */
export function carriersOf (config: AppConfig): ShopCarriers {
  const known = built.get(config)
  if (known !== undefined) return known
  const carriers = new Map<CarrierId, Carrier>([['manual', manualCarrier]])
  const callbackSlugs = new Map<string, CarrierId>()
  const { SHIPROCKET_EMAIL, SHIPROCKET_PASSWORD, SHIPROCKET_PICKUP_POSTCODE, SHIPROCKET_WEBHOOK_TOKEN } = config
  if (SHIPROCKET_EMAIL !== undefined && SHIPROCKET_PASSWORD !== undefined && SHIPROCKET_PICKUP_POSTCODE !== undefined && SHIPROCKET_WEBHOOK_TOKEN !== undefined) {
    carriers.set('shiprocket', createShiprocketCarrier({
      apiUrl: config.SHIPROCKET_API_URL,
      email: SHIPROCKET_EMAIL,
      password: SHIPROCKET_PASSWORD,
      pickupLocation: config.SHIPROCKET_PICKUP_LOCATION,
      pickupPostcode: SHIPROCKET_PICKUP_POSTCODE,
      webhookToken: SHIPROCKET_WEBHOOK_TOKEN,
      timeoutMs: config.CARRIER_TIMEOUT_MS,
      currency: config.SHOP_CURRENCY
    }))
    callbackSlugs.set(config.SHIPROCKET_CALLBACK_SLUG, 'shiprocket')
  }
  built.set(config, { carriers, callbackSlugs })
  return { carriers, callbackSlugs }
}

export interface Parcel {
  postalCode: string | null
  country: string
  weightGrams: number
  cashOnDelivery: boolean
  declaredValue: number
}

export interface CarrierQuoter {
  /** Whether this carrier can price parcels in this shop (it is configured, and has a rate API). */
  quotes: (carrier: string) => boolean
  /**
   * The carrier's cheapest price for the parcel in the shop's currency, or null when it has none or does not
   * answer in `CARRIER_RATE_TIMEOUT_MS`. With `cachedOnly`, only a quote given in the last few minutes (checkout
   * holds its cart's lock and never waits on a carrier).
   */
  cheapest: (carrier: string, parcel: Parcel, options?: { cachedOnly?: boolean }) => Promise<number | null>
}

/** How long a carrier's quote holds: the cart listing and the checkout that follows it charge the same. */
const QUOTE_TTL_MS = 10 * 60 * 1000
const MAX_CACHED_QUOTES = 10_000

const quoters = new WeakMap<AppConfig, CarrierQuoter>()

/**
 * Quotes from the shop's configured carriers, each bounded by CARRIER_RATE_TIMEOUT_MS (a slow carrier never
 * holds up a cart) and kept for ten minutes per parcel, one cache per app, so that repeated listings do not
 * spend the carrier's rate limit.
 */
export function carrierQuoterOf (config: AppConfig, log: { warn: (details: object, message: string) => void }): CarrierQuoter {
  const known = quoters.get(config)
  if (known !== undefined) return known
  const { carriers } = carriersOf(config)
  const rated = (carrier: string) => carrier !== 'manual' ? carriers.get(carrier as CarrierId) : undefined
  const cache = new Map<string, { price: number, until: number }>()
  const quoter: CarrierQuoter = {
    quotes: (carrier) => rated(carrier) !== undefined,
    cheapest: async (carrierId, parcel, options = {}) => {
      const carrier = rated(carrierId)
      if (carrier === undefined || parcel.postalCode === null) return null
      const key = JSON.stringify([carrierId, parcel.country, parcel.postalCode, parcel.weightGrams, parcel.cashOnDelivery, parcel.declaredValue])
      const cached = cache.get(key)
      if (cached !== undefined && cached.until > Date.now()) return cached.price
      if (options.cachedOnly === true) return null
      try {
        const rates = await carrier.rates({
          destination: { postalCode: parcel.postalCode, country: parcel.country },
          weightGrams: parcel.weightGrams,
          cashOnDelivery: parcel.cashOnDelivery,
          declaredValue: parcel.declaredValue
        }, AbortSignal.timeout(config.CARRIER_RATE_TIMEOUT_MS))
        const prices = rates.filter((rate) => rate.currency === config.SHOP_CURRENCY).map((rate) => rate.price)
        if (prices.length === 0) return null
        const price = Math.min(...prices)
        if (cache.size >= MAX_CACHED_QUOTES) cache.delete(cache.keys().next().value as string)
        cache.delete(key)
        cache.set(key, { price, until: Date.now() + QUOTE_TTL_MS })
        return price
      } catch (error) {
        log.warn({ err: error, carrier: carrierId }, 'a carrier gave no rate in time: the method\'s own price applies')
        return null
      }
    }
  }
  quoters.set(config, quoter)
  return quoter
}

/** What the variants weigh, `quantity` units each; SHIPPING_DEFAULT_WEIGHT_GRAMS for those without a weight. */
export async function parcelWeight (em: EntityManager, defaultWeightGrams: number, lines: Array<{ variantId: string, quantity: number }>): Promise<number> {
  if (lines.length === 0) return 0
  const { rows: [row] } = await sql<{ grams: string }>`select coalesce(sum(coalesce(v.weight_grams, ${defaultWeightGrams}) * l.quantity), 0)::text as grams
    from unnest(${lines.map((line) => line.variantId)}::uuid[], ${lines.map((line) => line.quantity)}::int[]) as l(variant_id, quantity)
    join variants v on v.id = l.variant_id`.execute(em.getKysely())
  return Number(row?.grams ?? 0)
}
