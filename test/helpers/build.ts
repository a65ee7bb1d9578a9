import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import { buildApp, loadConfig, type AppConfig } from '../../fastify.config.js'
import { assertResponseMatchesSpec } from './contract.js'
import { createTestDatabase } from './database.js'

export type Env = Record<string, string>

/** Configuration for a test app: test defaults, a fresh database, and the test's own overrides. */
export async function testConfig (t: Test, env: Env = {}): Promise<AppConfig> {
  const databaseUrl = env.DATABASE_URL ?? await createTestDatabase(t)
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: t.testdir(),
    // Tests sign in far more often than a person would; rate-limit tests lower these again.
    AUTH_RATE_LIMIT_PER_IP: '10000',
    AUTH_RATE_LIMIT_PER_ACCOUNT: '10000',
    OTP_RESEND_COOLDOWN_SECONDS: '0',
    ...env,
    DATABASE_URL: databaseUrl
  }, { dotenv: false })
}

/**
 * Checks every response `app.inject` returns against the spec, so any test that receives an undocumented
 * status or an off-contract body fails where it happened.
 */
export function checkResponsesAgainstSpec (app: FastifyInstance): void {
  const inject = app.inject.bind(app) as (options: InjectOptions | string) => Promise<LightMyRequestResponse>
  const checked = async (options: InjectOptions | string): Promise<LightMyRequestResponse> => {
    const response = await inject(options)
    const request = typeof options === 'string' ? { method: 'GET', url: options } : options
    assertResponseMatchesSpec({
      method: (request.method ?? 'GET').toUpperCase(),
      url: String(request.url ?? request.path ?? '/'),
      statusCode: response.statusCode,
      contentType: response.headers['content-type'] as string | undefined,
      body: response.body
    })
    return response
  }
  app.inject = checked as FastifyInstance['inject']
}

/** Builds the whole app on a fresh database, ready for `app.inject`; closed when the test ends. */
export async function build (t: Test, env: Env = {}): Promise<FastifyInstance> {
  const app = await buildApp(await testConfig(t, env))
  t.teardown(async () => { await app.close() })
  await app.ready()
  checkResponsesAgainstSpec(app)
  return app
}
