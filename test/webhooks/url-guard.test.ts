import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { checkUrlShape, checkWebhookUrl, isPublicAddress, nonPublicRange, UrlRefused } from '../../modules/webhooks/webhook-url.js'
import { MAX_RESPONSE_BYTES, postWebhook, RESPONSE_SNIPPET_BYTES } from '../../modules/webhooks/webhook-sender.js'

const STRICT = { requireHttps: true, allowPrivateAddresses: false }
const LENIENT = { requireHttps: false, allowPrivateAddresses: true }

t.test('only public unicast addresses are public', async (t) => {
  const refused: Array<[string, string]> = [
    ['127.0.0.1', 'loopback'], ['127.255.0.9', 'loopback'], ['10.1.2.3', 'private'], ['172.16.0.1', 'private'], ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'], ['100.64.0.1', 'carrierGradeNat'], ['0.0.0.0', 'unspecified'], ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'], ['192.0.2.1', 'reserved'], ['::1', 'loopback'], ['::', 'unspecified'], ['fe80::1', 'linkLocal'],
    ['fd00:ec2::254', 'uniqueLocal'], ['ff02::1', 'multicast'], ['::ffff:127.0.0.1', 'loopback'], ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'linkLocal'], ['64:ff9b::a00:1', 'rfc6052'], ['2002:a00:1::1', '6to4'], ['::7f00:1', 'outside global unicast'],
    ['2001:db8::1', 'reserved']
  ]
  for (const [address, range] of refused) t.equal(nonPublicRange(address), range, `${address} is ${range}`)
  for (const address of ['93.184.215.14', '8.8.8.8', '2606:2800:220:1::1', '::ffff:8.8.8.8']) t.ok(isPublicAddress(address), `${address} is public`)
  t.notOk(isPublicAddress('not-an-ip'))
})

t.test('URL shapes: absolute http(s), no credentials, no fragment, https and public literals when strict', async (t) => {
  const refusal = (url: string, policy = STRICT): string => {
    try {
      checkUrlShape(url, policy)
      return 'accepted'
    } catch (error) {
      return (error as UrlRefused).message
    }
  }
  t.equal(refusal('http://erp.example.com/hook'), 'must use https: this server only sends webhooks over TLS')
  t.equal(refusal('http://erp.example.com/hook', LENIENT), 'accepted')
  t.equal(refusal('https://127.0.0.1/hook'), 'must reach a public address: 127.0.0.1 is a loopback address')
  t.equal(refusal('https://2130706433/hook'), 'must reach a public address: 127.0.0.1 is a loopback address', 'a decimal IPv4 is still 127.0.0.1')
  t.equal(refusal('https://0x7f.1/hook'), 'must reach a public address: 127.0.0.1 is a loopback address', 'and so is a hexadecimal one')
  t.equal(refusal('https://[::1]/hook'), 'must reach a public address: ::1 is a loopback address')
  t.equal(refusal('https://[::ffff:127.0.0.1]/hook'), 'must reach a public address: ::ffff:7f00:1 is a loopback address')
  t.equal(refusal('https://169.254.169.254/latest/meta-data'), 'must reach a public address: 169.254.169.254 is a link-local address (cloud metadata services live there)')
  t.equal(refusal('https://localhost/hook'), 'must reach a public address: localhost is this machine')
  t.equal(refusal('https://api.localhost/hook'), 'must reach a public address: api.localhost is this machine')
  t.equal(refusal('https://93.184.215.14:8443/hook'), 'accepted')
  t.equal(refusal('https://127.0.0.1/hook', LENIENT), 'accepted', 'loopback receivers are for development and tests')
  t.equal(refusal('https://u:p@erp.example.com/'), 'must not carry credentials (user:password@); authenticate the requests with the signature')
  t.equal(refusal('mailto:ops@example.com'), 'must be an absolute http or https URL')
  t.equal(refusal('/relative'), 'must be an absolute http or https URL')
  t.equal(refusal(`https://erp.example.com/${'a'.repeat(2048)}`), 'must be at most 2048 characters')
})

