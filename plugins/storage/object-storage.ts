/** A presigned upload: the client sends the file's bytes with `method` to `url`, with exactly these headers. */
export interface PresignedUpload {
  url: string
  method: 'PUT'
  headers: Record<string, string>
  expiresAt: Date
}

/** What the app needs from object storage. Keys are flat (`<uuid>.<ext>`); objects never change once stored. */
export interface ObjectStorage {
  readonly driver: 'local' | 's3'
  /** A URL the client can PUT exactly `bytes` bytes of `contentType` to, until it expires. */
  presignUpload: (key: string, file: { contentType: string, bytes: number }, expiresInSeconds: number) => Promise<PresignedUpload>
  /** Stores a file the server itself has (demo data, imports); clients upload through presigned URLs. */
  put: (key: string, bytes: Buffer, contentType: string) => Promise<void>
  /** The stored object's size, or null when nothing is stored under the key. */
  stat: (key: string) => Promise<{ bytes: number } | null>
  /** The object's first bytes (all of it when it is shorter). */
  readStart: (key: string, length: number) => Promise<Buffer>
  /** Deletes the objects; keys with nothing stored are ignored. */
  delete: (keys: string[]) => Promise<void>
  /** Where clients download the object. */
  urlOf: (key: string) => string
  /** Releases connections, when the driver holds any. */
  close?: () => Promise<void>
}
