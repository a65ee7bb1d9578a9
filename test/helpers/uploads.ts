import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import type { SimpleIntervalJob } from 'toad-scheduler'
import type { components } from '../../openapi/schema.js'
import { findFreePort } from '../../plugins/db/embedded.js'
import { placeholderPng } from '../../modules/demo/demo-catalog.service.js'
import type { Env } from './build.js'
import { buildCatalog, type CatalogHarness } from './catalog.js'
import { bearer, staffSignIn, uniqueEmail } from './identity.js'
import { assertResponseMatchesSpec } from './contract.js'

export type ImageUpload = components['schemas']['ImageUpload']
export type ProductImage = components['schemas']['ProductImage']
export type ImageContentType = components['schemas']['ImageContentType']

/** Image files small enough to upload anywhere. PNGs are complete; the others are real headers without pixel data. */

export function pngImage (width: number, height: number, colour: [number, number, number] = [200, 80, 40]): Buffer {
  return placeholderPng(width, height, colour)
}

const u16 = (value: number): Buffer => { const bytes = Buffer.alloc(2); bytes.writeUInt16BE(value); return bytes }
const u32 = (value: number): Buffer => { const bytes = Buffer.alloc(4); bytes.writeUInt32BE(value); return bytes }
const u24le = (value: number): Buffer => Buffer.from([value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff])

/** A baseline JPEG's JFIF and SOF0 segments (YCbCr, 4:2:0) and EOI. */
export function jpegImage (width: number, height: number): Buffer {
  const jfif = Buffer.concat([Buffer.from([0xff, 0xe0]), u16(16), Buffer.from('JFIF\0', 'latin1'), Buffer.from([1, 1, 0, 0, 1, 0, 1, 0, 0])])
  const frame = Buffer.concat([Buffer.from([0xff, 0xc0]), u16(17), Buffer.from([8]), u16(height), u16(width), Buffer.from([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1])])
  return Buffer.concat([Buffer.from([0xff, 0xd8]), jfif, frame, Buffer.from([0xff, 0xd9])])
}

/** An extended WebP (RIFF, VP8X with the canvas size). */
export function webpImage (width: number, height: number): Buffer {
  const vp8x = Buffer.concat([Buffer.from('VP8X', 'latin1'), Buffer.from([10, 0, 0, 0]), Buffer.alloc(4), u24le(width - 1), u24le(height - 1)])
  const size = Buffer.alloc(4)
  size.writeUInt32LE(4 + vp8x.length)
  return Buffer.concat([Buffer.from('RIFF', 'latin1'), size, Buffer.from('WEBP', 'latin1'), vp8x])
}

const box = (type: string, ...contents: Buffer[]): Buffer => {
  const body = Buffer.concat(contents)
  return Buffer.concat([u32(8 + body.length), Buffer.from(type, 'latin1'), body])
}

/** An AVIF's ftyp box and a meta box whose item properties carry the image's spatial extent (ispe). */
export function avifImage (width: number, height: number): Buffer {
  const ftyp = box('ftyp', Buffer.from('avif', 'latin1'), u32(0), Buffer.from('avifmif1miaf', 'latin1'))
  const handler = box('hdlr', u32(0), u32(0), Buffer.from('pict', 'latin1'), Buffer.alloc(12), Buffer.from([0]))
  const extent = box('ispe', u32(0), u32(width), u32(height))
  const meta = box('meta', u32(0), handler, box('iprp', box('ipco', extent)))
  return Buffer.concat([ftyp, meta])
}

export const IMAGE_MAKERS: Record<ImageContentType, (width: number, height: number) => Buffer> = {
  'image/jpeg': jpegImage,
  'image/png': pngImage,
  'image/webp': webpImage,
  'image/avif': avifImage
}

/** Files that are no images, whatever their label says. */
export const HTML_PAGE = Buffer.from('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>')
export const SVG_IMAGE = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><script>alert(document.cookie)</script><rect width="40" height="30"/></svg>')

export interface GalleryHarness extends CatalogHarness {
  /** `http://127.0.0.1:PORT`, where the app listens and what it puts in the URLs it hands out (PUBLIC_URL). */
  origin: string
}

/** The catalog app listening on loopback, so the storage URLs it hands out work over real HTTP. */
export async function buildGallery (t: Test, env: Env = {}): Promise<GalleryHarness> {
  const port = await findFreePort()
  const origin = `http://127.0.0.1:${port}`
  const harness = await buildCatalog(t, { PUBLIC_URL: origin, ...env })
  await harness.app.listen({ port, host: '127.0.0.1' })
  return { ...harness, origin }
}

/** Checks a response from the app's own storage routes against the spec (other hosts are not ours). */
function checkIfOurs (method: string, url: string, response: { status: number, contentType: string | undefined, body: Buffer }, origin: string | undefined): void {
  if (origin === undefined || !url.startsWith(`${origin}/`)) return
  assertResponseMatchesSpec({ method, url, statusCode: response.status, contentType: response.contentType, body: response.body.toString('latin1') })
}

export interface RawResponse {
  status: number
  headers: Headers
  body: Buffer
}

/**
 * PUTs `bytes` to an upload URL over real HTTP with `headers` (those the presign returned, unless a test
 * changes them). Answers from `origin` (the app) are checked against the spec.
 */
