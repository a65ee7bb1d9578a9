import { Type, type Static } from '@sinclair/typebox'
import { CountryCodeSchema, IdSchema, MoneySchema, Nullable, PageSchema, TimestampSchema } from '../../openapi/shared.schemas.js'
import { CatalogNameSchema, PriceInputSchema } from '../catalog/catalog.contract.js'

/** Mirrors of openapi/components/orders.yaml: shipping methods. */

export const DeliveryEstimateSchema = Type.Object({
  min: Type.Integer({ minimum: 0, maximum: 365 }),
  max: Type.Integer({ minimum: 0, maximum: 365 })
}, { additionalProperties: false })

export const ShippingMethodSchema = Type.Object({
  id: IdSchema,
  name: Type.String(),
  price: MoneySchema,
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
  active: Type.Optional(Type.Boolean())
}

export const CreateShippingMethodRequestSchema = Type.Object(shippingMethodFields, { additionalProperties: false })
export type CreateShippingMethodRequest = Static<typeof CreateShippingMethodRequestSchema>

export const UpdateShippingMethodRequestSchema = Type.Partial(Type.Object(shippingMethodFields), { additionalProperties: false, minProperties: 1 })
export type UpdateShippingMethodRequest = Static<typeof UpdateShippingMethodRequestSchema>

export const CartShippingMethodSchema = Type.Object({
  id: IdSchema,
  name: Type.String(),
  price: MoneySchema,
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
  country: Type.Optional(CountryCodeSchema)
}, { additionalProperties: false })
export type CartShippingQuery = Static<typeof CartShippingQuerySchema>
