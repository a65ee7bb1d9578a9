import type { EntityManager } from '@mikro-orm/postgresql'
import { ProblemError, invalidField } from '../../plugins/problem.js'
import { amountIn, money as moneyIn } from '../../plugins/money.js'
import { findPage } from '../../plugins/pagination.js'
import { retryOnConflict } from '../../plugins/db/retry.js'
import { assertCountryCode } from '../../plugins/validation.js'
import type { Money, Page, PageQuery } from '../../openapi/shared.schemas.js'
import type { AppConfig } from '../../fastify.config.js'
import type { CarrierId } from './carrier.js'
import { carrierQuoterOf, parcelWeight, type CarrierQuoter } from './carriers.service.js'
import { ShippingMethod as ShippingMethodEntity } from './shipping-method.entity.js'
import type { CartShippingMethods, CreateShippingMethodRequest, ShippingMethod, UpdateShippingMethodRequest } from './shipping.schemas.js'

export interface ShippingSettings {
  currency: string
  quoter: CarrierQuoter
  /** SHIPPING_DEFAULT_WEIGHT_GRAMS */
  defaultWeightGrams: number
}

export function shippingSettingsOf (config: AppConfig, log: { warn: (details: object, message: string) => void }): ShippingSettings {
  return { currency: config.SHOP_CURRENCY, quoter: carrierQuoterOf(config, log), defaultWeightGrams: config.SHIPPING_DEFAULT_WEIGHT_GRAMS }
}

/** Where a cart's parcel goes and what is in it, for carrier-priced methods. */
export interface CartParcel {
  postalCode: string | null
  lines: Array<{ variantId: string, quantity: number }>
}

const notFound = (): ProblemError => new ProblemError(404, 'NOT_FOUND', 'No shipping method has this id.')

export const shippingNotAvailable = (country: string): ProblemError =>
  new ProblemError(409, 'SHIPPING_NOT_AVAILABLE', `This shipping method does not deliver to ${country}; GET /api/v1/cart/shipping-methods lists those that do.`)

function money (settings: ShippingSettings, amount: number): Money {
  return moneyIn(settings.currency, amount)
}

function amountOf (settings: ShippingSettings, price: Money, pointer: string): number {
  return amountIn(settings.currency, price, pointer)
}

export function toShippingMethod (settings: ShippingSettings, method: ShippingMethodEntity): ShippingMethod {
  return {
    id: method.id,
    name: method.name,
    price: money(settings, method.price),
    pricing: method.pricing,
    carrier: (method.carrier ?? null) as CarrierId | null,
    freeAbove: method.freeAbove == null ? null : money(settings, method.freeAbove),
    countries: [...method.countries],
    estimatedDays: { min: method.minDays, max: method.maxDays },
    active: method.active,
    createdAt: method.createdAt.toISOString(),
    updatedAt: method.updatedAt.toISOString()
  }
}

type PriceSource = 'FLAT' | 'CARRIER' | 'FALLBACK'

/**
 * What a method costs a cart with this subtotal: nothing from its free-above threshold on; otherwise its
 * price, or its carrier's quote for the parcel (its own price when the carrier gives none in time).
 */
async function priceFor (em: EntityManager, settings: ShippingSettings, method: ShippingMethodEntity, country: string, subtotal: number, parcel: CartParcel, cachedOnly = false): Promise<{ price: number, source: PriceSource }> {
  if (method.freeAbove != null && subtotal >= method.freeAbove) return { price: 0, source: 'FLAT' }
  if (method.pricing !== 'CARRIER_CALCULATED' || method.carrier == null) return { price: method.price, source: 'FLAT' }
  // Quoted as prepaid: the cart's listing does not know yet how it will be paid, and checkout must charge what it showed.
  const quote = await settings.quoter.cheapest(method.carrier, {
    postalCode: parcel.postalCode, country, weightGrams: await parcelWeight(em, settings.defaultWeightGrams, parcel.lines), cashOnDelivery: false, declaredValue: subtotal
  }, { cachedOnly })
  return quote === null ? { price: method.price, source: 'FALLBACK' } : { price: quote, source: 'CARRIER' }
}

function fieldsOf (settings: ShippingSettings, input: UpdateShippingMethodRequest): Partial<ShippingMethodEntity> {
  input.countries?.forEach((country, index) => { assertCountryCode(country, `/body/countries/${index}`) })
  if (input.estimatedDays !== undefined && input.estimatedDays.min > input.estimatedDays.max) throw invalidField('/body/estimatedDays/min', 'must not be above max')
  if (input.carrier != null && !settings.quoter.quotes(input.carrier)) throw invalidField('/body/carrier', `${input.carrier} gives no rates in this shop (it is not configured, or has no rate API)`)
  return {
    ...(input.name === undefined ? {} : { name: input.name.trim() }),
    ...(input.price === undefined ? {} : { price: amountOf(settings, input.price, '/body/price') }),
    ...(input.freeAbove === undefined ? {} : { freeAbove: input.freeAbove === null ? null : amountOf(settings, input.freeAbove, '/body/freeAbove') }),
    ...(input.countries === undefined ? {} : { countries: [...input.countries].sort() }),
    ...(input.estimatedDays === undefined ? {} : { minDays: input.estimatedDays.min, maxDays: input.estimatedDays.max }),
    ...(input.active === undefined ? {} : { active: input.active }),
    ...(input.pricing === undefined ? {} : { pricing: input.pricing }),
    ...(input.carrier === undefined ? {} : { carrier: input.carrier })
  }
}

