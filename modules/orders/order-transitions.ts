import type { ActorRole } from '../auth/user.entity.js'
import type { OrderStatus, PaymentMethod } from './order.entity.js'

interface Transition {
  from: readonly OrderStatus[]
  to: OrderStatus
  roles: readonly ActorRole[]
  /** Only for orders paid this way (unset: any). */
  methods?: readonly PaymentMethod[]
}

/**
 * The order status machine, as the spec's table writes it: each allowed move and who may make it.
 * Customers cancel and ask for returns through their own routes; staff move orders with `PATCH`; the shop
 * itself (`SYSTEM`) confirms card orders when their payment succeeds, cancels those whose payment never came,
 * and ships and delivers orders as their parcels do.
 */
const TRANSITIONS: readonly Transition[] = [
  { from: ['PENDING'], to: 'CONFIRMED', roles: ['ADMIN', 'MODERATOR'], methods: ['COD'] },
  { from: ['PENDING'], to: 'CONFIRMED', roles: ['SYSTEM'], methods: ['CARD'] },
  { from: ['PENDING', 'CONFIRMED'], to: 'CANCELLED', roles: ['CUSTOMER', 'ADMIN', 'MODERATOR', 'SYSTEM'] },
  { from: ['CONFIRMED'], to: 'SHIPPED', roles: ['SYSTEM'] },
  { from: ['SHIPPED'], to: 'DELIVERED', roles: ['SYSTEM'] },
  { from: ['DELIVERED'], to: 'RETURN_REQUESTED', roles: ['CUSTOMER'] },
  // The return decisions: accepted (items restock) or rejected (back to delivered).
  { from: ['RETURN_REQUESTED'], to: 'RETURNED', roles: ['ADMIN'] },
  { from: ['RETURN_REQUESTED'], to: 'DELIVERED', roles: ['ADMIN'] }
]

export interface AllowedTransition {
  to: OrderStatus
  roles: ActorRole[]
}

const applies = (transition: Transition, from: OrderStatus, method: PaymentMethod): boolean =>
  transition.from.includes(from) && (transition.methods === undefined || transition.methods.includes(method))

/** The moves an order in `status`, paid by `method`, may make, with who may make each. */
export function transitionsFrom (status: OrderStatus, method: PaymentMethod): AllowedTransition[] {
  const moves = new Map<OrderStatus, ActorRole[]>()
  for (const transition of TRANSITIONS) {
    if (applies(transition, status, method)) moves.set(transition.to, [...(moves.get(transition.to) ?? []), ...transition.roles])
  }
  return [...moves].map(([to, roles]) => ({ to, roles }))
}

export function mayTransition (from: OrderStatus, to: OrderStatus, method: PaymentMethod, role: ActorRole): boolean {
  return TRANSITIONS.some((transition) => applies(transition, from, method) && transition.to === to && transition.roles.includes(role))
}
