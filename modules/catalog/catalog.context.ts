import type { FastifyInstance } from 'fastify'
import type { MediaSettings } from '../media/upload.service.js'
import type { CatalogSettings } from './catalog.settings.js'

/** The catalog's collaborators, taken from the app's configuration and plugins. */
export function catalogContextOf (app: FastifyInstance): { settings: CatalogSettings, media: MediaSettings } {
  return {
    settings: { currency: app.config.SHOP_CURRENCY, urlOf: app.storage.urlOf },
    media: { storage: app.storage, maxBytes: app.config.UPLOAD_MAX_BYTES, urlTtlSeconds: app.config.UPLOAD_URL_TTL_SECONDS }
  }
}
