/** The address fields other modules take in their own bodies (checkout's inline address). */
export { postalAddressInputFields } from './address.schemas.js'
