import fp from 'fastify-plugin'

/**
 * Responses may be stored by no cache unless their route says otherwise: tokens, codes and account data
 * must never sit in a browser's or a proxy's cache. A route that allows caching sets its own Cache-Control.
 */
export default fp(async (app) => {
  app.addHook('onSend', async (request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
    return payload
  })
}, { name: 'caching' })
