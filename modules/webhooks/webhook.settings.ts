import type { AppConfig } from '../../fastify.config.js'
import type { UrlPolicy } from './webhook-url.js'

/** How webhooks are checked, sent and retried, read once from the configuration. */
export interface WebhookSettings {
  policy: UrlPolicy
  timeoutMs: number
  /** The waits before each retry, in seconds: the first attempt and then one per entry. */
  retryScheduleSeconds: number[]
  disableAfterFailures: number
  retentionDays: number
}

/** How long a rotated-out secret keeps signing, so receivers can switch without missing a delivery. */
export const PREVIOUS_SECRET_TTL_MS = 24 * 60 * 60 * 1000

export function webhookSettingsFrom (config: AppConfig): WebhookSettings {
  return {
    policy: { requireHttps: config.WEBHOOK_REQUIRE_HTTPS, allowPrivateAddresses: config.WEBHOOK_ALLOW_PRIVATE_ADDRESSES },
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    retryScheduleSeconds: config.WEBHOOK_RETRY_SCHEDULE_SECONDS.split(',').map((seconds) => Number.parseInt(seconds.trim(), 10)),
    disableAfterFailures: config.WEBHOOK_DISABLE_AFTER_FAILURES,
    retentionDays: config.WEBHOOK_RETENTION_DAYS
  }
}
