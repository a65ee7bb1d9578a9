/** The carriers' vocabulary, which parcels (the orders' shipments) and the shipments module speak. */
export {
  CARRIER_IDS, TRACKING_STATUSES, CallbackRejectedError, CallbackUnreadableError, CarrierRefusedError, CarrierUnavailableError,
  type Carrier, type CarrierId, type CreatedShipment, type TrackingStatus
} from './carrier.js'
export { CarrierIdSchema } from './shipping.schemas.js'
