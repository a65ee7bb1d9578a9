import { Type, type Static } from '@sinclair/typebox'
import { CountryCodeSchema, IdSchema, MoneySchema, Nullable, PersonNameSchema, PhoneSchema } from '../../openapi/shared.schemas.js'
import { AddressTextSchema, OptionalAddressTextSchema, PostalCodeSchema } from '../customers/customers.contract.js'
import { PaymentMethodSchema } from '../orders/orders.contract.js'

/** Mirrors of openapi/components/orders.yaml: checkout's body. */

export const CheckoutAddressSchema = Type.Object({
  fullName: PersonNameSchema,
  company: Type.Optional(OptionalAddressTextSchema),
  line1: AddressTextSchema,
  line2: Type.Optional(OptionalAddressTextSchema),
  city: AddressTextSchema,
  region: Type.Optional(OptionalAddressTextSchema),
  postalCode: PostalCodeSchema,
  country: CountryCodeSchema,
  phone: Type.Optional(Nullable(PhoneSchema))
}, { additionalProperties: false })
export type CheckoutAddress = Static<typeof CheckoutAddressSchema>

export const CheckoutRequestSchema = Type.Object({
  addressId: Type.Optional(IdSchema),
  address: Type.Optional(CheckoutAddressSchema),
  shippingMethodId: IdSchema,
  paymentMethod: PaymentMethodSchema,
  expectedTotal: MoneySchema,
  note: Type.Optional(Type.String({ maxLength: 500 }))
}, { additionalProperties: false })
export type CheckoutRequest = Static<typeof CheckoutRequestSchema>
