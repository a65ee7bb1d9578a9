import { STAFF_ROLES } from '../auth/user.entity.js'

/** Who may call the catalog's routes, and how long public reads may be cached. */
export const STOREFRONT = { access: 'public', cache: { maxAgeSeconds: 60 } } as const
export const STAFF = { access: { roles: STAFF_ROLES } } as const
export const ADMINS = { access: { roles: ['ADMIN'] } } as const
