import type { FastifyPluginAsync } from 'fastify'
import { DEMO_CUSTOMER, seedDemoData } from './demo.service.js'
import { seedDemoCatalog } from './demo-catalog.service.js'

/** Products the demo catalog has when `npm start` loads it. */
export const DEMO_PRODUCTS = 300

/**
 * With DEMO_DATA (on by default in development), loads the demo data once the app is ready: a customer to
 * sign in as, and a catalog for /docs to show. What is already there is left alone.
 */
const demoModule: FastifyPluginAsync = async (app) => {
  if (!app.config.DEMO_DATA) return
  app.addHook('onReady', async () => {
    if (await seedDemoData(app.orm.em.fork())) {
      app.log.info({ email: DEMO_CUSTOMER.email, password: DEMO_CUSTOMER.password }, 'demo data loaded: sign in as the demo customer')
    }
    const products = await seedDemoCatalog(app.orm.em.fork(), app.storage, { products: DEMO_PRODUCTS, images: true })
    if (products > 0) app.log.info({ products }, 'demo catalog loaded')
  })
}

export default demoModule
