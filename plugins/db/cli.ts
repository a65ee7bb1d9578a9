/**
 * `npm run migrate` applies pending migrations; `npm run migrate:create -- <name>` writes a new one from the
 * difference between the entities and the database. Both use the embedded database when DATABASE_URL is unset.
 */
import { MikroORM } from '@mikro-orm/postgresql'
import { ConfigError, loadConfig } from '../../fastify.config.js'
import { createOrmConfig } from '../../mikro-orm.config.js'
import { resolveDatabase } from './database-url.js'
import { migrateUnderLock } from './migrations.js'

const [command, name] = process.argv.slice(2)
if (command !== 'up' && command !== 'create') {
  console.error('usage: cli.ts up | create [name]')
  process.exit(2)
}

let config
try {
  config = loadConfig()
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(error.message)
  process.exit(1)
}
const database = await resolveDatabase(config, (message) => { console.info(message) })
const orm = await MikroORM.init(createOrmConfig({ clientUrl: database.config.DATABASE_URL, poolMax: 2 }))
try {
  if (command === 'up') {
    const applied = await migrateUnderLock(orm)
    console.info(applied.length === 0 ? 'no pending migrations' : `applied: ${applied.join(', ')}`)
  } else {
    await migrateUnderLock(orm) // a new migration is the difference from the fully migrated schema
    const result = await orm.migrator.create(undefined, false, false, name)
    console.info(result.fileName === '' ? 'no changes: the database already matches the entities' : `created migrations/${result.fileName}`)
  }
} finally {
  await orm.close()
  await database.stop()
}
