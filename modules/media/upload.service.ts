import type { EntityManager } from '@mikro-orm/postgresql'
import type { ObjectStorage } from '../../plugins/storage/object-storage.js'
import { Upload, type UploadPurpose } from './upload.entity.js'
import { PROBE_BYTES, probeImage } from './image-probe.js'
import { uploadInvalid, uploadNotFound, uploadNotReceived, uploadTooLarge } from './media.errors.js'

/** What the upload mechanism needs: where files go, and its limits. */
export interface MediaSettings {
  storage: ObjectStorage
  maxBytes: number
  urlTtlSeconds: number
}

const EXTENSIONS: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/avif': 'avif' }

/** How long an upload may stay unconfirmed before its file and record are swept. */
export const UNCONFIRMED_UPLOAD_TTL_MS = 24 * 60 * 60 * 1000

export interface StartedUpload {
  uploadId: string
  url: string
  method: 'PUT'
  headers: Record<string, string>
  expiresAt: string
}

/** A confirmed image: stored, of the declared type and size, with its real dimensions. */
export interface StoredImage {
  key: string
  url: string
  contentType: string
  bytes: number
  width: number
  height: number
}

/**
 * Records a declared image upload for a resource (`purpose` and `ownerId`) and answers with a presigned
 * URL for exactly that many bytes of that type.
 */
export async function startImageUpload (em: EntityManager, media: MediaSettings, input: {
  purpose: UploadPurpose
  ownerId: string
  contentType: string
  bytes: number
  createdBy: string | null
}): Promise<StartedUpload> {
  if (input.bytes > media.maxBytes) throw uploadTooLarge(media.maxBytes)
  const extension = EXTENSIONS[input.contentType]
  if (extension === undefined) throw uploadInvalid(`${input.contentType} is not an accepted image type`)
  const upload = em.create(Upload, {
    purpose: input.purpose,
    ownerId: input.ownerId,
    key: '',
    contentType: input.contentType,
    bytes: input.bytes,
    createdBy: input.createdBy,
    expiresAt: new Date(Date.now() + media.urlTtlSeconds * 1000)
  })
  upload.key = `${upload.id}.${extension}`
  const presigned = await media.storage.presignUpload(upload.key, { contentType: input.contentType, bytes: input.bytes }, media.urlTtlSeconds)
  await em.flush()
  return { uploadId: upload.id, url: presigned.url, method: presigned.method, headers: presigned.headers, expiresAt: presigned.expiresAt.toISOString() }
}

/**
 * Checks an upload before it is confirmed: the file must be in storage with exactly the declared size, and
 * its first bytes must be an image of the declared type. A file that fails is deleted with its record; one
 * that is not there yet is left for the client to send. Confirm it with `claimUpload` in the transaction
 * that records what the image is for.
 */
export async function inspectImageUpload (em: EntityManager, media: MediaSettings, input: { uploadId: string, purpose: UploadPurpose, ownerId: string }): Promise<StoredImage> {
  const upload = await em.findOne(Upload, { id: input.uploadId, purpose: input.purpose, ownerId: input.ownerId, confirmedAt: null })
  if (upload === null) throw uploadNotFound()
  const stored = await media.storage.stat(upload.key)
  if (stored === null) throw uploadNotReceived()
  const refuse = async (detail: string): Promise<never> => {
    await media.storage.delete([upload.key])
    await em.nativeDelete(Upload, { id: upload.id })
    throw uploadInvalid(detail)
  }
  if (stored.bytes !== upload.bytes) return await refuse(`it has ${stored.bytes} bytes, not the ${upload.bytes} declared`)
  const facts = await probeImage(await media.storage.readStart(upload.key, Math.min(PROBE_BYTES, stored.bytes)))
  if (facts === undefined) return await refuse(`it is not a readable ${upload.contentType} image`)
  if (facts.contentType !== upload.contentType) return await refuse(`it is ${facts.contentType}, not the ${upload.contentType} declared`)
  return { key: upload.key, url: media.storage.urlOf(upload.key), contentType: upload.contentType, bytes: upload.bytes, width: facts.width, height: facts.height }
}

/**
 * Marks an inspected upload confirmed, in one conditional UPDATE: of concurrent confirmations of one upload,
 * exactly one claims it; the others find it gone (404).
 */
export async function claimUpload (tx: EntityManager, uploadId: string): Promise<void> {
  const claimed = await tx.nativeUpdate(Upload, { id: uploadId, confirmedAt: null }, { confirmedAt: new Date() })
  if (claimed === 0) throw uploadNotFound()
}

/** Removes stored files (after the rows that named them are gone). */
export async function deleteStoredFiles (media: Pick<MediaSettings, 'storage'>, keys: string[]): Promise<void> {
  if (keys.length > 0) await media.storage.delete(keys)
}

/**
 * Deletes uploads never confirmed, files and records, once they are a day old and their URL has expired
 * (an URL may be configured to live longer than a day); returns how many.
 */
export async function sweepUnconfirmedUploads (em: EntityManager, media: Pick<MediaSettings, 'storage'>, now = new Date()): Promise<number> {
  const stale = await em.find(Upload, { confirmedAt: null, createdAt: { $lt: new Date(now.getTime() - UNCONFIRMED_UPLOAD_TTL_MS) }, expiresAt: { $lt: now } }, { limit: 1000 })
  if (stale.length === 0) return 0
  await media.storage.delete(stale.map((upload) => upload.key))
  await em.nativeDelete(Upload, { id: { $in: stale.map((upload) => upload.id) } })
  return stale.length
}
