import type { MailMessage } from '../../plugins/mail.js'
import { composeEmail } from '../../plugins/mail-layout.js'
import { CODE_TTL_SECONDS } from './one-time-codes.js'

const minutes = CODE_TTL_SECONDS / 60

function message (to: string, subject: string, paragraphs: string[], highlight?: string): MailMessage {
  return composeEmail({ to, subject, blocks: [...paragraphs.map((paragraph) => ({ paragraph })), ...(highlight === undefined ? [] : [{ highlight }])] })
}

export function verificationCodeEmail (to: string, name: string, code: string): MailMessage {
  return message(to, `Your verification code: ${code}`, [`Hello ${name},`, `Use this code to verify your email address. It expires in ${minutes} minutes.`], code)
}

export function signUpAttemptEmail (to: string, name: string): MailMessage {
  return message(to, 'Someone tried to sign up with your email address', [
    `Hello ${name},`,
    'Someone just tried to create a new account with this email address, which already has one. No new account was created and nothing about yours changed.',
    'If it was you: sign in with your password, or reset the password if you no longer know it. If it was not you, you can ignore this email.'
  ])
}

export function passwordResetEmail (to: string, name: string, code: string): MailMessage {
  return message(to, `Your password reset code: ${code}`, [`Hello ${name},`, `Use this code to reset your password. It expires in ${minutes} minutes. If you did not ask for it, ignore this email.`], code)
}

export function staffSignInCodeEmail (to: string, name: string, code: string): MailMessage {
  return message(to, `Your sign-in code: ${code}`, [`Hello ${name},`, `Use this code to finish signing in to the shop's back office. It expires in ${minutes} minutes.`], code)
}

export function emailChangeCodeEmail (to: string, name: string, code: string): MailMessage {
  return message(to, `Confirm your new email address: ${code}`, [`Hello ${name},`, `Use this code to confirm this as your new email address. It expires in ${minutes} minutes.`], code)
}

export function staffCredentialsEmail (to: string, name: string, role: string, temporaryPassword: string): MailMessage {
  return message(to, 'Your staff account', [
    `Hello ${name},`,
    `An administrator created a ${role} account for you. Sign in with this email address and the temporary password below; you will be asked to choose your own password at first sign-in.`
  ], temporaryPassword)
}
