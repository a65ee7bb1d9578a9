import { Type, type Static } from '@sinclair/typebox'
import { CountryCodeSchema, IdSchema, MoneySchema, Nullable, PageSchema, StringEnum, TimestampSchema } from '../../openapi/shared.schemas.js'
import { CatalogNameSchema, PriceInputSchema } from '../catalog/catalog.contract.js'
import { CARRIER_IDS } from './carrier.js'
import { SHIPPING_PRICINGS } from './shipping-method.entity.js'

/** Mirrors of openapi/components/orders.yaml: shipping methods. */

export const DeliveryEstimateSchema = Type.Object({
  min: Type.Integer({ minimum: 0, maximum: 365 }),
  max: Type.Integer({ minimum: 0, maximum: 365 })
}, { additionalProperties: false })

export const CarrierIdSchema = StringEnum(CARRIER_IDS)
const ShippingPricingSchema = StringEnum(SHIPPING_PRICINGS)

export const ShippingMethodSchema = Type.Object({
  id: IdSchema,
  name: Type.String(),
  price: MoneySchema,
  pricing: ShippingPricingSchema,
  carrier: Nullable(CarrierIdSchema),
  freeAbove: Nullable(MoneySchema),
  countries: Type.Array(CountryCodeSchema),
  estimatedDays: DeliveryEstimateSchema,
  active: Type.Boolean(),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema
}, { additionalProperties: false })
export type ShippingMethod = Static<typeof ShippingMethodSchema>

export const ShippingMethodPageSchema = PageSchema(ShippingMethodSchema)

const CountriesSchema = Type.Array(CountryCodeSchema, { minItems: 1, maxItems: 250, uniqueItems: true })

const shippingMethodFields = {
  name: CatalogNameSchema,
  price: PriceInputSchema,
  freeAbove: Type.Optional(Nullable(PriceInputSchema)),
  countries: CountriesSchema,
  estimatedDays: DeliveryEstimateSchema,
  active: Type.Optional(Type.Boolean()),
  pricing: Type.Optional(ShippingPricingSchema),
  carrier: Type.Optional(Nullable(CarrierIdSchema))
}

export const CreateShippingMethodRequestSchema = Type.Object(shippingMethodFields, { additionalProperties: false })
export type CreateShippingMethodRequest = Static<typeof CreateShippingMethodRequestSchema>

export const UpdateShippingMethodRequestSchema = Type.Partial(Type.Object(shippingMethodFields), { additionalProperties: false, minProperties: 1 })
export type UpdateShippingMethodRequest = Static<typeof UpdateShippingMethodRequestSchema>

export const CartShippingMethodSchema = Type.Object({
  id: IdSchema,
  name: Type.String(),
  price: MoneySchema,
  priceSource: StringEnum(['FLAT', 'CARRIER', 'FALLBACK'] as const),
  freeAbove: Nullable(MoneySchema),
  estimatedDays: DeliveryEstimateSchema,
  total: MoneySchema
}, { additionalProperties: false })

export const CartShippingMethodsSchema = Type.Object({
  country: CountryCodeSchema,
  items: Type.Array(CartShippingMethodSchema)
}, { additionalProperties: false })
export type CartShippingMethods = Static<typeof CartShippingMethodsSchema>

export const CartShippingQuerySchema = Type.Object({
  addressId: Type.Optional(IdSchema),
  country: Type.Optional(CountryCodeSchema),
  postalCode: Type.Optional(Type.String({ minLength: 1, maxLength: 20 }))
}, { additionalProperties: false })
export type CartShippingQuery = Static<typeof CartShippingQuerySchema>
