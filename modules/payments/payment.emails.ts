import type { MailMessage } from '../../plugins/mail.js'
import { composeEmail } from '../../plugins/mail-layout.js'

/** To every admin, when a provider reported a payment that does not match its order. */
export function paymentFlaggedEmail (to: string, name: string, flagged: { orderNumber: string, orderId: string, paymentId: string, reason: string }): MailMessage {
  return composeEmail({
    to,
    subject: `Payment needs attention: order ${flagged.orderNumber}`,
    blocks: [
      { paragraph: `Hello ${name},` },
      { paragraph: `A payment of order ${flagged.orderNumber} (order ${flagged.orderId}, payment ${flagged.paymentId}) needs attention: ${flagged.reason}` },
      { paragraph: 'GET /api/v1/admin/orders/{id}/payments shows the payment, its refunds and the events Stripe sent about them.' }
    ]
  })
}
