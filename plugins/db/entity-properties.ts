import { p } from '@mikro-orm/core'
import { uuidv7 } from 'uuidv7'

/** Column definitions every entity shares: a UUIDv7 key and creation/update instants. */
export const entityProperties = {
  id: p.uuid().primary().onCreate(() => uuidv7()),
  createdAt: p.datetime().onCreate(() => new Date()),
  updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date())
}
