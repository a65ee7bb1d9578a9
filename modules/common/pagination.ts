import type { EntityManager, EntityName, FilterQuery } from '@mikro-orm/postgresql'
import { ProblemError } from '../../plugins/problem.js'
import { isUuid, type PageQuery } from './common.schemas.js'

/**
 * Keyset pagination over UUIDv7 ids, which sort by creation time: a page is the rows after the cursor's
 * id, so pages stay stable while rows are inserted. The cursor is opaque to clients.
 */
function encodeCursor (id: string): string {
  return Buffer.from(JSON.stringify({ after: id })).toString('base64url')
}

function decodeCursor (cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined
  try {
    const { after } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown }
    if (typeof after === 'string' && isUuid(after)) return after
  } catch {}
  throw new ProblemError(400, 'INVALID_CURSOR', 'The cursor is not one this API issued; start again without it.')
}

/** One page of the rows matching `where`, oldest first, as the envelope `{ items, nextCursor }`. */
export async function findPage<Row extends { id: string }, Item> (
  em: EntityManager,
  entity: EntityName<Row>,
  where: FilterQuery<Row>,
  query: PageQuery,
  toItem: (row: Row) => Item
): Promise<{ items: Item[], nextCursor: string | null }> {
  const limit = query.limit ?? 20
  const after = decodeCursor(query.cursor)
  const filter = (after === undefined ? where : { $and: [where, { id: { $gt: after } }] }) as FilterQuery<Row>
  // One row more than the page tells whether another page follows.
  const rows = await em.find(entity, filter, { orderBy: { id: 'asc' } as never, limit: limit + 1 }) as Row[]
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return { items: items.map(toItem), nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last.id) : null }
}
