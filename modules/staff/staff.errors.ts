import { ProblemError } from '../../plugins/problem.js'

export const bootstrapClosed = (): ProblemError =>
  new ProblemError(403, 'BOOTSTRAP_CLOSED', 'The shop already has an admin; sign in as an admin to create staff.')

export const bootstrapTokenInvalid = (): ProblemError =>
  new ProblemError(403, 'BOOTSTRAP_TOKEN_INVALID', 'Creating the first admin requires the X-Admin-Bootstrap-Token header with the configured token.')

export const cannotChangeOwnAccess = (): ProblemError =>
  new ProblemError(409, 'CANNOT_CHANGE_OWN_ACCESS', 'Admins cannot disable or demote themselves; ask another admin.')

export const lastAdmin = (): ProblemError =>
  new ProblemError(409, 'LAST_ADMIN', 'The shop must keep at least one active admin; promote or enable another admin first.')
