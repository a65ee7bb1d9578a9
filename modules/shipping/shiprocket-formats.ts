import type { TrackingStatus } from './carrier.js'

/** How Shiprocket writes what it sends: its status ids, rupee amounts, IST times and Indian phone numbers. */

const IST_OFFSET_MS = (5 * 60 + 30) * 60 * 1000

/**
 * Shiprocket's shipment status ids (the tracking table: `sr-status`, `shipment_status_id`), by what they mean
 * to the shop. The order table (`current_status_id` in callbacks) numbers differently: 20 is IN TRANSIT there
 * and PICKUP EXCEPTION here, so it is never read against this table.
 */
const STATUS_IDS: Record<TrackingStatus, readonly number[]> = {
  // 1 AWB assigned, 2 label generated, 3 pickup scheduled, 4 pickup queued, 5 manifest generated, 11 pending,
  // 15 pickup rescheduled, 19 out for pickup, 27 pickup booked, 52 shipment booked
  LABEL_CREATED: [1, 2, 3, 4, 5, 11, 15, 19, 27, 52],
  // 6 shipped, 18 in transit, 38 reached destination hub, 42 picked up, 48 reached warehouse, 49 custom cleared,
  // 50 in flight, 51 handover to courier, 54 in transit overseas, 55 connection aligned, 56 reached overseas
  // warehouse, 57 custom cleared overseas
  IN_TRANSIT: [6, 18, 38, 42, 48, 49, 50, 51, 54, 55, 56, 57],
  OUT_FOR_DELIVERY: [17],
  // 7 delivered, 26 fulfilled, 43 self fulfilled
  DELIVERED: [7, 26, 43],
  // 8 cancelled, 9 RTO initiated, 10 RTO delivered, 12 lost, 13 pickup error, 14 RTO acknowledged, 16 cancellation
  // requested, 20 pickup exception, 21 undelivered, 22 delayed, 23 partial delivered, 24 destroyed, 25 damaged,
  // 39 misrouted, 40 RTO NDR, 41 RTO OFD, 44 disposed off, 45 cancelled before dispatch, 46 RTO in transit,
  // 47 QC failed, 75 RTO lock, 76 untraceable, 77 issue related to the recipient, 78 reached back at seller city
  EXCEPTION: [8, 9, 10, 12, 13, 14, 16, 20, 21, 22, 23, 24, 25, 39, 40, 41, 44, 45, 46, 47, 75, 76, 77, 78]
}

const STATUS_BY_ID = new Map<number, TrackingStatus>(
  Object.entries(STATUS_IDS).flatMap(([status, ids]) => ids.map((id) => [id, status as TrackingStatus] as const))
)

/** For ids the table does not know, the status text decides; first match wins, so RTO DELIVERED is an exception. */
const STATUS_TEXTS: ReadonlyArray<readonly [RegExp, TrackingStatus]> = [
  [/\bRTO\b|UNDELIVERED|PARTIAL|CANCEL|LOST|DAMAGED|DESTROYED|DELAYED|EXCEPTION|ERROR|MISROUTED|UNTRACEABLE|FAILED/, 'EXCEPTION'],
  [/OUT FOR DELIVERY/, 'OUT_FOR_DELIVERY'],
  [/^(SHIPMENT )?DELIVERED$/, 'DELIVERED'],
  [/OUT FOR PICKUP|PICKUP (SCHEDULED|BOOKED|QUEUED|GENERATED|RESCHEDULED)|AWB ASSIGNED|LABEL GENERATED|MANIFEST|SHIPMENT BOOKED|^NEW$/, 'LABEL_CREATED']
]

/** Null when there is neither an id nor a text to go by. */
export function shiprocketStatus (id: unknown, ...texts: unknown[]): TrackingStatus | null {
  const numeric = typeof id === 'number' ? id : typeof id === 'string' && /^\d+$/.test(id.trim()) ? Number(id) : null
  const known = numeric === null ? undefined : STATUS_BY_ID.get(numeric)
  if (known !== undefined) return known
  const text = texts.map(textOf).find((candidate) => candidate !== null && candidate.toUpperCase() !== 'NA')
  if (text === undefined || text === null) return numeric === null ? null : 'IN_TRANSIT'
  const normalized = text.toUpperCase().replace(/[_-]+/g, ' ').replace(/\s+/g, ' ')
  return STATUS_TEXTS.find(([pattern]) => pattern.test(normalized))?.[1] ?? 'IN_TRANSIT'
}

export type Json = Record<string, unknown>

export function isRecord (value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function textOf (value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  if (typeof value !== 'string' || value.trim() === '') return null
  return value.trim()
}

export function messageOf (body: unknown): string | null {
  if (!isRecord(body)) return null
  return textOf(body.message) ?? textOf(body.error)
}

/** Rupees to paise from the decimal text itself: 54.5 → 5450, '103.25' → 10325, no float on the way. */
export function paiseOf (rupees: unknown): number | null {
  const text = typeof rupees === 'number' && Number.isFinite(rupees) ? String(rupees) : typeof rupees === 'string' ? rupees.trim() : ''
  const match = /^(\d{1,12})(?:\.(\d*))?$/.exec(text)
  if (match === null) return null
  const fraction = match[2] ?? ''
  const paise = Number(match[1]) * 100 + Number(fraction.padEnd(2, '0').slice(0, 2))
  // A third decimal (GST worked out to the tenth of a paisa) rounds half up.
  return Number(fraction[2] ?? '0') >= 5 ? paise + 1 : paise
}

/** Minor units to the rupee amounts Shiprocket reads: the division by 100 prints exactly (12345 → 123.45). */
export function rupeesOf (paise: number): number {
  return paise / 100
}

/** Shiprocket writes IST wall-clock time without an offset, as `YYYY-MM-DD HH:mm[:ss]` or `DD MM YYYY HH:mm:ss`. */
export function fromIst (value: unknown): Date | null {
  if (typeof value !== 'string') return null
  const text = value.trim()
  const ymd = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text)
  const dmy = /^(\d{2}) (\d{2}) (\d{4}) (\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text)
  const parts = ymd !== null ? ymd.slice(1) : dmy !== null ? [dmy[3], dmy[2], dmy[1], ...dmy.slice(4)] : null
  if (parts === null) return null
  const [year, month, day, hour, minute, second] = parts.map((part) => Number(part ?? '0')) as [number, number, number, number, number, number]
  const wall = new Date(Date.UTC(year, month - 1, day, hour, minute, second))
  // Date.UTC rolls 31 02 over into March; a date that does not come back as written was not a date.
  if (wall.getUTCMonth() !== month - 1 || wall.getUTCDate() !== day || wall.getUTCHours() !== hour || wall.getUTCMinutes() !== minute) return null
  return new Date(wall.getTime() - IST_OFFSET_MS)
}

/** `YYYY-MM-DD HH:mm` in IST, the order date Shiprocket prints. */
export function istMinute (date: Date): string {
  return new Date(date.getTime() + IST_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ')
}

/** Shiprocket wants the ten-digit Indian number: the country code and trunk zero come off. */
export function indianPhone (phone: string | null): string {
  const digits = (phone ?? '').replace(/\D/g, '')
  if (digits.length === 12 && digits.startsWith('91')) return digits.slice(2)
  if (digits.length === 11 && digits.startsWith('0')) return digits.slice(1)
  return digits
}
