import { readdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import pg from 'pg'
import { MikroORM } from '@mikro-orm/postgresql'
import { createOrmConfig } from '../../mikro-orm.config.js'
import { migrateUnderLock } from '../../plugins/db/migrations.js'
import { createEmptyDatabase } from '../helpers/database.js'

const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations')

/** The advisory lock migrateUnderLock takes (plugins/db/migrations.ts through plugins/db/advisory-lock.ts). */
const MIGRATION_LOCK = 'commerce-api:migrations'

/** The committed migrations, named as MikroORM records them (without the extension). */
async function committedMigrations (): Promise<string[]> {
  const files = await readdir(migrationsDir)
  return files.filter((file) => /^Migration.*\.[jt]s$/.test(file) && !file.endsWith('.d.ts')).map((file) => file.replace(/\.[jt]s$/, '')).sort()
}

async function openOrm (t: Test, clientUrl: string): Promise<MikroORM> {
  // MikroORM's own logger would print each applied migration into the test output.
  const orm = await MikroORM.init({ ...createOrmConfig({ clientUrl, poolMax: 2 }), logger: () => {} })
  t.teardown(async () => { await orm.close() })
  return orm
}

async function connect (t: Test, url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  t.teardown(async () => { await client.end() })
  return client
}

async function recordedMigrations (client: pg.Client): Promise<Array<{ name: string, times: number }>> {
  const { rows } = await client.query<{ name: string, times: number }>(
    'SELECT name, count(*)::int AS times FROM mikro_orm_migrations GROUP BY name ORDER BY name')
  return rows
}

async function tableExists (client: pg.Client, table: string): Promise<boolean> {
  const { rows } = await client.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [`public.${table}`])
  return rows[0]?.found !== null
}

t.test('two instances migrating an empty database at once apply every migration exactly once', async (t) => {
  const url = await createEmptyDatabase(t)
  const expected = await committedMigrations()
  const client = await connect(t, url)
  t.notOk(await tableExists(client, 'mikro_orm_migrations'), 'the database starts empty')

  const orms = [await openOrm(t, url), await openOrm(t, url)]
  const applied = await Promise.all(orms.map(async (orm) => await migrateUnderLock(orm)))

  t.same([...applied[0] ?? [], ...applied[1] ?? []].sort(), expected, 'each migration was applied by exactly one instance')
  t.same(applied.map((names) => names.length).sort((a, b) => a - b), [0, expected.length], 'the first to take the lock applied them all; the other found nothing to do')
  t.same(await recordedMigrations(client), expected.map((name) => ({ name, times: 1 })), 'each migration is recorded once')

  for (const meta of orms[0]?.getMetadata().getAll().values() ?? []) {
    if (meta.tableName !== undefined && meta.embeddable !== true && meta.virtual !== true) {
      t.ok(await tableExists(client, meta.tableName), `table ${meta.tableName} exists`)
    }
  }

  for (const orm of orms) t.same(await migrateUnderLock(orm), [], 'migrating again applies nothing')
  t.same(await recordedMigrations(client), expected.map((name) => ({ name, times: 1 })))
})

t.test('a migration waits while another instance holds the migration lock', async (t) => {
  const url = await createEmptyDatabase(t)
  const expected = await committedMigrations()
  const holder = await connect(t, url)
  const observer = await connect(t, url)
  const orm = await openOrm(t, url)

  const { rows: [holderSession] } = await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
  await holder.query('SELECT pg_advisory_lock(hashtext($1))', [MIGRATION_LOCK])
  const migration = migrateUnderLock(orm)

  const watch = { active: true }
  const waitingForLock = (async () => {
    while (watch.active) {
      const { rowCount } = await observer.query(
        `SELECT 1 FROM pg_locks
          WHERE locktype = 'advisory' AND NOT granted AND pid <> $1
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, [holderSession?.pid])
      if (rowCount !== null && rowCount > 0) return 'waiting for the lock'
      await sleep(20)
    }
    return 'stopped watching'
  })()
  // Deterministic either way: without the lock the migration would finish while the holder keeps it.
  const first = await Promise.race([waitingForLock, migration.then(() => 'migrated while the lock was held')])
  watch.active = false
  t.equal(first, 'waiting for the lock', 'the migration waits for the lock')
  t.notOk(await tableExists(observer, 'mikro_orm_migrations'), 'nothing was touched before the lock was granted')

  await holder.query('SELECT pg_advisory_unlock(hashtext($1))', [MIGRATION_LOCK])
  t.same([...await migration].sort(), expected, 'it then applies every migration')
  t.ok(await tableExists(observer, 'mikro_orm_migrations'))
  t.same(await recordedMigrations(observer), expected.map((name) => ({ name, times: 1 })))
  await waitingForLock
})
