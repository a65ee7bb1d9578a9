import type { EntityManager, EntityName, FilterQuery } from '@mikro-orm/postgresql'
import { ProblemError } from './problem.js'
import { isUuid, type Page, type PageQuery } from '../openapi/shared.schemas.js'

/** What every list's cursor carries: the sort values of the last row of a page, opaque to clients. */
export function encodeCursor (position: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url')
}

export function invalidCursor (): ProblemError {
  return new ProblemError(400, 'INVALID_CURSOR', 'The cursor is not one this API issued; start again without it.')
}

/**
 * The position a cursor carries, checked by `accept` (which returns it typed, or undefined when a field is
 * missing or of the wrong kind): a cursor that is not one this API issued is a 400, never a query error.
 */
export function decodeCursor<T> (cursor: string, accept: (position: Record<string, unknown>) => T | undefined): T {
  let position: unknown
  try {
    position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw invalidCursor()
  }
  const accepted = position !== null && typeof position === 'object' && !Array.isArray(position) ? accept(position as Record<string, unknown>) : undefined
  if (accepted === undefined) throw invalidCursor()
  return accepted
}

const afterId = (position: Record<string, unknown>): string | undefined =>
  typeof position.after === 'string' && isUuid(position.after) ? position.after : undefined

/**
 * One page of the rows matching `where`, oldest first, as the envelope `{ items, nextCursor }`. Keyset
 * pagination over UUIDv7 ids, which sort by creation time: a page is the rows after the cursor's id, so
 * pages stay stable while rows are inserted.
 */
export async function findPage<Row extends { id: string }, Item> (
  em: EntityManager,
  entity: EntityName<Row>,
  where: FilterQuery<Row>,
  query: PageQuery,
  toItem: (row: Row) => Item
): Promise<Page<Item>> {
  const limit = query.limit ?? 20
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, afterId)
  const filter = (after === undefined ? where : { $and: [where, { id: { $gt: after } }] }) as FilterQuery<Row>
  // One row more than the page tells whether another page follows.
  const rows = await em.find(entity, filter, { orderBy: { id: 'asc' } as never, limit: limit + 1 }) as Row[]
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return { items: items.map(toItem), nextCursor: rows.length > limit && last !== undefined ? encodeCursor({ after: last.id }) : null }
}
