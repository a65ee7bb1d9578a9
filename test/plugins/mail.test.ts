import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { simpleParser } from 'mailparser'
import { buildApp } from '../../fastify.config.js'
import { findFreePort } from '../../plugins/db/embedded.js'
import { testConfig, type Env } from '../helpers/build.js'
import { startSmtpCatcher } from '../helpers/smtp.js'

const message = { to: 'ada@example.com', subject: 'Your code: 123456', text: 'Hello Ada,\n\n123456', html: '<p>Hello Ada,</p><p>123456</p>' }

/** The whole app (the mailer sends through the outbox, on the app's database), with its log lines kept. */
async function mailer (t: Test, env: Env, databaseUrl?: string) {
  const lines: string[] = []
  const app = await buildApp(await testConfig(t, { LOG_LEVEL: 'info', ...env, ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }) }), { logStream: { write: (line) => { lines.push(line) } } })
  t.teardown(async () => { await app.close() })
  await app.ready()
  return { app, lines }
}

const logged = (lines: string[], msg: string): Array<Record<string, unknown>> =>
  lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === msg)

/** Sends one message through the outbox in its own transaction. */
async function send (app: FastifyInstance, mail: typeof message, options: { notAfter?: Date } = {}): Promise<void> {
  await app.orm.em.fork().transactional(async (tx) => { await app.mailer.send(tx, mail, options) })
}

/** The development mail folder's files, once `count` have been written. */
async function mailFiles (dataDir: string, count: number): Promise<string[]> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const files = await readdir(join(dataDir, 'mail')).catch(() => [])
    if (files.length >= count) return files
    await sleep(50)
  }
  throw new Error(`fewer than ${count} files in the mail folder`)
}

t.test('without SMTP_URL each message is written to DATA_DIR/mail and logged', async (t) => {
  const dataDir = t.testdir()
  const { app, lines } = await mailer(t, { DATA_DIR: dataDir })
  await send(app, message)
  const files = await mailFiles(dataDir, 1)
  t.equal(files.length, 1)
  t.match(files[0], /^\d{4}-\d{2}-\d{2}T[\d-]+\.\d{3}Z-[0-9a-f-]{36}\.eml$/, 'named by time and a random id, never by the address')
  const parsed = await simpleParser(await readFile(join(dataDir, 'mail', files[0] ?? '')))
  t.equal(parsed.subject, message.subject)
  t.equal(parsed.text?.trim(), message.text)
  t.equal(parsed.html, message.html)
  t.match(parsed.from?.text, /no-reply@commerce-api\.localhost/)
  t.match(logged(lines, 'email written to disk (SMTP_URL is not set)')[0], { to: 'ada@example.com', subject: message.subject, text: message.text }, 'the log shows the code to a developer')
})

t.test('with SMTP_URL messages go to the SMTP server, with both parts', async (t) => {
  const smtp = await startSmtpCatcher(t)
  const { app } = await mailer(t, { SMTP_URL: smtp.url, MAIL_FROM: 'Shop <shop@example.com>' })
  await send(app, message)
  const received = await smtp.nextMessage('ada@example.com')
  t.equal(received.subject, message.subject)
  t.equal(received.text?.trim(), message.text)
  t.equal(received.html, message.html)
  t.equal(received.from?.text, '"Shop" <shop@example.com>')
})

t.test('the mailer sends to exactly the one address it is given, never to a list read out of it', async (t) => {
  const smtp = await startSmtpCatcher(t)
  const { app } = await mailer(t, { SMTP_URL: smtp.url })
  // Addresses are validated before they are stored; the mailer must still not read a list out of one.
  for (const to of ['x,second@probe.test', 'first@probe.test, second@probe.test', 'Name <second@probe.test>']) {
    const before = smtp.recipients.length
    await send(app, { ...message, to })
    // The next message marks when this one has been handled: the outbox delivers a topic's messages in order.
    await send(app, { ...message, to: 'marker@probe.test' })
    await smtp.nextMessage('marker@probe.test')
    const sent = smtp.recipients.slice(before, -1)
    t.ok(sent.length <= 1 && sent.every((envelope) => envelope.length === 1), `${to}: one message, to one recipient`)
    t.notOk(sent.flat().includes('second@probe.test'), `${to}: nothing reaches second@probe.test`)
  }
})

