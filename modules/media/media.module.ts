import type { FastifyPluginAsync } from 'fastify'
import { sweepUnconfirmedUploads } from './upload.service.js'

/** Uploads straight to object storage; this module's only standing work is sweeping the abandoned ones. */
const mediaModule: FastifyPluginAsync = async (app) => {
  app.scheduleJob({
    name: 'sweep-unconfirmed-uploads',
    everyMs: 60 * 60 * 1000,
    run: async (em) => {
      const swept = await sweepUnconfirmedUploads(em, { storage: app.storage })
      if (swept > 0) app.log.info({ swept }, 'deleted uploads never confirmed')
    }
  })
}

export default mediaModule