/** A carrier-priced method names its carrier; a flat one names none. */
function assertPricing (method: ShippingMethodEntity): void {
  if (method.pricing === 'CARRIER_CALCULATED' && method.carrier == null) throw invalidField('/body/carrier', 'is required with pricing CARRIER_CALCULATED')
  if (method.pricing === 'FLAT' && method.carrier != null) throw invalidField('/body/carrier', 'is only for pricing CARRIER_CALCULATED')
}

export async function listShippingMethods (em: EntityManager, settings: ShippingSettings, query: PageQuery): Promise<Page<ShippingMethod>> {
  return await findPage(em, ShippingMethodEntity, {}, query, (method) => toShippingMethod(settings, method))
}

export async function createShippingMethod (em: EntityManager, settings: ShippingSettings, input: CreateShippingMethodRequest): Promise<ShippingMethod> {
  const method = em.create(ShippingMethodEntity, { active: true, pricing: 'FLAT', carrier: null, ...fieldsOf(settings, input) } as ShippingMethodEntity)
  assertPricing(method)
  await em.flush()
  return toShippingMethod(settings, method)
}

/**
 * Staff send only what changes and no `If-Match`: a change that loses the race on `version` is applied again to
 * the method as it is now, so that concurrent changes of different fields all land.
 */
export async function updateShippingMethod (em: EntityManager, settings: ShippingSettings, id: string, input: UpdateShippingMethodRequest): Promise<ShippingMethod> {
  const method = await retryOnConflict(em, async (tx) => {
    const found = await tx.findOne(ShippingMethodEntity, { id })
    if (found === null) throw notFound()
    tx.assign(found, fieldsOf(settings, input))
    if (found.minDays > found.maxDays) throw invalidField('/body/estimatedDays', 'must not have min above max')
    assertPricing(found)
    return found
  })
  return toShippingMethod(settings, method)
}

/** Orders keep their own copy of the method's name and price. */
export async function deleteShippingMethod (em: EntityManager, id: string): Promise<void> {
  if (await em.nativeDelete(ShippingMethodEntity, { id }) === 0) throw notFound()
}

/**
 * The active methods that serve `country`, cheapest first, each with its price for this cart and the cart's
 * total with it; carriers are asked at once. With `freeShipping` (a discount code's), every method costs nothing.
 */
export async function shippingOptions (em: EntityManager, settings: ShippingSettings, country: string, cart: { total: number, subtotal: number, freeShipping: boolean }, parcel: CartParcel): Promise<CartShippingMethods> {
  const { total: cartTotal, subtotal, freeShipping } = cart
  const methods = await em.find(ShippingMethodEntity, { active: true, countries: { $contains: [country] } }, { orderBy: { price: 'asc', name: 'asc' } })
  const priced = await Promise.all(methods.map(async (method) => ({
    method, ...(freeShipping ? { price: 0, source: 'FLAT' as const } : await priceFor(em, settings, method, country, subtotal, parcel))
  })))
  return {
    country,
    items: priced
      .sort((a, b) => a.price - b.price)
      .map(({ method, price, source }) => ({
        id: method.id,
        name: method.name,
        price: money(settings, price),
        priceSource: source,
        freeAbove: method.freeAbove == null ? null : money(settings, method.freeAbove),
        estimatedDays: { min: method.minDays, max: method.maxDays },
        total: money(settings, cartTotal + price)
      }))
  }
}

/**
 * For checkout: the method, if active and serving `country`, with what it costs this cart. With `cachedOnly`
 * (inside checkout's transaction) a carrier-priced method takes only the carrier's recent quote, never
 * asking it again: no lock waits on a carrier.
 */
export async function shippingQuote (em: EntityManager, settings: ShippingSettings, id: string, country: string, subtotal: number, parcel: CartParcel, cachedOnly = false): Promise<{ id: string, name: string, price: number }> {
  const method = await em.findOne(ShippingMethodEntity, { id })
  if (method === null) throw notFound()
  if (!method.active || !method.countries.includes(country)) throw shippingNotAvailable(country)
  return { id: method.id, name: method.name, price: (await priceFor(em, settings, method, country, subtotal, parcel, cachedOnly)).price }
}

/** Whether the method's price comes from its carrier (checkout then asks for the quote before its transaction). */
export async function isCarrierPriced (em: EntityManager, id: string): Promise<boolean> {
  return (await em.findOne(ShippingMethodEntity, { id }))?.pricing === 'CARRIER_CALCULATED'
}
