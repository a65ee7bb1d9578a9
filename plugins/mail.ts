import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import fp from 'fastify-plugin'
import nodemailer from 'nodemailer'

export interface MailMessage {
  to: string
  subject: string
  text: string
  html: string
}

export interface Mailer {
  /**
   * Sends one message. Delivery problems are logged, not thrown: the use case that asked for the
   * message has already committed, and every emailed code can be requested again.
   */
  send: (message: MailMessage) => Promise<void>
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

  app.decorate('mailer', {
    send: async (message: MailMessage) => {
      try {
        await deliver(message)
      } catch (error) {
        app.log.error({ err: error, to: message.to, subject: message.subject }, 'email could not be sent')
      }
    }
  })
}, { name: 'mail', dependencies: ['config'] })