t.test('a very long valid address makes a valid file name in the development mail folder', async (t) => {
  const dataDir = t.testdir()
  const { app, lines } = await mailer(t, { DATA_DIR: dataDir })
  const to = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`
  t.equal(to.length, 254)
  await send(app, { ...message, to })
  const files = await mailFiles(dataDir, 1)
  t.equal(files.length, 1, 'written')
  const parsed = await simpleParser(await readFile(join(dataDir, 'mail', files[0] ?? '')))
  t.equal(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0]?.address : undefined, to)
  t.same(logged(lines, 'outbox message not delivered: it will be retried'), [], 'no failure logged')
})

t.test('with the mail server down, a message waits and is delivered once the server is back, exactly once', async (t) => {
  const port = await findFreePort()
  const { app, lines } = await mailer(t, { SMTP_URL: `smtp://127.0.0.1:${port}`, OUTBOX_RETRY_DELAY_SECONDS: '1' })
  await send(app, message)
  for (let attempt = 0; attempt < 100 && logged(lines, 'outbox message not delivered: it will be retried').length === 0; attempt++) await sleep(50)
  t.match(logged(lines, 'outbox message not delivered: it will be retried')[0], { level: 50, topic: 'email', attempt: 1 }, 'the failed attempt is logged')
  const smtp = await startSmtpCatcher(t, port)
  const received = await smtp.nextMessage('ada@example.com', 15_000)
  t.equal(received.subject, message.subject, 'delivered once the server is back')
  await sleep(1500)
  t.equal(smtp.messages.length, 1, 'and only once')
})

t.test('a message sent in a transaction that rolls back is never sent', async (t) => {
  const smtp = await startSmtpCatcher(t)
  const { app } = await mailer(t, { SMTP_URL: smtp.url })
  await t.rejects(app.orm.em.fork().transactional(async (tx) => {
    await app.mailer.send(tx, { ...message, to: 'rolled-back@example.com' })
    throw new Error('the use case failed')
  }), /the use case failed/)
  await send(app, { ...message, to: 'committed@example.com' })
  await smtp.nextMessage('committed@example.com')
  await sleep(500)
  t.same(smtp.recipients, [['committed@example.com']], 'only the committed message went out')
})

t.test('a message whose notAfter passed before delivery is dropped, not sent late', async (t) => {
  const port = await findFreePort()
  const { app, lines } = await mailer(t, { SMTP_URL: `smtp://127.0.0.1:${port}`, OUTBOX_RETRY_DELAY_SECONDS: '1' })
  await send(app, { ...message, to: 'late@example.com' }, { notAfter: new Date(Date.now() + 1500) })
  await sleep(2500)
  const smtp = await startSmtpCatcher(t, port)
  await send(app, { ...message, to: 'fresh@example.com' })
  await smtp.nextMessage('fresh@example.com', 15_000)
  for (let attempt = 0; attempt < 100 && logged(lines, 'outbox message dropped: it expired before it could be delivered').length === 0; attempt++) await sleep(100)
  t.equal(logged(lines, 'outbox message dropped: it expired before it could be delivered').length, 1, 'the expired code is dropped')
  t.same(smtp.recipients, [['fresh@example.com']], 'and never reaches the customer')
})

t.test('two instances on one database deliver each of 30 messages exactly once', async (t) => {
  const smtp = await startSmtpCatcher(t)
  const { app } = await mailer(t, { SMTP_URL: smtp.url })
  const { app: other } = await mailer(t, { SMTP_URL: smtp.url }, app.config.DATABASE_URL)
  const recipients = Array.from({ length: 30 }, (_, index) => `customer-${index}@example.com`)
  await Promise.all(recipients.map(async (to, index) => { await send(index % 2 === 0 ? app : other, { ...message, to }) }))
  for (const to of recipients) await smtp.nextMessage(to, 10_000)
  await sleep(1000)
  t.equal(smtp.messages.length, 30, 'thirty messages, none twice')
  t.same(smtp.recipients.flat().sort(), [...recipients].sort())
})
