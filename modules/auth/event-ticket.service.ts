import { randomBytes } from 'node:crypto'
import type { EntityManager } from '@mikro-orm/postgresql'
import type { Account, TicketRedemption } from '../../plugins/auth.js'
import { EventTicket } from './event-ticket.entity.js'
import { sha256 } from './session.service.js'
import type { EventTicketResponse } from './event-ticket.schemas.js'

const TICKET_SHAPE = /^[A-Za-z0-9_-]{43}$/

/** Exchanges the caller's access token for a ticket valid once, for `ttlSeconds` (never past the token's own expiry). */
export async function issueEventTicket (em: EntityManager, account: Account, accessExpiresAt: Date, ttlSeconds: number): Promise<EventTicketResponse> {
  const ticket = randomBytes(32).toString('base64url')
  const expiresAt = new Date(Math.min(Date.now() + ttlSeconds * 1000, accessExpiresAt.getTime()))
  em.create(EventTicket, {
    ticketHash: sha256(ticket),
    user: account.id,
    session: account.sessionId,
    role: account.role,
    audience: account.audience,
    accessExpiresAt,
    expiresAt
  })
  await em.flush()
  return { ticket, expiresAt: expiresAt.toISOString() }
}

interface TicketRow {
  user_id: string
  session_id: string
  role: EventTicket['role']
  audience: EventTicket['audience']
  access_expires_at: Date
  expires_at: Date
}

/**
 * For the auth plugin: the claims a ticket stands for, once. Deleting it is the redemption, so of two
 * requests racing with one ticket (on any instances) only one gets it.
 */
export const redeemEventTicket: TicketRedemption = async (em, ticket) => {
  if (!TICKET_SHAPE.test(ticket)) return null
  const [row] = await em.execute<TicketRow[]>(
    'delete from event_tickets where ticket_hash = ? returning user_id, session_id, role, audience, access_expires_at, expires_at',
    [sha256(ticket)])
  if (row === undefined || new Date(row.expires_at).getTime() <= Date.now()) return null
  return {
    claims: { sub: row.user_id, sid: row.session_id, role: row.role, aud: row.audience },
    accessExpiresAt: new Date(row.access_expires_at)
  }
}

/** Deletes tickets that expired unused. */
export async function purgeExpiredEventTickets (em: EntityManager, now = new Date()): Promise<number> {
  return await em.nativeDelete(EventTicket, { expiresAt: { $lt: now } })
}
