import t from 'tap'
import { createProduct } from '../helpers/catalog.js'
import type { ApiClient } from '../helpers/client.js'
import { concurrently, settled } from '../helpers/concurrency.js'
import { createModerator } from '../helpers/fulfilment.js'
import { problem } from '../helpers/problems.js'
import { buildShop, createCustomers, secondInstance, type Customer } from '../helpers/shop.js'
import { everyReviewPage, exactRating, storedRating, writeReview, type Review } from '../helpers/reviews.js'

const harness = await buildShop(t)
const { api } = harness
const moderator = await createModerator(harness)

/** A rating from 1 to 5 that depends on the index only, so runs are repeatable. */
const ratingOf = (index: number): number => (index * 7) % 5 + 1

/**
 * Everything at once on one product: `fresh` customers review it, while staff hide and publish some of
 * `existing`, their authors edit or delete others. Requests alternate between the given clients.
 */
async function storm (productId: string, fresh: Customer[], existing: Array<{ customer: Customer, review: Review }>, clients: ApiClient[]): Promise<number[]> {
  const via = (index: number): ApiClient => clients[index % clients.length]!
  const work: Array<Promise<number>> = [
    ...fresh.map(async (customer, index) => (await via(index).POST('/api/v1/products/{idOrSlug}/reviews', {
      headers: customer.headers, params: { path: { idOrSlug: productId } }, body: { rating: ratingOf(index), title: `Fresh ${index}`, body: 'At once.' }
    })).response.status),
    ...existing.map(async ({ customer, review }, index) => {
      const client = via(index + 1)
      switch (index % 4) {
        case 0: return (await client.PATCH('/api/v1/admin/reviews/{id}', { headers: moderator.headers, params: { path: { id: review.id } }, body: { status: 'HIDDEN', reason: 'Storm.' } })).response.status
        case 1: return (await client.DELETE('/api/v1/reviews/{id}', { headers: customer.headers, params: { path: { id: review.id } } })).response.status
        case 2: return (await client.PATCH('/api/v1/reviews/{id}', { headers: customer.headers, params: { path: { id: review.id } }, body: { rating: 6 - review.rating } })).response.status
        default: return (await client.DELETE('/api/v1/admin/reviews/{id}', { headers: moderator.headers, params: { path: { id: review.id } } })).response.status
      }
    })
  ]
  return await settled(work)
}

async function seed (productId: string, customers: Customer[]): Promise<Array<{ customer: Customer, review: Review }>> {
  const seeded = []
  for (const [index, customer] of customers.entries()) seeded.push({ customer, review: await writeReview(harness, customer.headers, productId, { rating: ratingOf(index + 3) }) })
  return seeded
}

t.test('20 customers reviewing one product at once, with moderation, edits and deletes: the rating is exact', async (t) => {
  const product = await createProduct(harness)
  const customers = await createCustomers(harness, 32)
  const existing = await seed(product.id, customers.slice(20))
  const statuses = await storm(product.id, customers.slice(0, 20), existing, [api])
  t.same(statuses.slice(0, 20), Array(20).fill(201), 'every review was created')
  t.same(statuses.slice(20), existing.map((_, index) => [200, 204, 200, 204][index % 4]), 'every change was made')

  const exact = await exactRating(harness, product.id)
  t.equal(exact.count, 20 + 3, 'the fresh ones, and the edited ones still published')
  t.same(await storedRating(harness, product.id), exact, 'the product\'s rating is that of its published reviews')
  const [page] = await everyReviewPage(harness, product.id)
  t.equal(page!.items.length, exact.count)
  t.same({ average: page!.summary.average, count: page!.summary.count }, exact, 'and so is the list\'s summary')
})

t.test('one customer sending one review several times at once: exactly one is created', async (t) => {
  const product = await createProduct(harness)
  const [customer] = await createCustomers(harness, 1)
  const answers = await concurrently(6, async (index) => await api.POST('/api/v1/products/{idOrSlug}/reviews', {
    headers: customer!.headers, params: { path: { idOrSlug: product.id } }, body: { rating: ratingOf(index), title: `Try ${index}`, body: 'Double click.' }
  }))
  const created = answers.filter((answer) => answer.response.status === 201)
  t.equal(created.length, 1, 'one created')
  const id = created[0]!.data!.id
  for (const answer of answers.filter((candidate) => candidate.response.status !== 201)) {
    t.same(answer.error, { ...problem(409, 'REVIEW_EXISTS', 'You have already reviewed this product; edit that review instead.', `/api/v1/products/${product.id}/reviews`), reviewId: id })
  }
  t.same(await storedRating(harness, product.id), { average: created[0]!.data!.rating, count: 1 })
})

t.test('two instances on one database keep the rating exact as well', async (t) => {
  const second = await secondInstance(t, harness)
  const product = await createProduct(harness)
  const customers = await createCustomers(harness, 32)
  const existing = await seed(product.id, customers.slice(20))
  const statuses = await storm(product.id, customers.slice(0, 20), existing, [api, second.api])
  t.same(statuses.slice(0, 20), Array(20).fill(201))
  t.same(statuses.slice(20), existing.map((_, index) => [200, 204, 200, 204][index % 4]))
  const exact = await exactRating(harness, product.id)
  t.same(await storedRating(harness, product.id), exact)

  // And the one review per customer holds across instances.
  const [late] = await createCustomers(harness, 1)
  const racing = await settled([api, second.api, api, second.api].map(async (client, index) => await client.POST('/api/v1/products/{idOrSlug}/reviews', {
    headers: late!.headers, params: { path: { idOrSlug: product.id } }, body: { rating: 5, title: `Race ${index}`, body: 'Two servers.' }
  })))
  t.same(racing.map((answer) => answer.response.status).sort(), [201, 409, 409, 409])
  t.same(await storedRating(harness, product.id), await exactRating(harness, product.id))
  t.equal((await storedRating(harness, product.id)).count, exact.count + 1)
})
