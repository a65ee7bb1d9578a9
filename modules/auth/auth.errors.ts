import { ProblemError } from '../../plugins/problem.js'
import { unauthorized } from '../../plugins/auth.js'

export const invalidCredentials = (): ProblemError =>
  unauthorized('INVALID_CREDENTIALS', 'The email or password is incorrect.')

export const accountDisabled = (): ProblemError =>
  unauthorized('ACCOUNT_DISABLED', 'This account is disabled.')

export const emailNotVerified = (): ProblemError =>
  new ProblemError(403, 'EMAIL_NOT_VERIFIED', 'Verify the email address first: a code has been sent to it.')

export const emailTaken = (): ProblemError =>
  new ProblemError(409, 'EMAIL_TAKEN', 'An account with this email address already exists.')

export const invalidCode = (): ProblemError =>
  new ProblemError(400, 'INVALID_CODE', 'The code is wrong or no longer valid.')

export const codeExpired = (): ProblemError =>
  new ProblemError(400, 'CODE_EXPIRED', 'The code has expired; request a new one.')

export const codeAttemptsExceeded = (): ProblemError =>
  new ProblemError(400, 'CODE_ATTEMPTS_EXCEEDED', 'Too many wrong codes; request a new one.')

export const invalidRefreshToken = (): ProblemError =>
  unauthorized('INVALID_REFRESH_TOKEN', 'The refresh token is not valid; sign in again.')

export const refreshTokenReused = (): ProblemError =>
  unauthorized('REFRESH_TOKEN_REUSED', 'This refresh token was already used; the session has been revoked for safety. Sign in again.')

export const invalidCurrentPassword = (): ProblemError =>
  new ProblemError(400, 'INVALID_CURRENT_PASSWORD', 'The current password is incorrect.')
