import fp from 'fastify-plugin'
import { createLocalStorage } from './local-driver.js'
import { createS3Storage } from './s3-driver.js'
import { localStorageRoutes } from './local-storage.routes.js'
import type { ObjectStorage } from './object-storage.js'

declare module 'fastify' {
  interface FastifyInstance {
    storage: ObjectStorage
  }
}

/**
 * Object storage for uploaded files: `s3` (AWS S3 or any S3-compatible service: MinIO, R2, ...) with
 * presigned URLs, or `local`, the embedded default, which keeps files under DATA_DIR/uploads, signs its own
 * expiring upload URLs, and receives and serves them itself (routes under /storage).
 */
export default fp(async (app) => {
  const storage: ObjectStorage = app.config.STORAGE_DRIVER === 's3' ? createS3Storage(app.config) : await createLocalStorage(app.config)
  app.decorate('storage', storage)
  app.addHook('onClose', async () => { await storage.close?.() })
  await app.register(localStorageRoutes, { storage })
}, { name: 'storage', dependencies: ['config'] })
