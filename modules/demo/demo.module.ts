import type { FastifyPluginAsync } from 'fastify'
import { DEMO_CUSTOMER, seedDemoData } from './demo.service.js'

/** With DEMO_DATA (on by default in development), loads the demo data once the app is ready, unless it is there. */
const demoModule: FastifyPluginAsync = async (app) => {
  if (!app.config.DEMO_DATA) return
  app.addHook('onReady', async () => {
    if (await seedDemoData(app.orm.em.fork())) {
      app.log.info({ email: DEMO_CUSTOMER.email, password: DEMO_CUSTOMER.password }, 'demo data loaded: sign in as the demo customer')
    }
  })
}

export default demoModule
