import type { Role } from '../auth/user.entity.js'
import type { OrderStatus } from './order.entity.js'

interface Transition {
  from: readonly OrderStatus[]
  to: OrderStatus
  roles: readonly Role[]
}

/**
 * The order status machine, as the spec's table writes it: each allowed move and who may make it.
 * Customers cancel and ask for returns through their own routes; staff move orders with `PATCH`.
 */
const TRANSITIONS: readonly Transition[] = [
  { from: ['PENDING'], to: 'CONFIRMED', roles: ['ADMIN', 'MODERATOR'] },
  { from: ['PENDING', 'CONFIRMED'], to: 'CANCELLED', roles: ['CUSTOMER', 'ADMIN', 'MODERATOR'] },
  { from: ['CONFIRMED'], to: 'SHIPPED', roles: ['ADMIN', 'MODERATOR'] },
  { from: ['SHIPPED'], to: 'DELIVERED', roles: ['ADMIN', 'MODERATOR'] },
  { from: ['DELIVERED'], to: 'RETURN_REQUESTED', roles: ['CUSTOMER'] },
  // The return decisions: accepted (items restock) or rejected (back to delivered).
  { from: ['RETURN_REQUESTED'], to: 'RETURNED', roles: ['ADMIN'] },
  { from: ['RETURN_REQUESTED'], to: 'DELIVERED', roles: ['ADMIN'] }
]

export interface AllowedTransition {
  to: OrderStatus
  roles: Role[]
}

export function transitionsFrom (status: OrderStatus): AllowedTransition[] {
  return TRANSITIONS.filter((transition) => transition.from.includes(status)).map(({ to, roles }) => ({ to, roles: [...roles] }))
}

export function mayTransition (from: OrderStatus, to: OrderStatus, role: Role): boolean {
  return TRANSITIONS.some((transition) => transition.from.includes(from) && transition.to === to && transition.roles.includes(role))
}
