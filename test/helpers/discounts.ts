import type { components } from '../../openapi/schema.js'
import type { CatalogHarness } from './catalog.js'
import type { ApiClient } from './client.js'
import type { Cart } from './shop.js'

export type Discount = components['schemas']['Discount']
export type CreateDiscountRequest = components['schemas']['CreateDiscountRequest']

let codes = 0
/** A code no other test uses. */
export function uniqueCode (prefix = 'CODE'): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++codes}`
}

export async function createDiscount (harness: CatalogHarness, body: Partial<CreateDiscountRequest> = {}): Promise<Discount> {
  const { data, error } = await harness.api.POST('/api/v1/admin/discounts', { headers: harness.staff, body: { code: uniqueCode(), kind: 'PERCENTAGE', percentage: 10, ...body } as CreateDiscountRequest })
  if (data === undefined) throw new Error(`creating the discount failed: ${JSON.stringify(error)}`)
  return data
}

export async function applyCode (api: ApiClient, headers: Record<string, string>, code: string): Promise<Cart> {
  const { data, error } = await api.POST('/api/v1/cart/discount', { headers, body: { code } })
  if (data === undefined) throw new Error(`applying ${code} failed: ${JSON.stringify(error)}`)
  return data
}
