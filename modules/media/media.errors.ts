import { ProblemError, invalidField } from '../../plugins/problem.js'

export const uploadTooLarge = (limit: number): ProblemError =>
  invalidField('/body/bytes', `must be at most ${limit} (UPLOAD_MAX_BYTES)`)

export const uploadNotFound = (): ProblemError =>
  new ProblemError(404, 'NOT_FOUND', 'There is no pending upload with this id for this resource.')

export const uploadNotReceived = (): ProblemError =>
  new ProblemError(409, 'UPLOAD_NOT_RECEIVED', 'The file has not arrived in storage yet: PUT its bytes to the upload URL first, then confirm.')

export const uploadInvalid = (detail: string): ProblemError =>
  new ProblemError(400, 'UPLOAD_INVALID', `The uploaded file was refused and deleted: ${detail}. Start a new upload.`)
