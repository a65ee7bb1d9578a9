/** The postal fields of an address, as other modules take them (checkout's inline address) and answer them (an order's snapshot). */
export { postalAddressFields, postalAddressInputFields } from './address.schemas.js'
