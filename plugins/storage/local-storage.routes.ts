import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { problemResponses } from '../../openapi/shared.schemas.js'
import { ProblemError, invalidField } from '../problem.js'
import { LOCAL_KEY, type LocalStorage } from './local-driver.js'
import type { ObjectStorage } from './object-storage.js'

const CONTENT_TYPES: Record<string, string> = { jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp', avif: 'image/avif' }

const KeyParamsSchema = Type.Object({ key: Type.String({ pattern: LOCAL_KEY.source }) })
const UploadQuerySchema = Type.Object({
  expires: Type.Integer({ minimum: 0, maximum: 100_000_000_000 }),
  signature: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' })
}, { additionalProperties: false })
const BinarySchema = Type.String({ format: 'binary' })

const notStoredHere = (): ProblemError => new ProblemError(404, 'NOT_FOUND', 'The requested resource does not exist.')

/**
 * What the `local` driver's URLs point at: PUT receives an upload presigned by the driver, GET serves a
 * stored file. Scoped, so image bodies are accepted here and nowhere else.
 */
export const localStorageRoutes: FastifyPluginAsyncTypebox<{ storage: ObjectStorage }> = async (app, { storage }) => {
  const local = storage.driver === 'local' ? storage as LocalStorage : undefined
  // Here, and only here, bodies are image files; anything else is refused for what it is.
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser(Object.values(CONTENT_TYPES), { parseAs: 'buffer', bodyLimit: app.config.UPLOAD_MAX_BYTES }, (request, body, done) => { done(null, body) })
  app.addContentTypeParser('*', (request, payload, done) => {
    done(new ProblemError(415, 'UNSUPPORTED_MEDIA_TYPE', 'The file must be sent with its image type as Content-Type: image/jpeg, image/png, image/webp or image/avif.'), undefined)
  })

  app.put('/storage/:key', {
    config: { access: 'public', binaryBody: true },
    schema: {
      operationId: 'putStoredFile',
      params: KeyParamsSchema,
      querystring: UploadQuerySchema,
      response: { 204: Type.Null(), ...problemResponses(400, 403, 404, 413, 415, 500) }
    }
  }, async (request, reply) => {
    if (local === undefined) throw notStoredHere()
    const body = request.body as unknown
    if (!Buffer.isBuffer(body)) throw invalidField('/body', 'must be the file\'s bytes')
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim() ?? ''
    const verdict = local.verifyUpload(request.params.key, { contentType, bytes: body.length, expires: request.query.expires, signature: request.query.signature })
    if (verdict === 'expired') throw new ProblemError(403, 'UPLOAD_URL_EXPIRED', 'This upload URL has expired; ask for a new one.')
    if (verdict === 'invalid') throw new ProblemError(403, 'UPLOAD_URL_INVALID', 'This upload URL was not issued for this file: the key, content type and size must be exactly those declared.')
    if (!await local.receive(request.params.key, body)) {
      throw new ProblemError(403, 'UPLOAD_URL_USED', 'A file was already uploaded with this URL; stored files never change. Start a new upload.')
    }
    return reply.code(204).send(null)
  })

  app.get('/storage/:key', {
    config: { access: 'public' },
    schema: {
      operationId: 'getStoredFile',
      params: KeyParamsSchema,
      response: { 200: BinarySchema, ...problemResponses(400, 404, 500) }
    }
  }, async (request, reply) => {
    if (local === undefined) throw notStoredHere()
    const path = local.pathOf(request.params.key)
    if (await stat(path).catch(() => null) === null) throw notStoredHere()
    const extension = request.params.key.split('.').pop() ?? ''
    return reply
      .type(CONTENT_TYPES[extension] ?? 'application/octet-stream')
      .header('cache-control', 'public, max-age=31536000, immutable')
      // Storefronts on other origins show these images; nothing in them may run, whatever a file holds.
      .header('cross-origin-resource-policy', 'cross-origin')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .send(createReadStream(path) as never)
  })
}
