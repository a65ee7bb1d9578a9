import { defineEntity, p } from '@mikro-orm/core'
import { AUDIENCES } from '../../plugins/auth.js'
import { SessionSchema } from './session.entity.js'
import { ROLES, UserSchema } from './user.entity.js'

/**
 * A single-use ticket for an event stream (browsers' EventSource cannot send an Authorization header),
 * standing for the access token it was exchanged for: same account, session, role and audience, and never
 * outliving that token. Kept hashed; redeeming deletes it.
 */
export const EventTicketSchema = defineEntity({
  name: 'EventTicket',
  tableName: 'event_tickets',
  properties: {
    ticketHash: p.string().length(64).primary(),
    user: () => p.manyToOne(UserSchema).deleteRule('cascade'),
    session: () => p.manyToOne(SessionSchema).index().deleteRule('cascade'),
    role: p.enum(ROLES),
    audience: p.enum(AUDIENCES),
    /** When the access token it was exchanged for expires: a stream opened with the ticket ends then. */
    accessExpiresAt: p.datetime(),
    expiresAt: p.datetime().index()
  }
})

export class EventTicket extends EventTicketSchema.class {}

EventTicketSchema.setClass(EventTicket)
