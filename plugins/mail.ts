import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import fp from 'fastify-plugin'
import nodemailer from 'nodemailer'
import type { EntityManager } from '@mikro-orm/postgresql'

export interface MailMessage {
  to: string
  subject: string
  text: string
  html: string
}

export interface Mailer {
  /**
   * Sends one message through the outbox, in `em`'s transaction: it goes out once that commits, and is
   * retried until the mail server takes it, or until `notAfter` (a code's expiry) has passed.
   */
  send: (em: EntityManager, message: MailMessage, options?: { notAfter?: Date }) => Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    mailer: Mailer
  }
}

/**
 * Email through nodemailer: SMTP when SMTP_URL is set; otherwise each message is written to
 * DATA_DIR/mail/*.eml and logged, so a developer running locally can read the codes.
 */
export default fp(async (app) => {
  const { SMTP_URL, MAIL_FROM, DATA_DIR } = app.config
  const smtp = SMTP_URL === undefined ? undefined : nodemailer.createTransport(SMTP_URL)
  const files = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' })
  const mailDir = join(DATA_DIR, 'mail')
  app.addHook('onClose', async () => { smtp?.close() })

  async function deliver (message: MailMessage): Promise<void> {
    // The recipient is one stored address, given as an address object so that nodemailer never parses it
    // as a list: as a string, "a,b@c" would reach b@c.
    const mail = {
      from: MAIL_FROM,
      to: { name: '', address: message.to },
      subject: message.subject,
      text: message.text,
      html: message.html
    }
    if (smtp !== undefined) {
      await smtp.sendMail(mail)
      return
    }
    const { message: raw } = await files.sendMail(mail) as { message: Buffer }
    await mkdir(mailDir, { recursive: true })
    // Named without the address: any valid address, however long, makes a valid file name.
    const file = join(mailDir, `${new Date().toISOString().replaceAll(':', '-')}-${randomUUID()}.eml`)
    await writeFile(file, raw)
    app.log.info({ to: message.to, subject: message.subject, file, text: message.text }, 'email written to disk (SMTP_URL is not set)')
  }

  // Its data holds codes and temporary passwords: a delivered message is not kept.
  app.outbox.handle<MailMessage>('email', deliver, { keepDeliveredSeconds: 60 })
  app.decorate('mailer', {
    send: async (em: EntityManager, message: MailMessage, options: { notAfter?: Date } = {}) => {
      await app.outbox.send(em, 'email', message, options)
    }
  })
}, { name: 'mail', dependencies: ['config', 'outbox'] })
