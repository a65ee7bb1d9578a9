import { ProblemError, problemForConstraint } from '../../plugins/problem.js'
import type { OrderStatus } from './order.entity.js'
import type { AllowedTransition } from './order-transitions.js'

export const orderNotFound = (): ProblemError =>
  new ProblemError(404, 'NOT_FOUND', 'No order has this id.')

// The order's status is `orderStatus`: a problem's own `status` is its HTTP status.
export const transitionNotAllowed = (status: OrderStatus, to: OrderStatus, allowed: AllowedTransition[]): ProblemError =>
  new ProblemError(409, 'ORDER_TRANSITION_NOT_ALLOWED', allowed.length === 0
    ? `The order is ${status}: it can no longer change status.`
    : `The order is ${status}: it cannot move to ${to} (here, or by you). From ${status} it may move to ${allowed.map((transition) => `${transition.to} (${transition.roles.join(', ')})`).join(', ')}.`,
  { extensions: { orderStatus: status, allowedTransitions: allowed } })

export const returnWindowClosed = (days: number): ProblemError =>
  new ProblemError(409, 'RETURN_WINDOW_CLOSED', `Returns are accepted within ${days} ${days === 1 ? 'day' : 'days'} of delivery; this order's window has closed.`, { extensions: { returnWindowDays: days } })

export const returnQuantityExceeded = (orderItemId: string, returnable: number): ProblemError =>
  new ProblemError(409, 'RETURN_QUANTITY_EXCEEDED', `At most ${returnable} of this item can still be returned.`, { extensions: { orderItemId, returnable } })

// Ordered products and variants stay: deleting one that orders name reads as the catalog's refusal.
problemForConstraint('order_items_product_id_foreign', () =>
  new ProblemError(409, 'PRODUCT_IN_USE', 'Orders reference this product; archive it instead of deleting it.'))
problemForConstraint('order_items_variant_id_foreign', () =>
  new ProblemError(409, 'VARIANT_IN_USE', 'Orders reference this variant; it cannot be deleted (archive the product instead).'))

export const orderHasShipments = (): ProblemError =>
  new ProblemError(409, 'ORDER_HAS_SHIPMENTS', 'Parcels of this order have shipped, so it can no longer be cancelled; ask for a return once it is delivered.')
