import type { FastifyPluginAsync } from 'fastify'

const discountsModule: FastifyPluginAsync = async () => {}

export default discountsModule
