import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { PageQuerySchema, problemResponses } from '../../openapi/shared.schemas.js'
import type { ProductSummarySettings } from '../catalog/product-summary.service.js'
import { listWishlist, removeFromWishlist, saveToWishlist } from './wishlist.service.js'
import { WishlistItemSchema, WishlistPageSchema, WishlistProductParamsSchema } from './wishlist.schemas.js'

const CUSTOMERS = { access: { roles: ['CUSTOMER'] as const } }

export const wishlistRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const settings: ProductSummarySettings = { currency: app.config.SHOP_CURRENCY, urlOf: app.storage.urlOf }

  app.get('/', {
    prefixTrailingSlash: 'no-slash',
    config: CUSTOMERS,
    schema: {
      operationId: 'listWishlist',
      querystring: PageQuerySchema,
      response: { 200: WishlistPageSchema, ...problemResponses(400, 401, 403, 500) }
    }
  }, async (request) => await listWishlist(request.em, settings, request.account!, request.query))

  app.put('/:productId', {
    config: CUSTOMERS,
    schema: {
      operationId: 'saveToWishlist',
      params: WishlistProductParamsSchema,
      response: { 200: WishlistItemSchema, 201: WishlistItemSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 500) }
    }
  }, async (request, reply) => {
    const { item, created } = await saveToWishlist(request.em, settings, request.account!, request.params.productId)
    return reply.code(created ? 201 : 200).send(item)
  })

  app.delete('/:productId', {
    config: CUSTOMERS,
    schema: {
      operationId: 'removeFromWishlist',
      params: WishlistProductParamsSchema,
      response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 413, 415, 500) }
    }
  }, async (request, reply) => {
    await removeFromWishlist(request.em, request.account!, request.params.productId)
    return reply.code(204).send(null)
  })
}
