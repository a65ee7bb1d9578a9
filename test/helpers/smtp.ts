import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'
import { SMTPServer } from 'smtp-server'
import { simpleParser, type ParsedMail } from 'mailparser'

export interface SmtpCatcher {
  /** `smtp://127.0.0.1:PORT`, ready for SMTP_URL (credentials in the URL are accepted, whatever they are). */
  url: string
  /** Every message received so far, parsed, in arrival order. */
  messages: ParsedMail[]
  /** The envelope recipients (RCPT TO) of each message, in the same order. */
  recipients: string[][]
  /**
   * The next message whose envelope is addressed to `to` (case-insensitive) and that was not yet returned
   * for `to`, waiting for it when it has not arrived; rejects after `timeoutMs`.
   */
  nextMessage: (to: string, timeoutMs?: number) => Promise<ParsedMail>
  /** Stops listening, as a mail server going down would (a new catcher can then take the same port). */
  stop: () => Promise<void>
}

interface Received {
  mail: ParsedMail
  recipients: string[]
  /** Recipients whose nextMessage already returned it: a message to two people is handed out once to each. */
  takenBy: Set<string>
}

interface Waiter {
  to: string
  resolve: (mail: ParsedMail) => void
}

/**
 * A real SMTP server on loopback (no TLS, authentication optional) that keeps what it receives; closed on
 * teardown. On `port` when given (a server that comes up where an app already expects one).
 */
export async function startSmtpCatcher (t: Test, port = 0): Promise<SmtpCatcher> {
  const received: Received[] = []
  const messages: ParsedMail[] = []
  const recipients: string[][] = []
  const waiters: Waiter[] = []

  const deliver = (entry: Received): void => {
    for (const recipient of entry.recipients) {
      const index = waiters.findIndex((waiter) => waiter.to === recipient)
      if (index === -1) continue
      const [waiter] = waiters.splice(index, 1)
      entry.takenBy.add(recipient)
      waiter?.resolve(entry.mail)
    }
  }

  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 1000,
    onAuth (auth, session, callback) {
      callback(null, { user: auth.username ?? 'anonymous' })
    },
    onData (stream, session, callback) {
      simpleParser(stream).then((mail) => {
        const entry = { mail, recipients: session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase()), takenBy: new Set<string>() }
        received.push(entry)
        messages.push(mail)
        recipients.push(entry.recipients)
        deliver(entry)
        callback()
      }, (error: Error) => { callback(error) })
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject)
    server.listen(port, '127.0.0.1', () => { resolve() })
  })
  let stopped: Promise<void> | undefined
  const stop = async (): Promise<void> => {
    stopped ??= new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    await stopped
  }
  t.teardown(stop)
  const address = server.server.address() as AddressInfo

  const nextMessage = async (to: string, timeoutMs = 5000): Promise<ParsedMail> => {
    const address = to.toLowerCase()
    const waiting = received.find((entry) => entry.recipients.includes(address) && !entry.takenBy.has(address))
    if (waiting !== undefined) {
      waiting.takenBy.add(address)
      return waiting.mail
    }
    return await new Promise<ParsedMail>((resolve, reject) => {
      const waiter: Waiter = {
        to: address,
        resolve: (mail) => {
          clearTimeout(timer)
          resolve(mail)
        }
      }
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1)
        const seen = received.flatMap((entry) => entry.recipients)
        reject(new Error(`no message to ${to} within ${timeoutMs} ms (received for: ${seen.join(', ') || 'nobody'})`))
      }, timeoutMs)
      waiters.push(waiter)
    })
  }

  return { url: `smtp://127.0.0.1:${address.port}`, messages, recipients, nextMessage, stop }
}
