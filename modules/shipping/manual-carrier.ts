import { CallbackRejectedError, type Carrier } from './carrier.js'

/** A carrier without an API: staff type what it gave them, and the parcel's journey as they learn it. */
export const manualCarrier: Carrier = {
  id: 'manual',
  rates: async () => [],
  createShipment: async ({ typed }) => ({
    externalId: null,
    trackingNumber: typed?.trackingNumber ?? null,
    trackingUrl: typed?.trackingUrl ?? null,
    service: typed?.service ?? null
  }),
  track: async () => [],
  parseCallback: () => { throw new CallbackRejectedError('manual parcels have no carrier callbacks') }
}
