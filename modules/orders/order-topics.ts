/**
 * What orders tell the modules built on them through the outbox, in the transaction of the change: the
 * payments module settles a cancelled card order and refunds an accepted return.
 */
export const ORDER_CANCELLED_TOPIC = 'orders.cancelled'
export const RETURN_ACCEPTED_TOPIC = 'orders.return-accepted'

export interface OrderCancelled {
  orderId: string
}

export interface ReturnAccepted {
  orderId: string
  returnRequestId: string
  /** The returned units' value and the shipping share staff chose, in the order's minor units. */
  amount: number
}