t.test('a saved URL must resolve, and only to public addresses', async (t) => {
  const dns = (answers: Record<string, string[]>) => (async (host: string) => {
    const addresses = answers[host]
    if (addresses === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' })
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))
  }) as never
  const resolve = dns({ 'erp.example.com': ['93.184.215.14', '2606:2800:220:1::1'], 'rebind.example.com': ['93.184.215.14', '10.0.0.7'], 'metadata.example.com': ['169.254.169.254'] })
  t.equal(await checkWebhookUrl('https://erp.example.com/hook', STRICT, resolve), 'https://erp.example.com/hook')
  await t.rejects(checkWebhookUrl('https://rebind.example.com/hook', STRICT, resolve), new UrlRefused('must reach a public address: rebind.example.com resolves to 10.0.0.7, a private address'), 'one private answer is enough')
  await t.rejects(checkWebhookUrl('https://metadata.example.com/', STRICT, resolve), /resolves to 169\.254\.169\.254, a link-local address/)
  await t.rejects(checkWebhookUrl('https://nowhere.example.com/', STRICT, resolve), new UrlRefused('must have a host that resolves: nowhere.example.com does not'))
  t.equal(await checkWebhookUrl('http://nowhere.example.com/', LENIENT, resolve), 'http://nowhere.example.com/', 'not resolved when private addresses are allowed')
})

async function server (t: Test, handler: Parameters<typeof createServer>[1]): Promise<number> {
  const listening = createServer(handler)
  await new Promise<void>((resolve) => { listening.listen(0, '127.0.0.1', resolve) })
  t.teardown(async () => {
    listening.closeAllConnections()
    await new Promise<void>((resolve) => { listening.close(() => { resolve() }) })
  })
  return (listening.address() as AddressInfo).port
}

t.test('the sender checks the address it connects to, and bounds the answer in time and size', async (t) => {
  let requests = 0
  const port = await server(t, (request, response) => {
    requests += 1
    if (request.url === '/hang') return
    if (request.url === '/large') {
      response.writeHead(200)
      const chunk = Buffer.alloc(16 * 1024, 'x')
      const write = (): void => { while (response.write(chunk)) { /* until the buffer is full */ } }
      response.on('drain', write)
      write()
      return
    }
    if (request.url === '/redirect') {
      response.writeHead(302, { location: '/elsewhere' }).end()
      return
    }
    response.writeHead(204).end()
  })
  const strict = { timeoutMs: 2000, allowPrivateAddresses: false }
  const lenient = { timeoutMs: 2000, allowPrivateAddresses: true }
  const refusedName = await postWebhook(`http://localhost:${port}/`, {}, '{}', strict)
  t.match(refusedName, { status: null, error: /^refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address$/ }, 'a name resolving to loopback is refused at connect')
  const refusedLiteral = await postWebhook(`http://127.0.0.1:${port}/`, {}, '{}', strict)
  t.same(refusedLiteral, { status: null, error: 'refused: 127.0.0.1 is a loopback address', durationMs: 0, body: null })
  t.equal(requests, 0, 'no request reached the server')

  t.match(await postWebhook(`http://localhost:${port}/`, {}, '{}', lenient), { status: 204, error: null }, 'allowed when private addresses are')
  t.match(await postWebhook(`http://127.0.0.1:${port}/redirect`, {}, '{}', lenient), { status: 302, error: null }, 'a redirect is an answer, not followed')
  t.equal(requests, 2)
  t.match(await postWebhook(`http://127.0.0.1:${port}/hang`, {}, '{}', { ...lenient, timeoutMs: 300 }), { status: null, error: 'timed out after 300 ms' })
  const large = await postWebhook(`http://127.0.0.1:${port}/large`, {}, '{}', lenient)
  t.equal(large.status, 200, 'a large answer keeps its status')
  t.equal(large.body?.length, RESPONSE_SNIPPET_BYTES, 'and only its start is kept')
  t.ok(MAX_RESPONSE_BYTES < 1024 * 1024, 'reading stops long before the end of an endless answer')
  t.match(await postWebhook('http://127.0.0.1:1/', {}, '{}', lenient), { status: null, error: /ECONNREFUSED/ })
})
