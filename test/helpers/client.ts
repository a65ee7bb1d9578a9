import type { FastifyInstance } from 'fastify'
import createClient, { type Client } from 'openapi-fetch'
import type { paths } from '../../openapi/schema.js'
import { assertResponseMatchesSpec } from './contract.js'

export type ApiClient = Client<paths>

export interface InjectClientOptions {
  /** The caller's IP address as the app sees it (`app.inject` defaults to 127.0.0.1). */
  remoteAddress?: string
}

/** A typed client generated from the spec, as a frontend team would use it, over `app.inject`. */
export function injectClient (app: FastifyInstance, options: InjectClientOptions = {}): ApiClient {
  return createClient<paths>({
    baseUrl: 'http://localhost',
    fetch: async (request: Request) => {
      const url = new URL(request.url)
      const body = request.body === null ? undefined : await request.text()
      const response = await app.inject({
        method: request.method as 'GET',
        url: url.pathname + url.search,
        headers: Object.fromEntries(request.headers.entries()),
        ...(options.remoteAddress === undefined ? {} : { remoteAddress: options.remoteAddress }),
        ...(body === undefined ? {} : { payload: body })
      })
      const headers = new Headers()
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : String(value))
      }
      const hasBody = response.statusCode !== 204 && response.statusCode !== 304
      // A Response for these statuses cannot carry a body, so a test could not see one: refuse it here.
      if (!hasBody && response.body !== '') throw new Error(`${request.method} ${url.pathname} answered ${response.statusCode} with a body: ${response.body.slice(0, 200)}`)
      return new Response(hasBody ? response.body : null, { status: response.statusCode, headers })
    }
  })
}

/** The same typed client over real HTTP; every response is checked against the spec. */
export function httpClient (baseUrl: string): ApiClient {
  const client = createClient<paths>({ baseUrl })
  client.use({
    async onResponse ({ request, response }) {
      assertResponseMatchesSpec({
        method: request.method,
        url: request.url,
        statusCode: response.status,
        contentType: response.headers.get('content-type') ?? undefined,
        body: await response.clone().text()
      })
      return response
    }
  })
  return client
}
