import type { Test } from 'tap'
import type { components } from '../../openapi/schema.js'
import { findFreePort } from '../../plugins/db/embedded.js'
import type { Env } from './build.js'
import type { ApiClient } from './client.js'
import { buildShop, type ShopHarness } from './shop.js'
import { putBytes, type ImageContentType, type ImageUpload } from './uploads.js'

export type Review = components['schemas']['Review']
export type AdminReview = components['schemas']['AdminReview']
export type ReviewPage = components['schemas']['ReviewPage']
export type ReviewImage = components['schemas']['ReviewImage']
export type CreateReviewRequest = components['schemas']['CreateReviewRequest']

export interface ReviewsHarness extends ShopHarness {
  /** `http://127.0.0.1:PORT`, where the app listens (PUBLIC_URL), so upload URLs work over real HTTP. */
  origin: string
}

/** A shop (admin, shipping method) listening on loopback, for reviews with photos. */
export async function buildReviews (t: Test, env: Env = {}): Promise<ReviewsHarness> {
  const port = await findFreePort()
  const origin = `http://127.0.0.1:${port}`
  const harness = await buildShop(t, { PUBLIC_URL: origin, ...env })
  await harness.app.listen({ port, host: '127.0.0.1' })
  return { ...harness, origin }
}

export const REVIEW: CreateReviewRequest = { rating: 4, title: 'Sturdy and comfortable', body: 'We use it every day.' }

/** `POST /products/{idOrSlug}/reviews` that must succeed: the review. */
export async function writeReview (harness: { api: ApiClient }, headers: Record<string, string>, idOrSlug: string, body: Partial<CreateReviewRequest> = {}, api: ApiClient = harness.api): Promise<Review> {
  const { data, error } = await api.POST('/api/v1/products/{idOrSlug}/reviews', { headers, params: { path: { idOrSlug } }, body: { ...REVIEW, ...body } })
  if (data === undefined) throw new Error(`reviewing ${idOrSlug} failed: ${JSON.stringify(error)}`)
  return data
}

/** `PATCH /admin/reviews/{id}` that must succeed. */
export async function moderate (harness: ShopHarness, id: string, status: 'PUBLISHED' | 'HIDDEN' | 'REJECTED', reason?: string, headers: Record<string, string> = harness.staff, api: ApiClient = harness.api): Promise<AdminReview> {
  const { data, error } = await api.PATCH('/api/v1/admin/reviews/{id}', { headers, params: { path: { id } }, body: { status, ...(reason === undefined ? {} : { reason }) } })
  if (data === undefined) throw new Error(`moderating ${id} failed: ${JSON.stringify(error)}`)
  return data
}

/** The product's rating as the database keeps it on the product. */
export async function storedRating (harness: ShopHarness, productId: string): Promise<{ average: number, count: number }> {
  const [row] = await harness.app.orm.em.fork().execute<Array<{ rating_average: string, rating_count: number }>>('select rating_average, rating_count from products where id = ?', [productId])
  if (row === undefined) throw new Error(`no product ${productId}`)
  return { average: Number(row.rating_average), count: row.rating_count }
}

/** The rating the product's published reviews make, computed here from the reviews table (half up, two decimals). */
export async function exactRating (harness: ShopHarness, productId: string): Promise<{ average: number, count: number }> {
  const rows = await harness.app.orm.em.fork().execute<Array<{ rating: number }>>("select rating from reviews where product_id = ? and status = 'PUBLISHED'", [productId])
  const total = rows.reduce((sum, row) => sum + Number(row.rating), 0)
  return { average: rows.length === 0 ? 0 : Math.round((total * 100) / rows.length) / 100, count: rows.length }
}

/** Every page of the product's public review list for `query`, following `nextCursor`. */
export async function everyReviewPage (harness: { api: ApiClient }, idOrSlug: string, query: { sort?: 'newest' | 'highest' | 'lowest', rating?: number, verified?: boolean } = {}, limit = 100): Promise<ReviewPage[]> {
  const pages: ReviewPage[] = []
  let cursor: string | undefined
  while (pages.length < 100) {
    const { data, error } = await harness.api.GET('/api/v1/products/{idOrSlug}/reviews', { params: { path: { idOrSlug }, query: { ...query, limit, ...(cursor === undefined ? {} : { cursor }) } } })
    if (data === undefined) throw new Error(`page ${pages.length + 1} failed: ${JSON.stringify(error)}`)
    pages.push(data)
    if (data.nextCursor === null) return pages
    cursor = data.nextCursor
  }
  throw new Error('the cursor does not move on')
}

/** Asks for an upload URL for one of the customer's reviews; throws unless granted. */
export async function presignReviewImage (harness: ReviewsHarness, headers: Record<string, string>, reviewId: string, contentType: ImageContentType, bytes: number): Promise<ImageUpload> {
  const { data, error } = await harness.api.POST('/api/v1/reviews/{id}/images/uploads', { headers, params: { path: { id: reviewId } }, body: { contentType, bytes } })
  if (data === undefined) throw new Error(`presign failed: ${JSON.stringify(error)}`)
  return data
}

/** Presign and PUT the bytes, without confirming. */
export async function sendReviewImage (harness: ReviewsHarness, headers: Record<string, string>, reviewId: string, bytes: Buffer, contentType: ImageContentType = 'image/png'): Promise<ImageUpload> {
  const upload = await presignReviewImage(harness, headers, reviewId, contentType, bytes.length)
  const put = await putBytes(upload.url, bytes, upload.headers, harness.origin)
  if (put.status >= 300) throw new Error(`PUT answered ${put.status}: ${put.body.toString()}`)
  return upload
}

export async function confirmReviewImage (harness: ReviewsHarness, headers: Record<string, string>, reviewId: string, uploadId: string, alt?: string | null) {
  return await harness.api.POST('/api/v1/reviews/{id}/images', { headers, params: { path: { id: reviewId } }, body: { uploadId, ...(alt === undefined ? {} : { alt }) } })
}

/** Presign, PUT, confirm: the review image, or a thrown error. */
export async function addReviewImage (harness: ReviewsHarness, headers: Record<string, string>, reviewId: string, bytes: Buffer, contentType: ImageContentType = 'image/png'): Promise<ReviewImage> {
  const upload = await sendReviewImage(harness, headers, reviewId, bytes, contentType)
  const { data, error } = await confirmReviewImage(harness, headers, reviewId, upload.uploadId)
  if (data === undefined) throw new Error(`confirming failed: ${JSON.stringify(error)}`)
  return data
}
