import type { EntityManager } from '@mikro-orm/postgresql'
import { sql } from 'kysely'
import { deleteStoredFiles, type MediaSettings } from '../media/upload.service.js'

/** How many orphaned files one run of the sweep deletes at most; the next run takes the rest. */
const SWEEP_BATCH = 500

/**
 * Deletes the files and upload records of confirmed review images whose review is gone: deleting a product
 * deletes its reviews and their images in the database (a cascade), which cannot reach object storage.
 * Reviews deleted through the API delete their files at once. Returns how many files went.
 */
export async function sweepOrphanedReviewImages (em: EntityManager, media: Pick<MediaSettings, 'storage'>): Promise<number> {
  const { rows } = await sql<{ id: string, key: string }>`
    delete from uploads u
     where u.id in (select o.id from uploads o
                     where o.purpose = 'REVIEW_IMAGE' and o.confirmed_at is not null
                       and not exists (select 1 from reviews r where r.id = o.owner_id)
                     limit ${SWEEP_BATCH})
    returning u.id, u.key`.execute(em.getKysely())
  // In the job's transaction: when storage fails, the records come back and the next run tries again.
  await deleteStoredFiles(media, rows.map((row) => row.key))
  return rows.length
}
