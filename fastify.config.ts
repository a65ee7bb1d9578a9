import Fastify, { type FastifyInstance, type FastifyRequest, type RouteOptions } from 'fastify'
import { envSchema } from 'env-schema'
import { Type, type Static } from '@sinclair/typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import cors from '@fastify/cors'
import { uuidv7 } from 'uuidv7'
import configPlugin from './plugins/config.js'
import securityHeadersPlugin from './plugins/security-headers.js'
import problemPlugin, { redactedUrl } from './plugins/problem.js'
import validationPlugin from './plugins/validation.js'
import cachingPlugin from './plugins/caching.js'
import dbPlugin from './plugins/db.js'
import docsPlugin from './plugins/docs.js'
import jobsPlugin from './plugins/jobs.js'
import outboxPlugin from './plugins/outbox.js'
import mailPlugin from './plugins/mail.js'
import liveEventsPlugin from './plugins/live-events.js'
import rateLimitPlugin from './plugins/rate-limit.js'
import authPlugin from './plugins/auth.js'
import idempotencyPlugin from './plugins/idempotency.js'
import { lookupAccount } from './modules/auth/session.service.js'
import { redeemEventTicket } from './modules/auth/event-ticket.service.js'
import { ROLES, STAFF_ROLES } from './modules/auth/user.entity.js'
import healthModule from './modules/health/health.module.js'
import authModule from './modules/auth/auth.module.js'
import staffModule from './modules/staff/staff.module.js'
import customersModule from './modules/customers/customers.module.js'
import demoModule from './modules/demo/demo.module.js'
import catalogModule from './modules/catalog/catalog.module.js'
import mediaModule from './modules/media/media.module.js'
import storagePlugin from './plugins/storage/storage.js'
import inventoryModule from './modules/inventory/inventory.module.js'
import shippingModule from './modules/shipping/shipping.module.js'
import cartModule from './modules/cart/cart.module.js'
import ordersModule from './modules/orders/orders.module.js'
import checkoutModule from './modules/checkout/checkout.module.js'
import webhooksModule from './modules/webhooks/webhooks.module.js'
import paymentsModule from './modules/payments/payments.module.js'
import shipmentsModule from './modules/shipments/shipments.module.js'
import reviewsModule from './modules/reviews/reviews.module.js'
import wishlistModule from './modules/wishlist/wishlist.module.js'
import discountsModule from './modules/discounts/discounts.module.js'

const DEV_JWT_SECRET = 'development-only-secret-change-me-0123456789'

/** A string from a fixed list (one `enum`, so a bad value gets one error that can name the choices). */
function StringEnum<const T extends readonly string[]> (values: T, defaultValue: T[number]) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: values, default: defaultValue })
}

