import type { EntityManager } from '@mikro-orm/postgresql'
import { lockRowsForChange } from '../../plugins/db/row-locks.js'
import { Product as ProductEntity } from './product.entity.js'
import { notFound } from './catalog.errors.js'

/**
 * Locks a product for a change to it, its variants or its gallery (those changes are serialised on the
 * product's row), and reads its current state. `FOR NO KEY UPDATE`: orders referencing it do not block it.
 */
export async function lockProduct (tx: EntityManager, id: string): Promise<ProductEntity> {
  const [locked] = await lockRowsForChange(tx, 'products', [id])
  const product = locked === undefined ? null : await tx.findOne(ProductEntity, { id }, { refresh: true })
  if (product === null) throw notFound()
  return product
}
