import { ProblemError } from '../../plugins/problem.js'

export const refundExceedsPayment = (refundable: number, currency: string): ProblemError =>
  new ProblemError(409, 'REFUND_EXCEEDS_PAYMENT', refundable === 0
    ? 'Nothing of this order can be refunded: nothing was paid, or everything paid is refunded or being refunded.'
    : `At most ${refundable} (${currency} minor units) of this order can still be refunded in one refund; refunds never add up to more than was paid.`,
  { extensions: { refundable } })

export const orderNotPayable = (reason: string): ProblemError =>
  new ProblemError(409, 'ORDER_NOT_PAYABLE', reason)

export const paymentInProgress = (): ProblemError =>
  new ProblemError(409, 'PAYMENT_IN_PROGRESS', 'A card payment of this order is still pending: confirm it with its clientSecret (on the order), or wait for it to fail before starting another.')

export const paymentProviderUnavailable = (): ProblemError =>
  new ProblemError(503, 'PAYMENT_PROVIDER_UNAVAILABLE', 'The card payment could not be started because Stripe did not answer; try again in a moment.', { headers: { 'retry-after': '5' } })

export const paymentRefused = (): ProblemError =>
  new ProblemError(409, 'PAYMENT_REFUSED', 'Stripe refused to start this card payment; the order\'s payments say why. Pay cash on delivery, or contact the shop.')

export const cardPaymentsUnavailable = (): ProblemError =>
  new ProblemError(409, 'PAYMENT_METHOD_UNAVAILABLE', 'Card payments are not available in this shop; pay cash on delivery (COD).')

export const codLimitExceeded = (max: number): ProblemError =>
  new ProblemError(409, 'COD_LIMIT_EXCEEDED', `Cash on delivery is available for orders of at most ${max} (minor units); pay by card.`, { extensions: { codMaxAmount: max } })

export const cardAmountTooSmall = (minimum: number, currency: string): ProblemError =>
  new ProblemError(409, 'CARD_AMOUNT_TOO_SMALL', `Card payments in ${currency} are for at least ${minimum} (minor units), which Stripe requires; pay cash on delivery.`, { extensions: { minimum } })

export const codNotCollectable = (reason: string): ProblemError =>
  new ProblemError(409, 'COD_NOT_COLLECTABLE', reason)

export const codAmountMismatch = (total: number): ProblemError =>
  new ProblemError(409, 'COD_AMOUNT_MISMATCH', `Cash on delivery is collected for the order's total, ${total}; record exactly that.`, { extensions: { total } })

export const stripeSignatureInvalid = (): ProblemError =>
  new ProblemError(400, 'STRIPE_SIGNATURE_INVALID', 'The Stripe-Signature header does not sign this body with our webhook secret, or it is more than five minutes old.')

export const stripeNotConfigured = (): ProblemError =>
  new ProblemError(404, 'NOT_FOUND', 'Card payments are not configured in this shop.')
