import type { MailMessage } from '../../plugins/mail.js'

function escapeHtml (value: string): string {
  return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`)
}

/** To every admin, when the shop disabled an endpoint whose deliveries kept failing. */
export function endpointDisabledEmail (to: string, name: string, endpoint: { id: string, url: string, reason: string }): MailMessage {
  const paragraphs = [
    `Hello ${name},`,
    `The webhook endpoint ${endpoint.url} (id ${endpoint.id}) has been disabled: ${endpoint.reason}`,
    'No more events are sent to it. Once the receiver works again, set the endpoint active again (PATCH /api/v1/admin/webhooks/{id} with "active": true) and redeliver the failed deliveries you need from its delivery log.'
  ]
  return {
    to,
    subject: `Webhook endpoint disabled: ${endpoint.url}`.slice(0, 200),
    text: paragraphs.join('\n\n'),
    html: `<!doctype html><html><body>${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('')}</body></html>`
  }
}