export async function putBytes (url: string, bytes: Buffer, headers: Record<string, string>, origin?: string): Promise<RawResponse> {
  const response = await fetch(url, { method: 'PUT', body: bytes, headers })
  const body = Buffer.from(await response.arrayBuffer())
  checkIfOurs('PUT', url, { status: response.status, contentType: response.headers.get('content-type') ?? undefined, body }, origin)
  return { status: response.status, headers: response.headers, body }
}

/** GETs a URL over real HTTP; answers from `origin` (the app) are checked against the spec. */
export async function download (url: string, origin?: string): Promise<RawResponse> {
  const response = await fetch(url)
  const body = Buffer.from(await response.arrayBuffer())
  checkIfOurs('GET', url, { status: response.status, contentType: response.headers.get('content-type') ?? undefined, body }, origin)
  return { status: response.status, headers: response.headers, body }
}

/** Asks for an upload URL for `bytes` bytes of `contentType`; throws unless it is granted. */
export async function presign (harness: CatalogHarness, productId: string, contentType: ImageContentType, bytes: number): Promise<ImageUpload> {
  const { data, error } = await harness.api.POST('/api/v1/admin/products/{id}/images/uploads', {
    headers: harness.staff, params: { path: { id: productId } }, body: { contentType, bytes }
  })
  if (data === undefined) throw new Error(`presign failed: ${JSON.stringify(error)}`)
  return data
}

export type ConfirmOptions = Omit<components['schemas']['ConfirmImageRequest'], 'uploadId'>

export async function confirm (harness: CatalogHarness, productId: string, uploadId: string, options: ConfirmOptions = {}) {
  return await harness.api.POST('/api/v1/admin/products/{id}/images', {
    headers: harness.staff, params: { path: { id: productId } }, body: { uploadId, ...options }
  })
}

/** Presign and PUT the bytes with the headers given, without confirming; throws unless both succeed. */
export async function sendUpload (harness: GalleryHarness | CatalogHarness, productId: string, bytes: Buffer, contentType: ImageContentType = 'image/png'): Promise<ImageUpload> {
  const upload = await presign(harness, productId, contentType, bytes.length)
  const put = await putBytes(upload.url, bytes, upload.headers, 'origin' in harness ? harness.origin : undefined)
  if (put.status >= 300) throw new Error(`PUT to the upload URL answered ${put.status}: ${put.body.toString()}`)
  return upload
}

/** Where an upload's file is served once stored: its upload URL without the signature (local storage). */
export function fileUrlOf (upload: ImageUpload): string {
  return upload.url.split('?')[0] ?? upload.url
}

/** Presign, PUT, confirm: the gallery image, or a thrown error. */
export async function uploadImage (harness: GalleryHarness | CatalogHarness, productId: string, bytes: Buffer, contentType: ImageContentType = 'image/png', options: ConfirmOptions = {}): Promise<ProductImage> {
  const upload = await sendUpload(harness, productId, bytes, contentType)
  const { data, error } = await confirm(harness, productId, upload.uploadId, options)
  if (data === undefined) throw new Error(`confirming failed: ${JSON.stringify(error)}`)
  return data
}

/** A moderator, created by the harness's admin, who has replaced the temporary password: an Authorization header. */
export async function signInModerator (harness: CatalogHarness): Promise<{ authorization: string }> {
  const email = uniqueEmail('moderator')
  await harness.api.POST('/api/v1/admin/staff', { headers: harness.staff, body: { email, name: 'Mo Derator', role: 'MODERATOR' } })
  const temporaryPassword = (await harness.smtp.nextMessage(email)).text?.trim().split('\n').at(-1) ?? ''
  const tokens = await staffSignIn(harness, email, temporaryPassword)
  const changed = await harness.api.POST('/api/v1/auth/password/change', { headers: bearer(tokens), body: { currentPassword: temporaryPassword, newPassword: 'lavender harbour 31' } })
  if (changed.response.status !== 204) throw new Error(`the moderator could not change the password: ${JSON.stringify(changed.error)}`)
  return bearer(tokens)
}

/** The product's gallery as staff see it, in position order. */
export async function galleryOf (harness: CatalogHarness, productId: string): Promise<ProductImage[]> {
  const { data, error } = await harness.api.GET('/api/v1/admin/products/{id}', { headers: harness.staff, params: { path: { id: productId } } })
  if (data === undefined) throw new Error(`reading product ${productId} failed: ${JSON.stringify(error)}`)
  return data.images
}

/** The storage key at the end of an image or upload URL (`<uuid>.<ext>`). */
export function keyOf (url: string): string {
  return new URL(url).pathname.split('/').pop() ?? ''
}

/** Makes uploads look `hours` old, as the sweep judges them (by their creation time). */
export async function ageUploads (app: FastifyInstance, uploadIds: string[], hours: number): Promise<void> {
  // Time passes for the upload and for its URL alike.
  await app.orm.em.fork().execute(`update uploads set created_at = created_at - interval '${hours} hours', expires_at = expires_at - interval '${hours} hours' where id in (${uploadIds.map(() => '?').join(', ')})`, uploadIds)
}

/** Runs the sweep job the media module scheduled, now, as its timer would. */
export async function runUploadSweep (app: FastifyInstance): Promise<void> {
  await (app.scheduler.getById('sweep-unconfirmed-uploads') as SimpleIntervalJob).executeAsync()
}