const ConfigSchema = Type.Object({
  NODE_ENV: StringEnum(['development', 'test', 'production'], 'development'),
  HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  PORT: Type.Integer({ default: 3000, minimum: 0, maximum: 65535 }),
  LOG_LEVEL: StringEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATABASE_POOL_MAX: Type.Integer({ default: 10, minimum: 1, maximum: 200 }),
  DATA_DIR: Type.String({ default: './data', minLength: 1 }),
  CORS_ORIGINS: Type.String({ default: '*' }),
  TRUST_PROXY: Type.Boolean({ default: false }),
  BODY_LIMIT: Type.Integer({ default: 1_048_576, minimum: 1024 }),
  JWT_SECRET: Type.String({ default: DEV_JWT_SECRET, minLength: 1 }),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ default: 900, minimum: 1, maximum: 86_400 }),
  REFRESH_TOKEN_TTL_DAYS: Type.Integer({ default: 30, minimum: 1, maximum: 365 }),
  OTP_RESEND_COOLDOWN_SECONDS: Type.Integer({ default: 60, minimum: 0, maximum: 3600 }),
  ADMIN_BOOTSTRAP_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  AUTH_RATE_LIMIT_WINDOW_SECONDS: Type.Integer({ default: 900, minimum: 1 }),
  AUTH_RATE_LIMIT_PER_IP: Type.Integer({ default: 30, minimum: 1 }),
  AUTH_RATE_LIMIT_PER_ACCOUNT: Type.Integer({ default: 10, minimum: 1 }),
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://' })),
  MAIL_FROM: Type.String({ default: 'commerce-api <no-reply@commerce-api.localhost>', minLength: 3 }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ default: 10_000, minimum: 100 }),
  DEMO_DATA: Type.Optional(Type.Boolean()),
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://[^/]+(/.*)?$' })),
  SHOP_CURRENCY: Type.String({ default: 'USD', pattern: '^[A-Z]{3}$' }),
  STORAGE_DRIVER: StringEnum(['local', 's3'], 'local'),
  STORAGE_PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  S3_BUCKET: Type.Optional(Type.String({ minLength: 3 })),
  S3_REGION: Type.String({ default: 'us-east-1', minLength: 1 }),
  S3_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://' })),
  S3_ACCESS_KEY_ID: Type.Optional(Type.String({ minLength: 1 })),
  S3_SECRET_ACCESS_KEY: Type.Optional(Type.String({ minLength: 1 })),
  S3_FORCE_PATH_STYLE: Type.Boolean({ default: false }),
  UPLOAD_MAX_BYTES: Type.Integer({ default: 10_485_760, minimum: 1024, maximum: 1_073_741_824 }),
  UPLOAD_URL_TTL_SECONDS: Type.Integer({ default: 900, minimum: 1, maximum: 604_800 }),
  OUTBOX_RETRY_DELAY_SECONDS: Type.Integer({ default: 5, minimum: 1, maximum: 3600 }),
  IDEMPOTENCY_TTL_HOURS: Type.Integer({ default: 24, minimum: 1, maximum: 720 }),
  CART_TTL_DAYS: Type.Integer({ default: 7, minimum: 1, maximum: 365 }),
  CART_MAX_LINE_QUANTITY: Type.Integer({ default: 10, minimum: 1, maximum: 1000 }),
  GUEST_CARTS_PER_IP_PER_HOUR: Type.Integer({ default: 120, minimum: 1, maximum: 1_000_000 }),
  LOW_STOCK_THRESHOLD: Type.Integer({ default: 5, minimum: 0, maximum: 1_000_000 }),
  // Outgoing webhooks; the first two default by NODE_ENV (strict in production), see loadConfig.
  WEBHOOK_REQUIRE_HTTPS: Type.Optional(Type.Boolean()),
  WEBHOOK_ALLOW_PRIVATE_ADDRESSES: Type.Optional(Type.Boolean()),
  WEBHOOK_TIMEOUT_MS: Type.Integer({ default: 10_000, minimum: 100, maximum: 60_000 }),
  WEBHOOK_DELIVERY_CONCURRENCY: Type.Integer({ default: 5, minimum: 1, maximum: 50 }),
  WEBHOOK_RETRY_SCHEDULE_SECONDS: Type.String({ default: '5,300,1800,7200,18000,36000,36000', pattern: '^ *[1-9][0-9]{0,6} *(, *[1-9][0-9]{0,6} *){0,19}$' }),
  WEBHOOK_DISABLE_AFTER_FAILURES: Type.Integer({ default: 10, minimum: 1, maximum: 10_000 }),
  WEBHOOK_RETENTION_DAYS: Type.Integer({ default: 30, minimum: 1, maximum: 3650 }),
  RETURN_WINDOW_DAYS: Type.Integer({ default: 14, minimum: 0, maximum: 365 }),
  SHOP_NAME: Type.String({ default: 'commerce-api demo shop', minLength: 1, maxLength: 100 }),
  STOREFRONT_URL: Type.String({ default: 'http://localhost:5173', pattern: '^https?://[^/]+(/.*)?$' }),
  LIVE_EVENTS_RETENTION_HOURS: Type.Integer({ default: 24, minimum: 1, maximum: 720 }),
  LIVE_EVENTS_HEARTBEAT_SECONDS: Type.Integer({ default: 15, minimum: 1, maximum: 300 }),
  LIVE_EVENTS_MAX_STREAMS_PER_ACCOUNT: Type.Integer({ default: 5, minimum: 1, maximum: 1000 }),
  EVENT_TICKET_TTL_SECONDS: Type.Integer({ default: 60, minimum: 1, maximum: 300 }),
  // Card payments are offered when a Stripe key is set; STRIPE_API_URL points the SDK at a stand-in (tests).
  STRIPE_SECRET_KEY: Type.Optional(Type.String({ pattern: '^(sk|rk)_' })),
  STRIPE_WEBHOOK_SECRET: Type.Optional(Type.String({ pattern: '^whsec_' })),
  STRIPE_API_URL: Type.Optional(Type.String({ pattern: '^https?://[^/]+/?$' })),
  STRIPE_TIMEOUT_MS: Type.Integer({ default: 10_000, minimum: 100, maximum: 60_000 }),
  PAYMENT_TIMEOUT_MINUTES: Type.Integer({ default: 30, minimum: 1, maximum: 10_080 }),
  COD_MAX_AMOUNT: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000_000 })),
  // Shiprocket is offered as a carrier when its account is set.
  SHIPROCKET_EMAIL: Type.Optional(Type.String({ minLength: 3 })),
  SHIPROCKET_PASSWORD: Type.Optional(Type.String({ minLength: 1 })),
  SHIPROCKET_API_URL: Type.String({ default: 'https://apiv2.shiprocket.in/v1/external', pattern: '^https?://' }),
  SHIPROCKET_PICKUP_LOCATION: Type.String({ default: 'Primary', minLength: 1 }),
  SHIPROCKET_PICKUP_POSTCODE: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{5}$' })),
  SHIPROCKET_WEBHOOK_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  SHIPROCKET_CALLBACK_SLUG: Type.String({ default: 'courier-updates', pattern: '^[a-z0-9-]{3,40}$' }),
  CARRIER_TIMEOUT_MS: Type.Integer({ default: 10_000, minimum: 100, maximum: 60_000 }),
  CARRIER_RATE_TIMEOUT_MS: Type.Integer({ default: 3000, minimum: 50, maximum: 30_000 }),
  SHIPPING_DEFAULT_WEIGHT_GRAMS: Type.Integer({ default: 500, minimum: 1, maximum: 1_000_000 }),
  REVIEW_MAX_IMAGES: Type.Integer({ default: 5, minimum: 0, maximum: 20 }),
  REVIEWS_REQUIRE_APPROVAL: Type.Boolean({ default: false }),
  DISCOUNT_CODE_ATTEMPTS_PER_IP_PER_HOUR: Type.Integer({ default: 60, minimum: 1, maximum: 1_000_000 })
})

