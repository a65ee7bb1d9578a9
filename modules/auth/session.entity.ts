import { defineEntity, p } from '@mikro-orm/core'
import { entityProperties } from '../common/entity-properties.js'
import { UserSchema } from './user.entity.js'

export const AUDIENCES = ['customer', 'staff'] as const
export type Audience = typeof AUDIENCES[number]

/**
 * One sign-in and every refresh token rotated from it (a token family). Only the hash of the current
 * refresh token is kept: presenting any other token of the family is a reuse, and revokes it.
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
