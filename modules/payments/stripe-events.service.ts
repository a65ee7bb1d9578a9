import type { EntityManager } from '@mikro-orm/postgresql'
import { sql } from 'kysely'
import { uuidv7 } from 'uuidv7'
import { lockOrder } from '../orders/order.service.js'
import { Payment, Refund } from '../orders/payment.entity.js'
import type { PaymentEventOutcome } from './payment-event.entity.js'
import { applyIntent, cancelOtherIntents } from './card-payment.service.js'
import type { PaymentSettings } from './payments.settings.js'
import { settleRefund, submitRefund } from './refund.service.js'
import type { GatewayEvent } from './stripe-gateway.js'

const idOf = (value: string | undefined): string | null => value !== undefined && /^[0-9a-f-]{36}$/i.test(value) ? value : null

/** The payment or refund an event is about: by Stripe's id, or by ours in its metadata (an event can overtake our recording of Stripe's id). */
async function subjectOf (tx: EntityManager, event: GatewayEvent): Promise<{ payment: Payment | null, refund: Refund | null }> {
  if (event.kind === 'intent') {
    const byMetadata = idOf(event.intent.metadata.payment_id)
    const payment = await tx.findOne(Payment, { $or: [{ externalId: event.intent.id }, ...(byMetadata === null ? [] : [{ id: byMetadata, provider: 'STRIPE' as const }])] })
    return { payment: payment?.externalId == null || payment.externalId === event.intent.id ? payment : null, refund: null }
  }
  if (event.kind === 'refund') {
    const byMetadata = idOf(event.refund.metadata.refund_id)
    const refund = await tx.findOne(Refund, { $or: [{ externalId: event.refund.id }, ...(byMetadata === null ? [] : [{ id: byMetadata }])] }, { populate: ['payment'] })
    return { payment: refund?.payment ?? null, refund }
  }
  return { payment: null, refund: null }
}

/** Records the event once per Stripe event id; false when it was already recorded (a redelivery, or a concurrent delivery that committed first). */
async function recordEvent (tx: EntityManager, event: GatewayEvent, subject: { payment: Payment | null, refund: Refund | null }, outcome: PaymentEventOutcome): Promise<string | null> {
  const { rows: [row] } = await sql<{ id: string }>`
    insert into payment_events (id, created_at, provider, event_id, type, occurred_at, payment_id, refund_id, outcome)
    values (${uuidv7()}, now(), 'STRIPE', ${event.id}, ${event.type}, ${event.createdAt}, ${subject.payment?.id ?? null}, ${subject.refund?.id ?? null}, ${outcome})
    on conflict (provider, event_id) do nothing
    returning id`.execute(tx.getKysely())
  return row?.id ?? null
}

/**
 * Stripe's event, applied exactly once: the event's row is inserted in the transaction of its effect,
 * under the order's lock, and a second delivery (or one arriving at the same time, which waits on the
 * insert) finds it and does nothing. Events about payments that are not ours are recorded as unmatched.
 */
export async function receiveStripeEvent (em: EntityManager, settings: PaymentSettings, event: GatewayEvent): Promise<{ duplicate: boolean }> {
  const { duplicate, refunds, paid } = await em.transactional(async (tx) => {
    const found = await subjectOf(tx, event)
    if (found.payment === null) return { duplicate: await recordEvent(tx, event, found, event.kind === 'other' ? 'IGNORED' : 'UNMATCHED') === null, refunds: [], paid: null }
    const order = await lockOrder(tx, found.payment.order.id)
    const subject = { payment: await tx.findOneOrFail(Payment, { id: found.payment.id }, { refresh: true }), refund: found.refund === null ? null : await tx.findOneOrFail(Refund, { id: found.refund.id }, { refresh: true }) }
    const eventRow = await recordEvent(tx, event, subject, 'IGNORED')
    if (eventRow === null) return { duplicate: true, refunds: [], paid: null }
    let outcome: PaymentEventOutcome = 'IGNORED'
    let detail: string | null = null
    let reserved: Refund[] = []
    if (event.kind === 'intent') {
      ({ outcome, detail, refunds: reserved } = await applyIntent(tx, settings, order, subject.payment, event.intent))
    } else if (event.kind === 'refund' && subject.refund !== null) {
      const changed = await settleRefund(tx, settings, order, subject.refund, event.refund)
      outcome = changed ? 'APPLIED' : 'IGNORED'
      if (!changed) detail = `the refund was already ${subject.refund.status}; Stripe now reports ${event.refund.status}`
    }
    await tx.flush()
    await sql`update payment_events set outcome = ${outcome}, detail = ${detail?.slice(0, 500) ?? null} where id = ${eventRow}`.execute(tx.getKysely())
    return { duplicate: false, refunds: reserved, paid: subject.payment.status === 'SUCCEEDED' && outcome === 'APPLIED' ? subject.payment : null }
  })
  for (const refund of refunds) await submitRefund(settings, refund.id)
  if (paid !== null) await cancelOtherIntents(settings, paid.order.id, paid.id)
  return { duplicate }
}
