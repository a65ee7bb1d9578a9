import { defineEntity, p } from '@mikro-orm/core'
import { entityProperties } from '../../plugins/db/entity-properties.js'

export const UPLOAD_PURPOSES = ['PRODUCT_IMAGE', 'REVIEW_IMAGE'] as const
export type UploadPurpose = typeof UPLOAD_PURPOSES[number]

/**
 * A file a client was given a presigned URL for: what was declared (type, size), for what (`purpose` and
 * the owning resource's id), and whether it was confirmed. Unconfirmed uploads are swept after a day.
 */
export const UploadSchema = defineEntity({
  name: 'Upload',
  tableName: 'uploads',
  indexes: [{ name: 'uploads_unconfirmed', expression: 'create index "uploads_unconfirmed" on "uploads" ("created_at") where "confirmed_at" is null' }],
  properties: {
    id: entityProperties.id,
    createdAt: entityProperties.createdAt,
    purpose: p.enum(UPLOAD_PURPOSES),
    ownerId: p.uuid().index(),
    key: p.string().length(100).unique(),
    contentType: p.string().length(100),
    bytes: p.integer(),
    createdBy: p.uuid().nullable(),
    expiresAt: p.datetime(),
    confirmedAt: p.datetime().nullable()
  }
})

export class Upload extends UploadSchema.class {}

UploadSchema.setClass(Upload)
