import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import Fastify from 'fastify'
import { simpleParser } from 'mailparser'
import configPlugin from '../../plugins/config.js'
import mailPlugin from '../../plugins/mail.js'
import { loadConfig } from '../../fastify.config.js'
import { findFreePort } from '../../plugins/db/embedded.js'
import { startSmtpCatcher } from '../helpers/smtp.js'

const message = { to: 'ada@example.com', subject: 'Your code: 123456', text: 'Hello Ada,\n\n123456', html: '<p>Hello Ada,</p><p>123456</p>' }

async function mailer (t: Test, env: Record<string, string>) {
  const lines: string[] = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { lines.push(line) } } } })
  await app.register(configPlugin, { config: loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgres://unused/unused', ...env }, { dotenv: false }) })
  await app.register(mailPlugin)
  await app.ready()
  t.teardown(async () => { await app.close() })
  return { app, lines }
}

t.test('without SMTP_URL each message is written to DATA_DIR/mail and logged', async (t) => {
  const dataDir = t.testdir()
  const { app, lines } = await mailer(t, { DATA_DIR: dataDir })
  await app.mailer.send(message)
  const files = await readdir(join(dataDir, 'mail'))
  t.equal(files.length, 1)
  t.match(files[0], /^\d{4}-\d{2}-\d{2}T[\d-]+\.\d{3}Z-[0-9a-f-]{36}\.eml$/, 'named by time and a random id, never by the address')
  const parsed = await simpleParser(await readFile(join(dataDir, 'mail', files[0] ?? '')))
  t.equal(parsed.subject, message.subject)
  t.equal(parsed.text?.trim(), message.text)
  t.equal(parsed.html, message.html)
  t.match(parsed.from?.text, /no-reply@commerce-api\.localhost/)
  const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.msg === 'email written to disk (SMTP_URL is not set)')
  t.match(logged, { to: 'ada@example.com', subject: message.subject, text: message.text }, 'the log shows the code to a developer')
})

t.test('with SMTP_URL messages go to the SMTP server, with both parts', async (t) => {
  const smtp = await startSmtpCatcher(t)
  const { app } = await mailer(t, { SMTP_URL: smtp.url, MAIL_FROM: 'Shop <shop@example.com>' })
  await app.mailer.send(message)
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
    // send() resolves once the server has accepted the message (the catcher records it before answering) or the failure is logged.
    await app.mailer.send({ ...message, to })
    const sent = smtp.recipients.slice(before)
    t.ok(sent.length <= 1 && sent.every((envelope) => envelope.length === 1), `${to}: one message, to one recipient`)
    t.notOk(sent.flat().includes('second@probe.test'), `${to}: nothing reaches second@probe.test`)
  }
})

t.test('a very long valid address makes a valid file name in the development mail folder', async (t) => {
  const dataDir = t.testdir()
  const { app, lines } = await mailer(t, { DATA_DIR: dataDir })
  const to = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`
  t.equal(to.length, 254)
  await app.mailer.send({ ...message, to })
  const files = await readdir(join(dataDir, 'mail'))
  t.equal(files.length, 1, 'written')
  const parsed = await simpleParser(await readFile(join(dataDir, 'mail', files[0] ?? '')))
  t.equal(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0]?.address : undefined, to)
  t.notOk(lines.some((line) => line.includes('email could not be sent')), 'no failure logged')
})

t.test('an unreachable SMTP server is logged, not thrown at the use case', async (t) => {
  const port = await findFreePort()
  const { app, lines } = await mailer(t, { SMTP_URL: `smtp://127.0.0.1:${port}` })
  await t.resolves(app.mailer.send(message))
  const failure = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.msg === 'email could not be sent')
  t.match(failure, { level: 50, to: 'ada@example.com', subject: message.subject })
})
