import { defineEntity, p } from '@mikro-orm/core'
import { entityProperties } from '../../plugins/db/entity-properties.js'
import { AUDIENCES } from '../../plugins/auth.js'
import { UserSchema } from './user.entity.js'

/**
 * One sign-in and every refresh token rotated from it (a token family). The hash of the current refresh
 * token is kept here, those rotated away in rotated_refresh_tokens: presenting one of those is a reuse,
 * and revokes the session.
 */
export const SessionSchema = defineEntity({
  name: 'Session',
  tableName: 'sessions',
  properties: {
    id: entityProperties.id,
    createdAt: entityProperties.createdAt,
    user: () => p.manyToOne(UserSchema).index(),
    audience: p.enum(AUDIENCES),
    refreshTokenHash: p.string().length(64),
    rotatedAt: p.datetime().onCreate(() => new Date()),
    expiresAt: p.datetime(),
    revokedAt: p.datetime().nullable()
  }
})

export class Session extends SessionSchema.class {}

SessionSchema.setClass(Session)
