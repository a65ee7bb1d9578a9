import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IfNoneMatchHeadersSchema, NotModifiedSchema, problemResponses } from '../../openapi/shared.schemas.js'
import { BrowseQuerySchema, ProductListPageSchema, SearchQuerySchema, SuggestionsSchema, SuggestQuerySchema } from './product-search.schemas.js'
import { browseProducts, resolvedQueriesCache, searchProducts, suggest } from './product-search.service.js'
import { catalogContextOf } from './catalog.context.js'
import { STOREFRONT } from './catalog.access.js'

export const productSearchRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { settings } = catalogContextOf(app)
  const resolved = resolvedQueriesCache()

  app.get('/products', {
    config: STOREFRONT,
    schema: {
      operationId: 'listProducts',
      querystring: BrowseQuerySchema,
      headers: IfNoneMatchHeadersSchema,
      response: { 200: ProductListPageSchema, 304: NotModifiedSchema, ...problemResponses(400, 500) }
    }
  }, async (request) => await browseProducts(request.em, settings, resolved, request.query))

  app.get('/products/search', {
    config: STOREFRONT,
    schema: {
      operationId: 'searchProducts',
      querystring: SearchQuerySchema,
      headers: IfNoneMatchHeadersSchema,
      response: { 200: ProductListPageSchema, 304: NotModifiedSchema, ...problemResponses(400, 500) }
    }
  }, async (request) => await searchProducts(request.em, settings, resolved, request.query))

  app.get('/search/suggest', {
    config: STOREFRONT,
    schema: {
      operationId: 'suggestSearch',
      querystring: SuggestQuerySchema,
      headers: IfNoneMatchHeadersSchema,
      response: { 200: SuggestionsSchema, 304: NotModifiedSchema, ...problemResponses(400, 500) }
    }
  }, async (request) => await suggest(request.em, resolved, request.query.q))
}
