import type { FastifyInstance } from 'fastify'
import type { MediaSettings } from '../media/upload.service.js'

/** What the review use cases need besides the EntityManager. */
export interface ReviewSettings {
  /** REVIEWS_REQUIRE_APPROVAL: new and edited reviews wait for staff. */
  approvalRequired: boolean
  /** REVIEW_MAX_IMAGES. */
  maxImages: number
  media: MediaSettings
  /** Where clients download a stored file. */
  urlOf: (key: string) => string
}

export function reviewSettingsOf (app: FastifyInstance): ReviewSettings {
  return {
    approvalRequired: app.config.REVIEWS_REQUIRE_APPROVAL,
    maxImages: app.config.REVIEW_MAX_IMAGES,
    media: { storage: app.storage, maxBytes: app.config.UPLOAD_MAX_BYTES, urlTtlSeconds: app.config.UPLOAD_URL_TTL_SECONDS },
    urlOf: app.storage.urlOf
  }
}
