import { Type, type Static } from '@sinclair/typebox'
import { IdSchema, MoneySchema } from '../../openapi/shared.schemas.js'
import { postalAddressInputFields } from '../customers/customers.contract.js'
import { PaymentMethodSchema } from '../orders/orders.contract.js'

/** Mirrors of openapi/components/orders.yaml: checkout's body. */

export const CheckoutAddressSchema = Type.Object(postalAddressInputFields, { additionalProperties: false })
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