type EnvironmentConfig = Static<typeof ConfigSchema>
/** The validated configuration, with the values derived from others filled in. */
export type AppConfig = Omit<EnvironmentConfig, 'PUBLIC_URL' | 'WEBHOOK_REQUIRE_HTTPS' | 'WEBHOOK_ALLOW_PRIVATE_ADDRESSES'> & {
  PUBLIC_URL: string
  WEBHOOK_REQUIRE_HTTPS: boolean
  WEBHOOK_ALLOW_PRIVATE_ADDRESSES: boolean
}

export class ConfigError extends Error {}

/**
 * Reads and validates configuration from `env` (and `.env` when present).
 * Throws a ConfigError whose message is one line naming the variable at fault.
 */
export function loadConfig (env: NodeJS.ProcessEnv = process.env, options: { dotenv?: boolean } = {}): AppConfig {
  let config: EnvironmentConfig
  try {
    config = envSchema<EnvironmentConfig>({
      schema: ConfigSchema,
      data: env,
      // Without dotenv (tests), only `env` counts: nothing leaks in from the process environment.
      env: options.dotenv ?? true,
      dotenv: (options.dotenv ?? true) ? { quiet: true } : false
    })
  } catch (error) {
    throw new ConfigError(`Invalid configuration: ${describeEnvError(error as Error)}`)
  }
  if (config.NODE_ENV === 'production') {
    if (config.DATABASE_URL === undefined) {
      throw new ConfigError('Invalid configuration: DATABASE_URL must be set in production (the embedded database is for development only)')
    }
    if (config.JWT_SECRET === DEV_JWT_SECRET || config.JWT_SECRET.length < 32) {
      throw new ConfigError('Invalid configuration: JWT_SECRET must be set to a random string of at least 32 characters in production')
    }
    if (config.SMTP_URL === undefined) {
      throw new ConfigError('Invalid configuration: SMTP_URL must be set in production (sign-up, sign-in codes and password resets are emailed)')
    }
    if (config.STORAGE_DRIVER !== 's3') {
      throw new ConfigError('Invalid configuration: STORAGE_DRIVER must be s3 in production (local storage lives on one instance\'s disk)')
    }
  }
  if (config.STRIPE_SECRET_KEY !== undefined && config.STRIPE_WEBHOOK_SECRET === undefined) {
    throw new ConfigError('Invalid configuration: STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set (payments are confirmed by signed webhooks)')
  }
  if (config.SHIPROCKET_EMAIL !== undefined) {
    const missing = (['SHIPROCKET_PASSWORD', 'SHIPROCKET_PICKUP_POSTCODE', 'SHIPROCKET_WEBHOOK_TOKEN'] as const).filter((name) => config[name] === undefined)
    if (missing.length > 0) throw new ConfigError(`Invalid configuration: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} required when SHIPROCKET_EMAIL is set`)
    if (config.SHOP_CURRENCY !== 'INR') throw new ConfigError('Invalid configuration: Shiprocket quotes and collects in INR, so SHOP_CURRENCY must be INR when SHIPROCKET_EMAIL is set')
  }
  if (config.SHIPROCKET_CALLBACK_SLUG === 'manual' || /shiprocket|kartrocket|sr|kr/.test(config.SHIPROCKET_CALLBACK_SLUG)) {
    throw new ConfigError('Invalid configuration: SHIPROCKET_CALLBACK_SLUG must not be "manual", nor contain "shiprocket", "kartrocket", "sr" or "kr" (Shiprocket refuses such callback URLs)')
  }
  if (config.STORAGE_DRIVER === 's3' && config.S3_BUCKET === undefined) {
    throw new ConfigError('Invalid configuration: S3_BUCKET is required when STORAGE_DRIVER is s3')
  }
  return {
    ...config,
    // Demo data is on by default in development only.
    DEMO_DATA: config.DEMO_DATA ?? config.NODE_ENV === 'development',
    // Webhook receivers: https to public addresses only in production; loopback receivers elsewhere.
    WEBHOOK_REQUIRE_HTTPS: config.WEBHOOK_REQUIRE_HTTPS ?? config.NODE_ENV === 'production',
    WEBHOOK_ALLOW_PRIVATE_ADDRESSES: config.WEBHOOK_ALLOW_PRIVATE_ADDRESSES ?? config.NODE_ENV !== 'production',
    // Where clients reach this API, for the URLs it hands out (local storage uploads and files).
    STOREFRONT_URL: config.STOREFRONT_URL.replace(/\/$/, ''),
    PUBLIC_URL: (config.PUBLIC_URL ?? `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${config.PORT}`).replace(/\/$/, '')
  }
}

