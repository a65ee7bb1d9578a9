import { defineEntity, p } from '@mikro-orm/core'
import { entityProperties } from '../../plugins/db/entity-properties.js'
import { UserSchema } from './user.entity.js'

export const CODE_PURPOSES = ['VERIFY_EMAIL', 'RESET_PASSWORD', 'STAFF_SIGNIN', 'CHANGE_EMAIL'] as const
export type CodePurpose = typeof CODE_PURPOSES[number]

/** An emailed 6-digit code. Only its keyed hash is stored; a newer code of the same purpose replaces it. */
export const OneTimeCodeSchema = defineEntity({
  name: 'OneTimeCode',
  tableName: 'one_time_codes',
  indexes: [{ properties: ['user', 'purpose'] }],
  properties: {
    id: entityProperties.id,
    createdAt: entityProperties.createdAt,
    user: () => p.manyToOne(UserSchema),
    purpose: p.enum(CODE_PURPOSES),
    codeHash: p.string().length(64),
    attempts: p.integer().default(0),
    expiresAt: p.datetime(),
    consumedAt: p.datetime().nullable(),
    /** For CHANGE_EMAIL: the address being verified. */
    newEmail: p.string().length(254).nullable()
  }
})

export class OneTimeCode extends OneTimeCodeSchema.class {}

OneTimeCodeSchema.setClass(OneTimeCode)
