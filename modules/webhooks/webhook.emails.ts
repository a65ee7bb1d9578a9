import type { MailMessage } from '../../plugins/mail.js'
import { composeEmail } from '../../plugins/mail-layout.js'

/** To every admin, when the shop disabled an endpoint whose deliveries kept failing. */
export function endpointDisabledEmail (to: string, name: string, endpoint: { id: string, url: string, reason: string }): MailMessage {
  return composeEmail({
    to,
    subject: `Webhook endpoint disabled: ${endpoint.url}`.slice(0, 200),
    blocks: [
      { paragraph: `Hello ${name},` },
      { paragraph: `The webhook endpoint ${endpoint.url} (id ${endpoint.id}) has been disabled: ${endpoint.reason}` },
      { paragraph: 'No more events are sent to it. Once the receiver works again, set the endpoint active again (PATCH /api/v1/admin/webhooks/{id} with "active": true) and redeliver the failed deliveries you need from its delivery log.' }
    ]
  })
}
