import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import type { components } from '../../openapi/schema.js'
import { build, type Env } from './build.js'
import { injectClient, type ApiClient } from './client.js'
import { startSmtpCatcher, type SmtpCatcher } from './smtp.js'

export type Tokens = components['schemas']['TokenPair']

export interface IdentityHarness {
  app: FastifyInstance
  /** The typed client generated from the spec, over `app.inject`. */
  api: ApiClient
  smtp: SmtpCatcher
}

/** The app on a fresh database, sending its email to a real SMTP server on loopback. */
export async function buildWithMail (t: Test, env: Env = {}): Promise<IdentityHarness> {
  const smtp = await startSmtpCatcher(t)
  const app = await build(t, { SMTP_URL: smtp.url, ...env })
  return { app, api: injectClient(app), smtp }
}

/** The 6-digit code in the next email to `to`. */
export async function nextCode ({ smtp }: { smtp: SmtpCatcher }, to: string): Promise<string> {
  const mail = await smtp.nextMessage(to)
  const code = /\b(\d{6})\b/.exec(mail.text ?? '')?.[1]
  if (code === undefined) throw new Error(`no code in the email to ${to}: ${mail.text ?? ''}`)
  return code
}

/** The 6-digit code in a mail's subject, for tests that also check the subject's wording. */
export function codeInSubject (mail: { subject?: string | undefined }): string {
  const code = /\b(\d{6})\b/.exec(mail.subject ?? '')?.[1]
  if (code === undefined) throw new Error(`no code in the subject: ${mail.subject ?? '(none)'}`)
  return code
}

/** A code of the right shape that is not `code`. */
export function wrongCode (code: string): string {
  return code === '000000' ? '111111' : '000000'
}

/** The Authorization header of a signed-in account, for a request's `headers`. */
export function bearer (tokens: { accessToken: string }): { authorization: string } {
  return { authorization: `Bearer ${tokens.accessToken}` }
}

let counter = 0
/** An email address no other test in this process uses. */
export function uniqueEmail (prefix = 'customer'): string {
  counter += 1
  return `${prefix}-${process.pid}-${counter}@example.com`
}

export const PASSWORD = 'violet tangerine 42'

/** Signs up and verifies a customer through the public API, reading the code from the email. */
export async function signUpVerified (harness: { api: ApiClient, smtp: SmtpCatcher }, email = uniqueEmail(), password = PASSWORD): Promise<Tokens & { email: string }> {
  const signUp = await harness.api.POST('/api/v1/auth/signup', { body: { email, password, name: 'Test Customer' } })
  if (signUp.response.status !== 202) throw new Error(`sign-up failed: ${JSON.stringify(signUp.error)}`)
  const code = await nextCode(harness, email)
  const verify = await harness.api.POST('/api/v1/auth/verify-email', { body: { email, code } })
  if (verify.data === undefined) throw new Error(`verification failed: ${JSON.stringify(verify.error)}`)
  return { ...verify.data, email }
}

/** Creates the first admin and signs them in with both steps. */
export async function bootstrapAdmin (harness: { api: ApiClient, smtp: SmtpCatcher }, email = uniqueEmail('admin'), password = PASSWORD): Promise<Tokens & { email: string, id: string }> {
  const created = await harness.api.POST('/api/v1/admin/staff', { body: { email, name: 'First Admin', role: 'ADMIN', password } })
  if (created.data === undefined) throw new Error(`bootstrap failed: ${JSON.stringify(created.error)}`)
  return { ...await staffSignIn(harness, email, password), email, id: created.data.id }
}

/** Both steps of a staff sign-in. */
export async function staffSignIn (harness: { api: ApiClient, smtp: SmtpCatcher }, email: string, password: string): Promise<Tokens> {
  const step1 = await harness.api.POST('/api/v1/admin/auth/signin', { body: { email, password } })
  if (step1.data === undefined) throw new Error(`staff sign-in failed: ${JSON.stringify(step1.error)}`)
  const code = await nextCode(harness, email)
  const step2 = await harness.api.POST('/api/v1/admin/auth/verify', { body: { challengeId: step1.data.challengeId, code } })
  if (step2.data === undefined) throw new Error(`staff verification failed: ${JSON.stringify(step2.error)}`)
  return step2.data
}
