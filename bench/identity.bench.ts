/** Identity paths under load: probes, an authenticated read, and a small list. */
import { MikroORM } from '@mikro-orm/postgresql'
import type { AppConfig } from '../fastify.config.js'
import { createOrmConfig } from '../mikro-orm.config.js'
import { migrateUnderLock } from '../plugins/db/migrations.js'
import { createAccount, hashChosenPassword } from '../modules/auth/account.service.js'
import { Address } from '../modules/customers/address.entity.js'
import { load, type LoadResult } from './load.js'
import { COMPILED_API, startProcess } from './processes.js'

export async function benchmarkIdentity (config: AppConfig, databaseUrl: (name: string) => Promise<string>): Promise<Record<string, LoadResult>> {
  const url = await databaseUrl('identity')
  const orm = await MikroORM.init(createOrmConfig({ clientUrl: url, poolMax: 2 }))
  const password = 'benchmark password 1'
  try {
    await migrateUnderLock(orm)
    await orm.em.fork().transactional(async (em) => {
      const customer = await createAccount(em, { email: 'bench@example.com', name: 'Bench', role: 'CUSTOMER', passwordHash: await hashChosenPassword(password, '/password'), emailVerified: true })
      for (let index = 0; index < 20; index++) em.create(Address, { user: customer, fullName: 'Bench', line1: `${index} Main Street`, city: 'Springfield', postalCode: '12345', country: 'US' })
    })
  } finally {
    await orm.close()
  }
  const api = await startProcess(COMPILED_API, { NODE_ENV: 'test', LOG_LEVEL: 'warn', DEMO_DATA: 'false', DATABASE_URL: url, DATABASE_POOL_MAX: '20', DATA_DIR: config.DATA_DIR })
  try {
    const signIn = await fetch(`${api.origin}/api/v1/auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'bench@example.com', password }) })
    const { accessToken } = await signIn.json() as { accessToken: string }
    const authorization = `Bearer ${accessToken}`
    return {
      'GET /health/live (no database)': await load(`${api.origin}/health/live`),
      'GET /health/ready (one query)': await load(`${api.origin}/health/ready`),
      'GET /api/v1/me (JWT + session lookup)': await load(`${api.origin}/api/v1/me`, { authorization }),
      'GET /api/v1/me/addresses (20 of 20)': await load(`${api.origin}/api/v1/me/addresses?limit=20`, { authorization })
    }
  } finally {
    await api.stop()
  }
}
