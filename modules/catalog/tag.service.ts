import type { EntityManager } from '@mikro-orm/postgresql'
import { sql } from 'kysely'
import { uuidv7 } from 'uuidv7'
import { Tag } from './tag.entity.js'

export function normalizeTag (name: string): string {
  return name.trim().toLowerCase()
}

/**
 * The ids of these tags, in the order given, creating the ones that do not exist yet. Tags compare
 * case-insensitively; a new tag keeps the spelling it was first written with.
 */
export async function resolveTags (em: EntityManager, names: string[]): Promise<string[]> {
  const wanted = new Map<string, string>()
  for (const name of names) if (!wanted.has(normalizeTag(name))) wanted.set(normalizeTag(name), name.trim())
  if (wanted.size === 0) return []
  const entries = [...wanted.entries()]
  await sql`
    insert into tags (id, created_at, name, normalized)
    select unnest(${entries.map(() => uuidv7())}::uuid[]), now(), unnest(${entries.map(([, name]) => name)}::text[]), unnest(${entries.map(([normalized]) => normalized)}::text[])
    on conflict (normalized) do nothing`.execute(em.getKysely())
  const rows = await em.find(Tag, { normalized: { $in: [...wanted.keys()] } })
  const idOf = new Map(rows.map((tag) => [tag.normalized, tag.id]))
  return [...wanted.keys()].map((normalized) => idOf.get(normalized) as string)
}

/** Tag names in the order of the ids. */
export async function tagNames (em: EntityManager, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return []
  const tags = await em.find(Tag, { id: { $in: ids } })
  const nameOf = new Map(tags.map((tag) => [tag.id, tag.name]))
  return ids.map((id) => nameOf.get(id)).filter((name): name is string => name !== undefined)
}
