import type { FastifyInstance } from 'fastify'
import type { AuthServices } from './auth.service.js'

/** The identity use cases' collaborators, taken from the app's configuration and plugins. */
export function authServicesOf (app: FastifyInstance): AuthServices {
  const { JWT_SECRET, OTP_RESEND_COOLDOWN_SECONDS, ACCESS_TOKEN_TTL_SECONDS, REFRESH_TOKEN_TTL_DAYS } = app.config
  return {
    mailer: app.mailer,
    afterResponse: app.runAfterResponse,
    codes: { secret: `one-time-codes:${JWT_SECRET}`, resendCooldownSeconds: OTP_RESEND_COOLDOWN_SECONDS },
    tokens: {
      accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlDays: REFRESH_TOKEN_TTL_DAYS,
      signAccessToken: (claims) => app.jwt.sign(claims)
    }
  }
}
