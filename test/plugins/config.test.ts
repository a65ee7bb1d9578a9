import t from 'tap'
import { ConfigError, loadConfig } from '../../fastify.config.js'

const GOOD_SECRET = 'k3T9x2QpL8vN4mZr7wYb1cHs6dFg0jAe' // 32 characters

// env-schema merges process.env under the `env` argument (its `env` option defaults to true), and
// dotenv writes what it reads into process.env. Each test therefore runs with an empty process.env,
// so a variable exported in the developer's shell cannot change what these tests see.
let savedEnv: NodeJS.ProcessEnv
t.beforeEach(() => {
  savedEnv = process.env
  process.env = {}
})
t.afterEach(() => {
  process.env = savedEnv
})

function configError (env: Record<string, string>): Error {
  try {
    loadConfig(env, { dotenv: false })
  } catch (error) {
    return error as Error
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`)
}

t.test('defaults are the documented ones', async (t) => {
  const config = loadConfig({}, { dotenv: false })
  t.match(config, {
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: 3000,
    LOG_LEVEL: 'info',
    DATABASE_POOL_MAX: 10,
    DATA_DIR: './data',
    CORS_ORIGINS: '*',
    TRUST_PROXY: false,
    BODY_LIMIT: 1_048_576,
    SHUTDOWN_TIMEOUT_MS: 10_000
  })
  t.equal(config.DATABASE_URL, undefined, 'no DATABASE_URL means the embedded database')
  t.type(config.JWT_SECRET, 'string')
  t.ok(config.JWT_SECRET.length >= 32, 'the development secret is usable')
})

t.test('values are coerced from strings', async (t) => {
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '8080',
    DATABASE_POOL_MAX: '5',
    TRUST_PROXY: 'true',
    BODY_LIMIT: '2048',
    SHUTDOWN_TIMEOUT_MS: '250',
    LOG_LEVEL: 'warn',
    DATABASE_URL: 'postgresql://shop:pw@db.internal:5432/shop'
  }, { dotenv: false })
  t.match(config, {
    NODE_ENV: 'test',
    PORT: 8080,
    DATABASE_POOL_MAX: 5,
    TRUST_PROXY: true,
    BODY_LIMIT: 2048,
    SHUTDOWN_TIMEOUT_MS: 250,
    LOG_LEVEL: 'warn',
    DATABASE_URL: 'postgresql://shop:pw@db.internal:5432/shop'
  })
  t.type(config.PORT, 'number')
  t.type(config.TRUST_PROXY, 'boolean')
})

t.test('unknown variables are ignored, not copied into the config', async (t) => {
  const config = loadConfig({ PATH: '/usr/bin', SOMETHING_ELSE: 'x' }, { dotenv: false }) as Record<string, unknown>
  t.notOk('PATH' in config)
  t.notOk('SOMETHING_ELSE' in config)
})

t.test('a bad value throws a ConfigError: one line naming the variable', async (t) => {
  const exact: Array<[Record<string, string>, string]> = [
    [{ PORT: 'eighty' }, 'Invalid configuration: PORT must be integer'],
    [{ PORT: '70000' }, 'Invalid configuration: PORT must be <= 65535'],
    [{ DATABASE_URL: 'mysql://x' }, 'Invalid configuration: DATABASE_URL must match pattern "^postgres(ql)?://"'],
    [{ TRUST_PROXY: 'maybe' }, 'Invalid configuration: TRUST_PROXY must be boolean'],
    [{ BODY_LIMIT: '10' }, 'Invalid configuration: BODY_LIMIT must be >= 1024'],
    [{ HOST: '' }, 'Invalid configuration: HOST must NOT have fewer than 1 characters']
  ]
  for (const [env, message] of exact) {
    const error = configError(env)
    t.type(error, ConfigError, JSON.stringify(env))
    t.equal(error.message, message)
  }

  // A value outside a list of allowed words: Ajv reports each alternative, all on the one line.
  for (const [name, value] of [['LOG_LEVEL', 'loud'], ['NODE_ENV', 'staging']] as const) {
    const error = configError({ [name]: value })
    t.type(error, ConfigError)
    t.notMatch(error.message, /\n/, 'one line')
    t.match(error.message, new RegExp(`^Invalid configuration: ${name} must `))
    t.same([...new Set(error.message.match(/\b[A-Z][A-Z_]{2,}\b/g))], [name], `${name} is the only variable named`)
  }
})

t.test('production refuses the embedded database', async (t) => {
  const error = configError({ NODE_ENV: 'production', JWT_SECRET: GOOD_SECRET })
  t.type(error, ConfigError)
  t.equal(error.message, 'Invalid configuration: DATABASE_URL must be set in production (the embedded database is for development only)')
})

t.test('production refuses the development or a short JWT secret', async (t) => {
  const expected = 'Invalid configuration: JWT_SECRET must be set to a random string of at least 32 characters in production'
  const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://shop:pw@db.internal:5432/shop' }
  const development = loadConfig({}, { dotenv: false }).JWT_SECRET
  for (const env of [production, { ...production, JWT_SECRET: development }, { ...production, JWT_SECRET: GOOD_SECRET.slice(1) }]) {
    const error = configError(env)
    t.type(error, ConfigError)
    t.equal(error.message, expected)
  }
})

t.test('production refuses to run without a mail server', async (t) => {
  const error = configError({ NODE_ENV: 'production', DATABASE_URL: 'postgres://shop:pw@db.internal:5432/shop', JWT_SECRET: GOOD_SECRET })
  t.type(error, ConfigError)
  t.equal(error.message, 'Invalid configuration: SMTP_URL must be set in production (sign-up, sign-in codes and password resets are emailed)')
})

t.test('production refuses local file storage, and s3 without a bucket', async (t) => {
  const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://shop:pw@db.internal:5432/shop', JWT_SECRET: GOOD_SECRET, SMTP_URL: 'smtps://user:pw@mail.internal:465' }
  t.equal(configError(production).message, "Invalid configuration: STORAGE_DRIVER must be s3 in production (local storage lives on one instance's disk)")
  t.equal(configError({ ...production, STORAGE_DRIVER: 's3' }).message, 'Invalid configuration: S3_BUCKET is required when STORAGE_DRIVER is s3')
  t.equal(configError({ STORAGE_DRIVER: 's3' }).message, 'Invalid configuration: S3_BUCKET is required when STORAGE_DRIVER is s3', 'in development too')
})

t.test('production with a database, a strong secret, a mail server and a bucket is accepted', async (t) => {
  const env = {
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://shop:pw@db.internal:5432/shop',
    JWT_SECRET: GOOD_SECRET,
    SMTP_URL: 'smtps://user:pw@mail.internal:465',
    STORAGE_DRIVER: 's3',
    S3_BUCKET: 'shop-media'
  }
  const config = loadConfig(env, { dotenv: false })
  t.match(config, env)
})

t.test('PUBLIC_URL defaults to where the server listens, without a trailing slash', async (t) => {
  t.equal(loadConfig({ PORT: '4000' }, { dotenv: false }).PUBLIC_URL, 'http://127.0.0.1:4000')
  t.equal(loadConfig({ HOST: '0.0.0.0', PORT: '4000' }, { dotenv: false }).PUBLIC_URL, 'http://localhost:4000')
  t.equal(loadConfig({ PUBLIC_URL: 'https://api.shop.example/' }, { dotenv: false }).PUBLIC_URL, 'https://api.shop.example')
})

t.test('a .env file in the working directory is read unless dotenv is off', async (t) => {
  const dir = t.testdir({
    '.env': [
      '# local overrides',
      'PORT=4321',
      'LOG_LEVEL=debug',
      'CORS_ORIGINS=https://shop.example,https://admin.shop.example',
      'TRUST_PROXY=true'
    ].join('\n')
  })
  t.chdir(dir)

  t.match(loadConfig({}), {
    PORT: 4321,
    LOG_LEVEL: 'debug',
    CORS_ORIGINS: 'https://shop.example,https://admin.shop.example',
    TRUST_PROXY: true
  }, 'values come from .env')
  t.match(loadConfig({ PORT: '5000' }), { PORT: 5000, LOG_LEVEL: 'debug' }, 'the environment wins over .env')

  process.env = {}
  t.match(loadConfig({}, { dotenv: false }), { PORT: 3000, LOG_LEVEL: 'info', CORS_ORIGINS: '*', TRUST_PROXY: false }, 'dotenv: false ignores the file')
})

t.test('a bad value in .env is reported like any other', async (t) => {
  t.chdir(t.testdir({ '.env': 'PORT=eighty\n' }))
  const error = (() => {
    try {
      loadConfig({})
    } catch (caught) {
      return caught as Error
    }
    throw new Error('loadConfig accepted PORT=eighty from .env')
  })()
  t.type(error, ConfigError)
  t.equal(error.message, 'Invalid configuration: PORT must be integer')
})

t.test('payments and carriers: Stripe needs its webhook secret, Shiprocket its whole account, INR, and a callback name it accepts', async (t) => {
  const shiprocket = { SHIPROCKET_EMAIL: 'api@shop.example', SHIPROCKET_PASSWORD: 'secret', SHIPROCKET_PICKUP_POSTCODE: '560001', SHIPROCKET_WEBHOOK_TOKEN: 'a-long-webhook-token-1234', SHOP_CURRENCY: 'INR' }
  const refused: Array<[Record<string, string>, string]> = [
    [{ STRIPE_SECRET_KEY: 'sk_test_123' }, 'Invalid configuration: STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set (payments are confirmed by signed webhooks)'],
    [{ STRIPE_SECRET_KEY: 'pk_test_123', STRIPE_WEBHOOK_SECRET: 'whsec_1' }, 'Invalid configuration: STRIPE_SECRET_KEY must match pattern "^(sk|rk)_"'],
    [{ SHIPROCKET_EMAIL: 'api@shop.example', SHOP_CURRENCY: 'INR' }, 'Invalid configuration: SHIPROCKET_PASSWORD, SHIPROCKET_PICKUP_POSTCODE, SHIPROCKET_WEBHOOK_TOKEN are required when SHIPROCKET_EMAIL is set'],
    [{ ...shiprocket, SHOP_CURRENCY: 'USD' }, 'Invalid configuration: Shiprocket quotes and collects in INR, so SHOP_CURRENCY must be INR when SHIPROCKET_EMAIL is set'],
    [{ ...shiprocket, SHIPROCKET_CALLBACK_SLUG: 'sr-updates' }, 'Invalid configuration: SHIPROCKET_CALLBACK_SLUG must not be "manual", nor contain "shiprocket", "kartrocket", "sr" or "kr" (Shiprocket refuses such callback URLs)'],
    [{ COD_MAX_AMOUNT: '-1' }, 'Invalid configuration: COD_MAX_AMOUNT must be >= 0'],
    [{ PAYMENT_TIMEOUT_MINUTES: '0' }, 'Invalid configuration: PAYMENT_TIMEOUT_MINUTES must be >= 1']
  ]
  for (const [env, message] of refused) t.equal(configError(env).message, message, JSON.stringify(env))
  const config = loadConfig({ ...shiprocket, STRIPE_SECRET_KEY: 'sk_test_123', STRIPE_WEBHOOK_SECRET: 'whsec_abc', COD_MAX_AMOUNT: '50000' }, { dotenv: false })
  t.match(config, { PAYMENT_TIMEOUT_MINUTES: 30, COD_MAX_AMOUNT: 50_000, SHIPROCKET_CALLBACK_SLUG: 'courier-updates', CARRIER_RATE_TIMEOUT_MS: 3000, SHIPPING_DEFAULT_WEIGHT_GRAMS: 500 })
})
