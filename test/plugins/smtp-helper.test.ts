import t from 'tap'
import nodemailer from 'nodemailer'
import { startSmtpCatcher } from '../helpers/smtp.js'

t.test('a mail sent over SMTP arrives parsed', async (t) => {
  const smtp = await startSmtpCatcher(t)
  t.match(smtp.url, /^smtp:\/\/127\.0\.0\.1:\d+$/)
  const transport = nodemailer.createTransport(smtp.url)
  t.teardown(() => { transport.close() })

  const info = await transport.sendMail({
    from: 'commerce-api <no-reply@shop.example>',
    to: 'Ada Lovelace <ada@example.com>',
    subject: 'Your verification code',
    text: 'Your code is 123456. It expires in 10 minutes.',
    html: '<p>Your code is <strong>123456</strong>. It expires in 10 minutes.</p>'
  })
  t.same(info.accepted, ['ada@example.com'])

  const mail = await smtp.nextMessage('ada@example.com')
  t.equal(mail.subject, 'Your verification code')
  t.equal(mail.text?.trim(), 'Your code is 123456. It expires in 10 minutes.')
  t.equal(mail.html, '<p>Your code is <strong>123456</strong>. It expires in 10 minutes.</p>')
  t.same(mail.from?.value, [{ address: 'no-reply@shop.example', name: 'commerce-api' }])
  t.same(Array.isArray(mail.to) ? mail.to.flatMap((to) => to.value) : mail.to?.value, [{ address: 'ada@example.com', name: 'Ada Lovelace' }])
  t.equal(mail.messageId, info.messageId)
  t.same(smtp.messages, [mail])
})

t.test('nextMessage waits, filters by recipient and hands each message out once', async (t) => {
  const smtp = await startSmtpCatcher(t)
  // Credentials in SMTP_URL are accepted over the plain connection, as a relay would with TLS.
  const transport = nodemailer.createTransport(smtp.url.replace('smtp://', 'smtp://mailer:s3cret@'))
  t.teardown(() => { transport.close() })

  const forGrace = smtp.nextMessage('Grace@Example.com')
  await transport.sendMail({ from: 'no-reply@shop.example', to: 'ada@example.com', subject: 'first for Ada', text: '1' })
  await transport.sendMail({ from: 'no-reply@shop.example', to: 'grace@example.com', subject: 'for Grace', text: '2' })
  await transport.sendMail({ from: 'no-reply@shop.example', to: 'ada@example.com', subject: 'second for Ada', text: '3' })

  t.equal((await forGrace).subject, 'for Grace', 'a waiting call gets the message when it arrives')
  t.equal((await smtp.nextMessage('ada@example.com')).subject, 'first for Ada')
  t.equal((await smtp.nextMessage('ada@example.com')).subject, 'second for Ada', 'a message is handed out once')
  t.equal(smtp.messages.length, 3)

  await t.rejects(smtp.nextMessage('ada@example.com', 50), { message: /no message to ada@example.com within 50 ms/ })
  await t.rejects(smtp.nextMessage('nobody@example.com', 50), { message: /received for: ada@example.com, grace@example.com, ada@example.com/ })
})

t.test('a blind-copied recipient gets the message through the envelope', async (t) => {
  const smtp = await startSmtpCatcher(t)
  const transport = nodemailer.createTransport(smtp.url)
  t.teardown(() => { transport.close() })
  await transport.sendMail({ from: 'no-reply@shop.example', to: 'customer@example.com', bcc: 'audit@shop.example', subject: 'Order placed', text: 'Thanks!' })
  t.equal((await smtp.nextMessage('audit@shop.example')).subject, 'Order placed')
  t.equal((await smtp.nextMessage('customer@example.com')).subject, 'Order placed')
  t.equal(smtp.messages.length, 1, 'one message, two recipients')
})
