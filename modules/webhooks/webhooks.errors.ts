import { ProblemError } from '../../plugins/problem.js'

export const webhookNotFound = (): ProblemError => new ProblemError(404, 'NOT_FOUND', 'No webhook endpoint has this id.')

export const deliveryNotFound = (): ProblemError => new ProblemError(404, 'NOT_FOUND', 'This webhook endpoint has no delivery with this id.')

export const webhookInactive = (): ProblemError =>
  new ProblemError(409, 'WEBHOOK_INACTIVE', 'This webhook endpoint is not active; set active to true before sending to it.')

/** A URL this server will not call; `reason` completes "must …". */
export const webhookUrlRefused = (reason: string): ProblemError =>
  new ProblemError(422, 'WEBHOOK_URL_REFUSED', `The webhook URL is refused: ${reason}.`, { extensions: { errors: [{ pointer: '/body/url', detail: reason }] } })
