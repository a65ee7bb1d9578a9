import { ProblemError } from '../../plugins/problem.js'
import { isUuid } from './common.schemas.js'

/**
 * Keyset pagination over UUIDv7 ids, which sort by creation time: a page is the rows after the cursor's
 * id, so pages stay stable while rows are inserted. The cursor is opaque to clients.
 */
export function encodeCursor (id: string): string {
  return Buffer.from(JSON.stringify({ after: id })).toString('base64url')
}

export function decodeCursor (cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined
  try {
    const { after } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown }
    if (typeof after === 'string' && isUuid(after)) return after
  } catch {}
  throw new ProblemError(400, 'INVALID_CURSOR', 'The cursor is not one this API issued; start again without it.')
}

/** Given up to `limit + 1` rows in order, the page envelope `{ items, nextCursor }`. */
export function toPage<Row extends { id: string }, Item> (rows: Row[], limit: number, toItem: (row: Row) => Item): { items: Item[], nextCursor: string | null } {
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return { items: items.map(toItem), nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last.id) : null }
}
