import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { Test } from 'tap'

function requireEnv (name: string): string {
  const value = process.env[name]
  if (value === undefined || value === '') throw new Error(`${name} is not set: run the tests with \`npm test\``)
  return value
}

/** One connection to `url` for the length of `work`. */
export async function withConnection<T> (url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

/** A connection to the test run's PostgreSQL server as its administrator. */
export async function withAdmin<T> (work: (client: pg.Client) => Promise<T>): Promise<T> {
  return await withConnection(requireEnv('TEST_DATABASE_ADMIN_URL'), work)
}

/**
 * A fresh, migrated database for one test: a copy of the template `npm test` migrated once.
 * Dropped when the test ends.
 */
export async function createTestDatabase (t: Test): Promise<string> {
  const name = `commerce_test_${randomBytes(6).toString('hex')}`
  const template = requireEnv('TEST_DATABASE_TEMPLATE')
  await withAdmin(async (client) => { await client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`) })
  t.teardown(async () => {
    await withAdmin(async (client) => { await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) })
  })
  const url = new URL(requireEnv('TEST_DATABASE_ADMIN_URL'))
  url.pathname = `/${name}`
  return url.toString()
}

/**
 * A new database with no tables at all (not a copy of the migrated template), for tests of migrating
 * from nothing. Dropped when the test ends.
 */
export async function createEmptyDatabase (t: Test): Promise<string> {
  const name = `commerce_test_empty_${randomBytes(6).toString('hex')}`
  await withAdmin(async (client) => { await client.query(`CREATE DATABASE ${name}`) })
  t.teardown(async () => {
    await withAdmin(async (client) => { await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) })
  })
  const url = new URL(requireEnv('TEST_DATABASE_ADMIN_URL'))
  url.pathname = `/${name}`
  return url.toString()
}

/** Drops a test database at once, closing its connections: the app then finds its database gone. */
export async function dropTestDatabase (url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1)
  await withAdmin(async (client) => { await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`) })
}
