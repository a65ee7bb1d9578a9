import { ProblemError } from '../../plugins/problem.js'

export const shipmentNotFound = (): ProblemError =>
  new ProblemError(404, 'NOT_FOUND', 'No shipment has this id.')

export const orderNotShippable = (status: string): ProblemError =>
  new ProblemError(409, 'ORDER_NOT_SHIPPABLE', `The order is ${status}: parcels are made for CONFIRMED orders.`, { extensions: { orderStatus: status } })

export const shipmentQuantityExceeded = (orderItemId: string, unshipped: number): ProblemError =>
  new ProblemError(409, 'SHIPMENT_QUANTITY_EXCEEDED', `At most ${unshipped} of this item ${unshipped === 1 ? 'is' : 'are'} still to ship.`, { extensions: { orderItemId, unshipped } })

export const shipmentDelivered = (): ProblemError =>
  new ProblemError(409, 'SHIPMENT_DELIVERED', 'This parcel was delivered; its status is final.')

export const trackingNumberTaken = (): ProblemError =>
  new ProblemError(409, 'TRACKING_NUMBER_TAKEN', 'Another parcel of this carrier has this tracking number.')

export const carrierUnavailable = (carrier: string): ProblemError =>
  new ProblemError(503, 'CARRIER_UNAVAILABLE', `${carrier} did not answer in time; nothing was booked. Try again in a moment.`, { headers: { 'retry-after': '5' } })

export const carrierRefused = (carrier: string, reason: string): ProblemError =>
  new ProblemError(502, 'CARRIER_REFUSED', `${carrier} refused the parcel: ${reason}`)

export const callbackRejected = (): ProblemError =>
  new ProblemError(401, 'CALLBACK_REJECTED', 'This callback is not authenticated as the carrier\'s.')

export const unknownCarrier = (): ProblemError =>
  new ProblemError(404, 'NOT_FOUND', 'No carrier takes callbacks here.')
