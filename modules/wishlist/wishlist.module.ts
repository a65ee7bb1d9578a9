import type { FastifyPluginAsync } from 'fastify'

const wishlistModule: FastifyPluginAsync = async () => {}

export default wishlistModule
