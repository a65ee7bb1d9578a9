import { defineEntity, p } from '@mikro-orm/core'
import { SessionSchema } from './session.entity.js'

/**
 * The hash of a refresh token that was issued and then rotated away. Presenting one of these is a
 * reuse, which revokes the session; a token that was never issued is merely invalid.
 */
export const RotatedRefreshTokenSchema = defineEntity({
  name: 'RotatedRefreshToken',
  tableName: 'rotated_refresh_tokens',
  properties: {
    tokenHash: p.string().length(64).primary(),
    session: () => p.manyToOne(SessionSchema).index().deleteRule('cascade'),
    rotatedAt: p.datetime().onCreate(() => new Date())
  }
})

export class RotatedRefreshToken extends RotatedRefreshTokenSchema.class {}

RotatedRefreshTokenSchema.setClass(RotatedRefreshToken)
