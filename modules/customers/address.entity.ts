import { defineEntity, p } from '@mikro-orm/core'
import { entityProperties } from '../../plugins/db/entity-properties.js'
import { UserSchema } from '../auth/user.entity.js'

export const AddressSchema = defineEntity({
  name: 'Address',
  tableName: 'addresses',
  indexes: [
    // At most one default of each kind per customer, whatever the concurrency.
    { name: 'addresses_one_default_shipping', expression: 'create unique index "addresses_one_default_shipping" on "addresses" ("user_id") where "is_default_shipping"' },
    { name: 'addresses_one_default_billing', expression: 'create unique index "addresses_one_default_billing" on "addresses" ("user_id") where "is_default_billing"' }
  ],
  properties: {
    ...entityProperties,
    user: () => p.manyToOne(UserSchema).index(),
    label: p.string().length(200).nullable(),
    fullName: p.string().length(100),
    company: p.string().length(200).nullable(),
    line1: p.string().length(200),
    line2: p.string().length(200).nullable(),
    city: p.string().length(200),
    region: p.string().length(200).nullable(),
    postalCode: p.string().length(20),
    country: p.string().length(2),
    phone: p.string().length(16).nullable(),
    isDefaultShipping: p.boolean().default(false),
    isDefaultBilling: p.boolean().default(false),
    version: p.integer().version()
  }
})

export class Address extends AddressSchema.class {}

AddressSchema.setClass(Address)
