import fp from 'fastify-plugin'
import type { AppConfig } from '../fastify.config.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: AppConfig
  }
}

/** Exposes the validated configuration to every plugin and module as `app.config`. */
export default fp<{ config: AppConfig }>(async (app, { config }) => {
  app.decorate('config', config)
}, { name: 'config' })
