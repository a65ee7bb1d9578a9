import type { FastifyPluginAsync } from 'fastify'

const reviewsModule: FastifyPluginAsync = async () => {}

export default reviewsModule
