import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { build, type Env } from './build.js'
import { startSmtpCatcher, type SmtpCatcher } from './smtp.js'

export interface Tokens {
  accessToken: string
  refreshToken: string
  expiresIn: number
  tokenType: 'Bearer'
}

export interface IdentityHarness {
  app: FastifyInstance
  smtp: SmtpCatcher
}

/** The app on a fresh database, sending its email to a real SMTP server on loopback. */
export async function buildWithMail (t: Test, env: Env = {}): Promise<IdentityHarness> {
  const smtp = await startSmtpCatcher(t)
  const app = await build(t, { SMTP_URL: smtp.url, ...env })
  return { app, smtp }
}

/** The 6-digit code in the next email to `to`. */
export async function nextCode ({ smtp }: IdentityHarness, to: string): Promise<string> {
  const mail = await smtp.nextMessage(to)
  const code = /\b(\d{6})\b/.exec(mail.text ?? '')?.[1]
  if (code === undefined) throw new Error(`no code in the email to ${to}: ${mail.text ?? ''}`)
  return code
}

export function bearer (tokens: { accessToken: string }): Record<string, string> {
  return { authorization: `Bearer ${tokens.accessToken}` }
}

export async function post (app: FastifyInstance, url: string, payload?: object, headers: Record<string, string> = {}) {
  return await app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload }) })
}

let counter = 0
/** An email address no other test in this process uses. */
export function uniqueEmail (prefix = 'customer'): string {
  counter += 1
  return `${prefix}-${process.pid}-${counter}@example.com`
}

export const PASSWORD = 'violet tangerine 42'

/** Signs up and verifies a customer through the public API, reading the code from the email. */
export async function signUpVerified (harness: IdentityHarness, email = uniqueEmail(), password = PASSWORD): Promise<Tokens & { email: string }> {
  const signUp = await post(harness.app, '/api/v1/auth/signup', { email, password, name: 'Test Customer' })
  if (signUp.statusCode !== 202) throw new Error(`sign-up failed: ${signUp.body}`)
  const code = await nextCode(harness, email)
  const verify = await post(harness.app, '/api/v1/auth/verify-email', { email, code })
  if (verify.statusCode !== 200) throw new Error(`verification failed: ${verify.body}`)
  return { ...verify.json<Tokens>(), email }
}

/** Creates the first admin and signs them in with both steps. */
export async function bootstrapAdmin (harness: IdentityHarness, email = uniqueEmail('admin'), password = PASSWORD): Promise<Tokens & { email: string, id: string }> {
  const created = await post(harness.app, '/api/v1/admin/staff', { email, name: 'First Admin', role: 'ADMIN', password })
  if (created.statusCode !== 201) throw new Error(`bootstrap failed: ${created.body}`)
  return { ...await staffSignIn(harness, email, password), email, id: created.json<{ id: string }>().id }
}

/** Both steps of a staff sign-in. */
export async function staffSignIn (harness: IdentityHarness, email: string, password: string): Promise<Tokens> {
  const step1 = await post(harness.app, '/api/v1/admin/auth/signin', { email, password })
  if (step1.statusCode !== 202) throw new Error(`staff sign-in failed: ${step1.body}`)
  const code = await nextCode(harness, email)
  const step2 = await post(harness.app, '/api/v1/admin/auth/verify', { challengeId: step1.json<{ challengeId: string }>().challengeId, code })
  if (step2.statusCode !== 200) throw new Error(`staff verification failed: ${step2.body}`)
  return step2.json<Tokens>()
}
