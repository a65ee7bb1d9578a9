/**
 * `npm run seed [-- --products N]`: loads the demo customer and a demo catalog of N products (300 by default,
 * with placeholder images up to 1,000) into the database, embedded when DATABASE_URL is unset. A catalog
 * that already has products is left alone: start from an empty database for another size.
 */
import { parseArgs } from 'node:util'
import { MikroORM } from '@mikro-orm/postgresql'
import { ConfigError, loadConfig } from '../../fastify.config.js'
import { createOrmConfig } from '../../mikro-orm.config.js'
import { resolveDatabase } from '../../plugins/db/database-url.js'
import { migrateUnderLock } from '../../plugins/db/migrations.js'
import { createLocalStorage } from '../../plugins/storage/local-driver.js'
import { createS3Storage } from '../../plugins/storage/s3-driver.js'
import { seedDemoData } from './demo.service.js'
import { seedDemoCatalog } from './demo-catalog.service.js'
import { DEMO_PRODUCTS } from './demo.module.js'

const { values } = parseArgs({ options: { products: { type: 'string', default: String(DEMO_PRODUCTS) } } })
const products = Number(values.products)
if (!Number.isInteger(products) || products < 1 || products > 1_000_000) {
  console.error('--products must be a whole number from 1 to 1000000')
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
const orm = await MikroORM.init(createOrmConfig({ clientUrl: database.config.DATABASE_URL, poolMax: 4 }))
const storage = database.config.STORAGE_DRIVER === 's3' ? createS3Storage(database.config) : await createLocalStorage(database.config)
try {
  await migrateUnderLock(orm)
  const started = Date.now()
  await seedDemoData(orm.em.fork())
  const written = await seedDemoCatalog(orm.em.fork(), storage, { products, images: products <= 1000 })
  console.info(written === 0
    ? 'the catalog already has products: nothing seeded (start from an empty database for another size)'
    : `seeded ${written} products in ${((Date.now() - started) / 1000).toFixed(1)} s`)
} finally {
  await storage.close?.()
  await orm.close()
  await database.stop()
}
