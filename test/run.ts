/**
 * The test runner behind `npm test`: one PostgreSQL server for the whole run (embedded, or DATABASE_URL's
 * server), one migrated template database, then tap, whose test files each clone the template.
 */
import { spawn } from 'node:child_process'
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type pg from 'pg'
import { MikroORM } from '@mikro-orm/postgresql'
import { loadConfig } from '../fastify.config.js'
import { createOrmConfig } from '../mikro-orm.config.js'
import { migrateUnderLock } from '../plugins/db/migrations.js'
import { installOutbox } from '../plugins/outbox.js'
import { startEmbeddedPostgres } from '../plugins/db/embedded.js'
import { withConnection } from './helpers/database.js'

const COVERAGE_FLOOR = 85
const COVERAGE_DIR = '.tap/c8'
const config = loadConfig(process.env, { dotenv: false })
const templateName = `commerce_test_template_${process.pid}`

let adminUrl: string
let stopServer = async (): Promise<void> => {}
let tempDir: string | undefined
if (config.DATABASE_URL === undefined) {
  tempDir = await mkdtemp(join(tmpdir(), 'commerce-api-test-'))
  await chmod(tempDir, 0o755) // when run as root, PostgreSQL runs as the `postgres` user and must reach its files
  const embedded = await startEmbeddedPostgres({ directory: join(tempDir, 'postgres'), persistent: false, fast: true })
  adminUrl = embedded.adminUrl
  stopServer = embedded.stop
} else {
  adminUrl = config.DATABASE_URL
}

function databaseUrl (database: string): string {
  const url = new URL(adminUrl)
  url.pathname = `/${database}`
  return url.toString()
}

async function admin<T> (work: (client: pg.Client) => Promise<T>): Promise<T> {
  return await withConnection(adminUrl, work)
}

let exitCode = 1
try {
  await admin(async (client) => { await client.query(`CREATE DATABASE ${templateName}`) })
  const orm = await MikroORM.init(createOrmConfig({ clientUrl: databaseUrl(templateName), poolMax: 2 }))
  await migrateUnderLock(orm)
  await orm.close()
  await installOutbox(databaseUrl(templateName))

  exitCode = await new Promise<number>((resolve) => {
    // c8 merges the raw V8 coverage of every test process before mapping it to the TypeScript sources.
    const c8 = ['--reporter=text-summary', '--reporter=json-summary', `--report-dir=${COVERAGE_DIR}`, `--temp-directory=${COVERAGE_DIR}/tmp`, '--exclude=test/**', '--exclude=bench/**']
    const child = spawn('c8', [...c8, 'tap', ...process.argv.slice(2)], {
      stdio: 'inherit',
      env: { ...process.env, TEST_DATABASE_ADMIN_URL: adminUrl, TEST_DATABASE_TEMPLATE: templateName }
    })
    child.on('exit', (code, signal) => { resolve(code ?? (signal === null ? 1 : 128)) })
  })
  if (exitCode === 0 && process.argv.length === 2) exitCode = await checkCoverage()
} finally {
  await admin(async (client) => { await client.query(`DROP DATABASE IF EXISTS ${templateName} WITH (FORCE)`) }).catch(() => {})
  await stopServer()
  if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true })
}
process.exit(exitCode)

/** A full run fails when line coverage falls below the floor. */
async function checkCoverage (): Promise<number> {
  const summary = JSON.parse(await readFile(`${COVERAGE_DIR}/coverage-summary.json`, 'utf8')) as { total: { lines: { pct: number } } }
  const lines = summary.total.lines.pct
  if (lines < COVERAGE_FLOOR) {
    console.error(`# ERROR: line coverage ${lines}% is below ${COVERAGE_FLOOR}%`)
    return 1
  }
  console.log(`# line coverage ${lines}% (floor ${COVERAGE_FLOOR}%)`)
  return 0
}
