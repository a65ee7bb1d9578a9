import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import { link, mkdir, open, rm, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { AppConfig } from '../../fastify.config.js'
import type { ObjectStorage } from './object-storage.js'

/** Only keys this app makes: a UUID and an image extension. Nothing else can name a path on disk. */
export const LOCAL_KEY = /^[0-9a-f-]{36}\.(jpg|png|webp|avif)$/

export interface LocalStorage extends ObjectStorage {
  readonly driver: 'local'
  readonly directory: string
  /** Whether a PUT presents a signature this driver issued for exactly this key, type, size and expiry. */
  verifyUpload: (key: string, upload: { contentType: string, bytes: number, expires: number, signature: string }) => 'valid' | 'expired' | 'invalid'
  pathOf: (key: string) => string
  /** Stores an upload's bytes under its key; false when something is stored there already. */
  receive: (key: string, bytes: Buffer) => Promise<boolean>
}

/** The files live under DATA_DIR/uploads; upload URLs are signed with a key derived from JWT_SECRET. */
export async function createLocalStorage (config: AppConfig): Promise<LocalStorage> {
  const directory = resolve(config.DATA_DIR, 'uploads')
  await mkdir(directory, { recursive: true })
  const signingKey = createHmac('sha256', config.JWT_SECRET).update('commerce-api:local-storage').digest()
  const sign = (key: string, contentType: string, bytes: number, expires: number): string =>
    createHmac('sha256', signingKey).update(`PUT\n${key}\n${contentType}\n${bytes}\n${expires}`).digest('base64url')
  const pathOf = (key: string): string => {
    if (!LOCAL_KEY.test(key)) throw new Error(`not a storage key: ${key}`)
    return join(directory, key)
  }
  /**
   * Readers see the whole file or none (bytes go to a temporary name first), and a stored file is never
   * replaced: `link` fails when the key is taken, so an upload URL cannot overwrite what was confirmed.
   */
  const writeOnce = async (key: string, bytes: Buffer): Promise<boolean> => {
    const partial = join(directory, `.${randomUUID()}.partial`)
    await writeFile(partial, bytes)
    try {
      await link(partial, pathOf(key))
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw error
    } finally {
      await rm(partial, { force: true })
    }
  }

  return {
    driver: 'local',
    directory,
    pathOf,
    presignUpload: async (key, file, expiresInSeconds) => {
      const expires = Math.floor(Date.now() / 1000) + expiresInSeconds
      const query = new URLSearchParams({ expires: String(expires), signature: sign(key, file.contentType, file.bytes, expires) })
      return {
        url: `${config.PUBLIC_URL}/storage/${key}?${query.toString()}`,
        method: 'PUT',
        headers: { 'content-type': file.contentType, 'content-length': String(file.bytes) },
        expiresAt: new Date(expires * 1000)
      }
    },
    verifyUpload: (key, upload) => {
      const expected = Buffer.from(sign(key, upload.contentType, upload.bytes, upload.expires))
      const presented = Buffer.from(upload.signature)
      if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) return 'invalid'
      return upload.expires * 1000 <= Date.now() ? 'expired' : 'valid'
    },
    put: async (key, bytes) => {
      if (!await writeOnce(key, bytes)) throw new Error(`a file is already stored under ${key}`)
    },
    receive: writeOnce,
    stat: async (key) => {
      const found = await stat(pathOf(key)).catch(() => null)
      return found === null ? null : { bytes: found.size }
    },
    readStart: async (key, length) => {
      const file = await open(pathOf(key))
      try {
        const buffer = Buffer.alloc(length)
        const { bytesRead } = await file.read(buffer, 0, length, 0)
        return buffer.subarray(0, bytesRead)
      } finally {
        await file.close()
      }
    },
    delete: async (keys) => {
      await Promise.all(keys.filter((key) => LOCAL_KEY.test(key)).map(async (key) => { await rm(pathOf(key), { force: true }) }))
    },
    urlOf: (key) => `${config.PUBLIC_URL}/storage/${key}`
  }
}