function describeEnvError (error: Error): string {
  // env-schema reports Ajv errors as "env/PORT must be integer, env must have required property 'X'"
  return error.message
    .replace(/env\/(\w+) must be equal to one of the allowed values/g, (whole, name: string) => {
      const allowed = (ConfigSchema.properties[name as keyof AppConfig] as { enum?: string[] }).enum
      return `${name} must be one of ${allowed?.join(', ') ?? 'the allowed values'}`
    })
    .replace(/env\/(\w+)/g, '$1')
    .replace(/env must have required property '(\w+)'/g, '$1 is required')
}

export interface BuildOptions {
  /** Apply pending migrations during start-up (under an advisory lock). */
  migrate?: boolean
  /** Observes every route as it is registered (the contract test compares them with the spec). */
  onRoute?: (route: RouteOptions) => void
  /** Where log lines go (standard output by default). */
  logStream?: { write: (line: string) => void }
}

export async function buildApp (config: AppConfig, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.LOG_LEVEL,
      serializers: {
        req: (request: FastifyRequest) => ({ method: request.method, url: redactedUrl(request.url), host: request.host, remoteAddress: request.ip, remotePort: request.socket?.remotePort })
      },
      ...(options.logStream === undefined ? {} : { stream: options.logStream }),
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["x-admin-bootstrap-token"]',
          'req.headers["x-api-key"]',
          'res.headers["set-cookie"]',
          '*.password',
          '*.currentPassword',
          '*.newPassword',
          '*.token',
          '*.accessToken',
          '*.refreshToken',
          // One-time codes, where a body is logged; error codes (err.code) stay visible.
          'body.code'
        ],
        censor: '[redacted]'
      }
    },
    // An incoming X-Request-Id is kept when it looks like an id (it ends up in every log line).
    requestIdHeader: false,
    genReqId: (request) => {
      const incoming = request.headers['x-request-id']
      return typeof incoming === 'string' && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : uuidv7()
    },
    bodyLimit: config.BODY_LIMIT,
    trustProxy: config.TRUST_PROXY,
    // While draining, requests still arriving on open connections are served (the database stays open
    // until they are done) and told to close the connection, rather than refused with an undocumented 503.
    return503OnClosing: false
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })
  if (options.onRoute !== undefined) app.addHook('onRoute', options.onRoute)

  // Responses finished after closing began end their keep-alive connection, so the server can stop
  // without waiting for clients' idle timeouts.
  let closing = false
  app.addHook('preClose', async () => { closing = true })
  app.addHook('onSend', async (request, reply) => {
    if (closing) reply.header('connection', 'close')
  })

  // Security headers and CORS, on every response
  app.register(securityHeadersPlugin, {
    // Swagger UI needs inline styles and scripts; everything else is JSON.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'validator.swagger.io'],
        // Plain-HTTP deployments (behind a TLS-terminating proxy, or local) must still load /docs assets.
        upgradeInsecureRequests: null
      }
    }
  })
  app.register(cors, {
    origin: parseOrigins(config.CORS_ORIGINS),
    exposedHeaders: ['x-request-id', 'retry-after', 'etag', 'location']
  })

  // Our infrastructure
  app.register(configPlugin, { config })
  app.register(problemPlugin)
  app.register(validationPlugin)
  app.register(cachingPlugin)
  app.register(dbPlugin, { migrate: options.migrate ?? true })
  app.register(jobsPlugin)
  app.register(outboxPlugin)
  app.register(mailPlugin)
  app.register(liveEventsPlugin)
  app.register(rateLimitPlugin)
  app.register(storagePlugin)
  app.register(authPlugin, { lookupAccount, redeemTicket: redeemEventTicket, roles: ROLES, staffRoles: STAFF_ROLES })
  app.register(idempotencyPlugin)
  app.register(docsPlugin)

  // Modules
  app.register(healthModule, { prefix: '/health' })
  app.register(authModule, { prefix: '/api/v1' })
  app.register(staffModule, { prefix: '/api/v1/admin/staff' })
  app.register(customersModule, { prefix: '/api/v1/me' })
  app.register(catalogModule, { prefix: '/api/v1' })
  app.register(mediaModule)
  app.register(inventoryModule, { prefix: '/api/v1/admin' })
  app.register(shippingModule, { prefix: '/api/v1' })
  app.register(discountsModule, { prefix: '/api/v1' })
  app.register(cartModule, { prefix: '/api/v1' })
  app.register(ordersModule, { prefix: '/api/v1' })
  app.register(paymentsModule, { prefix: '/api/v1' })
  app.register(shipmentsModule, { prefix: '/api/v1' })
  app.register(checkoutModule, { prefix: '/api/v1' })
  app.register(reviewsModule, { prefix: '/api/v1' })
  app.register(wishlistModule, { prefix: '/api/v1' })
  app.register(webhooksModule, { prefix: '/api/v1/admin/webhooks' })
  app.register(demoModule)

  return app
}

function parseOrigins (value: string): boolean | string[] {
  const origins = value.split(',').map((origin) => origin.trim()).filter(Boolean)
  if (origins.includes('*')) return true
  return origins
}
