import { connect } from 'node:net'
import t from 'tap'
import { build } from '../helpers/build.js'

t.test('a response finished after closing began ends its keep-alive connection', async (t) => {
  const app = await build(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const socket = connect(typeof address === 'object' && address !== null ? address.port : 0, '127.0.0.1')
  await new Promise((resolve) => socket.once('connect', resolve))
  let received = ''
  socket.on('data', (chunk: Buffer) => { received += chunk.toString() })
  const socketClosed = new Promise((resolve) => socket.once('close', resolve))

  // A keep-alive sign-in, slowed by password hashing, is in flight when closing begins.
  const signIn = JSON.stringify({ email: 'nobody@example.com', password: 'whatever it is' })
  socket.write(`POST /api/v1/auth/signin HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: ${signIn.length}\r\n\r\n${signIn}`)
  await new Promise((resolve) => setTimeout(resolve, 20))
  await app.close()
  await socketClosed

  t.match(received, /^HTTP\/1\.1 401 /, 'the request in flight was answered')
  t.match(received, /\r\nconnection: close\r\n/i, 'and told the client to close the connection')
})
