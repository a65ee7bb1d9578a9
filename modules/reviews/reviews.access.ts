import { ROLES, STAFF_ROLES } from '../auth/user.entity.js'

/**
 * Who may call the reviews' routes. Authors' operations are for customer tokens (staff are a 403 there: they
 * moderate under /admin/reviews); a review that is not the caller's is a 404, never a 403, so ids reveal nothing.
 */
export const STOREFRONT = { access: 'public', cache: { maxAgeSeconds: 60 } } as const
export const ANYONE = { access: { roles: ROLES, optional: true } } as const
export const AUTHORS = { access: { roles: ['CUSTOMER'] } } as const
export const STAFF = { access: { roles: STAFF_ROLES } } as const
