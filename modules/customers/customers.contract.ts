/** The address fields other modules take in their own bodies (checkout's inline address). */
export { AddressTextSchema, OptionalAddressTextSchema, PostalCodeSchema } from './address.schemas.js'
