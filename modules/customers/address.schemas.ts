import { Type, type Static } from '@sinclair/typebox'
import { CountryCodeSchema, IdSchema, Nullable, PageSchema, PersonNameSchema, PhoneSchema, TimestampSchema } from '../../openapi/shared.schemas.js'

const NullableText = Type.Union([Type.String(), Type.Null()])

/** The postal fields of an address as the API answers them: the address book's, and the snapshot an order keeps. */
export const postalAddressFields = {
  fullName: Type.String(),
  company: NullableText,
  line1: Type.String(),
  line2: NullableText,
  city: Type.String(),
  region: NullableText,
  postalCode: Type.String(),
  country: Type.String(),
  phone: NullableText
}

export const AddressSchema = Type.Object({
  id: IdSchema,
  label: NullableText,
  ...postalAddressFields,
  isDefaultShipping: Type.Boolean(),
  isDefaultBilling: Type.Boolean(),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema
}, { additionalProperties: false })
export type Address = Static<typeof AddressSchema>

export const AddressPageSchema = PageSchema(AddressSchema)

export const AddressTextSchema = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' })
export const OptionalAddressTextSchema = Nullable(Type.String({ maxLength: 200 }))
export const PostalCodeSchema = Type.String({ minLength: 1, maxLength: 20, pattern: '\\S' })

/** The postal fields of an address as a client writes them: the address book's and checkout's inline address. */
export const postalAddressInputFields = {
  fullName: PersonNameSchema,
  company: Type.Optional(OptionalAddressTextSchema),
  line1: AddressTextSchema,
  line2: Type.Optional(OptionalAddressTextSchema),
  city: AddressTextSchema,
  region: Type.Optional(OptionalAddressTextSchema),
  postalCode: PostalCodeSchema,
  country: CountryCodeSchema,
  phone: Type.Optional(Nullable(PhoneSchema))
}

const addressFields = {
  label: Type.Optional(OptionalAddressTextSchema),
  ...postalAddressInputFields,
  isDefaultShipping: Type.Optional(Type.Boolean()),
  isDefaultBilling: Type.Optional(Type.Boolean())
}

export const CreateAddressRequestSchema = Type.Object(addressFields, { additionalProperties: false })
export type CreateAddressRequest = Static<typeof CreateAddressRequestSchema>

export const UpdateAddressRequestSchema = Type.Partial(Type.Object(addressFields), { additionalProperties: false, minProperties: 1 })
export type UpdateAddressRequest = Static<typeof UpdateAddressRequestSchema>
