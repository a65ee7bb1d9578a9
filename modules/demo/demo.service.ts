import type { EntityManager } from '@mikro-orm/postgresql'
import { User } from '../auth/user.entity.js'
import { createAccount, hashChosenPassword } from '../auth/account.service.js'
import { Address } from '../customers/address.entity.js'
import { ShippingMethod } from '../shipping/shipping-method.entity.js'
import { Discount } from '../discounts/discount.entity.js'

export const DEMO_CUSTOMER = { email: 'demo@example.com', password: 'demo customer password', name: 'Demo Customer' }

/** Codes to try on a cart: 10% off once per customer, and free shipping from 30.00. */
export const DEMO_DISCOUNTS = [
  { code: 'WELCOME10', description: 'Demo: 10% off, once per customer', kind: 'PERCENTAGE', percentage: 10, perCustomerLimit: 1 },
  { code: 'FREESHIP', description: 'Demo: free shipping from 30.00', kind: 'FREE_SHIPPING', minimumSubtotal: 3000 }
] as const

/**
 * Data to try the API with after `npm start`: a verified customer with an address book, shipping methods
 * serving both addresses, so that the customer can check out at once, and two discount codes to try. No staff account is seeded,
 * so the first-admin bootstrap stays open. Runs once: nothing happens when the customer exists.
 */
export async function seedDemoData (em: EntityManager): Promise<boolean> {
  if (await em.count(User, { email: DEMO_CUSTOMER.email }) > 0) return false
  const passwordHash = await hashChosenPassword(DEMO_CUSTOMER.password, '/password')
  await em.transactional(async (tx) => {
    const customer = await createAccount(tx, { email: DEMO_CUSTOMER.email, name: DEMO_CUSTOMER.name, role: 'CUSTOMER', passwordHash, emailVerified: true })
    tx.create(Address, { user: customer, label: 'Home', fullName: DEMO_CUSTOMER.name, line1: '12 Market Street', city: 'Springfield', postalCode: '62701', country: 'US', isDefaultShipping: true, isDefaultBilling: true })
    tx.create(Address, { user: customer, label: 'Office', fullName: DEMO_CUSTOMER.name, company: 'Acme Ltd', line1: '1 Dock Road', city: 'London', postalCode: 'E14 5AB', country: 'GB' })
    tx.create(ShippingMethod, { name: 'Standard delivery', price: 499, freeAbove: 5000, countries: ['CA', 'DE', 'FR', 'GB', 'US'], minDays: 3, maxDays: 6, active: true })
    tx.create(ShippingMethod, { name: 'Express', price: 1499, freeAbove: null, countries: ['US'], minDays: 1, maxDays: 2, active: true })
    for (const discount of DEMO_DISCOUNTS) tx.create(Discount, { ...discount, normalizedCode: discount.code, active: true })
  })
  return true
}
