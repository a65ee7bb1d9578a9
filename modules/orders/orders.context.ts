import type { FastifyInstance } from 'fastify'
import type { OrderSettings } from './order.service.js'

/** The order use cases' settings and collaborators, from the app's configuration and plugins. */
export function orderSettingsOf (app: FastifyInstance): OrderSettings {
  const { SHOP_CURRENCY, RETURN_WINDOW_DAYS, SHOP_NAME, STOREFRONT_URL } = app.config
  return {
    currency: SHOP_CURRENCY,
    returnWindowDays: RETURN_WINDOW_DAYS,
    notifier: {
      outbox: app.outbox,
      mailer: app.mailer,
      liveEvents: app.liveEvents,
      emails: { shopName: SHOP_NAME, storefrontUrl: STOREFRONT_URL },
      returnWindowDays: RETURN_WINDOW_DAYS
    }
  }
}
