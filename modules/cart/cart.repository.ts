import type { EntityManager } from '@mikro-orm/postgresql'
import { sql } from 'kysely'

/** A cart line with its variant, product and primary image as the catalog has them now. */
export interface PricedLineRow {
  id: string
  variant_id: string
  quantity: number
  added_unit_price: number
  sku: string
  variant_title: string
  price: number
  stock: number
  variant_version: number
  product_id: string
  product_slug: string
  product_name: string
  product_status: 'DRAFT' | 'ACTIVE' | 'ARCHIVED'
  category_id: string | null
  image_key: string | null
  image_alt: string | null
  image_width: number | null
  image_height: number | null
}

/** Every line of a cart, oldest first, in one statement: what the cart response and checkout price from. */
export async function findPricedLines (em: EntityManager, cartId: string): Promise<PricedLineRow[]> {
  const { rows } = await sql<PricedLineRow>`
    select l.id, l.variant_id, l.quantity, l.added_unit_price,
           v.sku, v.title as variant_title, v.price, v.stock, v.version as variant_version,
           p.id as product_id, p.slug as product_slug, p.name as product_name, p.status as product_status, p.category_id,
           i.key as image_key, i.alt as image_alt, i.width as image_width, i.height as image_height
      from cart_lines l
      join variants v on v.id = l.variant_id
      join products p on p.id = v.product_id
      left join product_images i on i.product_id = p.id and i.is_primary
     where l.cart_id = ${cartId}
     order by l.id`.execute(em.getKysely())
  return rows
}

export interface CartRow {
  id: string
  customer_id: string | null
  discount_id: string | null
  updated_at: Date
}

/** The customer's cart, made on first use: one per customer, whatever the concurrency (a unique key). */
export async function customerCart (em: EntityManager, customerId: string, id: string): Promise<CartRow> {
  const db = em.getKysely()
  const { rows: [existing] } = await sql<CartRow>`select id, customer_id, discount_id, updated_at from carts where customer_id = ${customerId}`.execute(db)
  if (existing !== undefined) return existing
  await sql`insert into carts (id, customer_id, created_at, updated_at) values (${id}, ${customerId}, now(), now())
    on conflict (customer_id) do nothing`.execute(db)
  const { rows: [cart] } = await sql<CartRow>`select id, customer_id, discount_id, updated_at from carts where customer_id = ${customerId}`.execute(db)
  if (cart === undefined) throw new Error('the customer cart vanished between its insert and its read')
  return cart
}

export async function guestCart (em: EntityManager, tokenHash: string): Promise<CartRow | undefined> {
  const { rows: [cart] } = await sql<CartRow>`select id, customer_id, discount_id, updated_at from carts where token_hash = ${tokenHash} and customer_id is null`.execute(em.getKysely())
  return cart
}

/** Locks a cart for a change (changes to one cart are serialised) and reads its current state. */
export async function lockCart (tx: EntityManager, cartId: string): Promise<CartRow | undefined> {
  const { rows: [cart] } = await sql<CartRow>`select id, customer_id, discount_id, updated_at from carts where id = ${cartId} for update`.execute(tx.getKysely())
  return cart
}

/**
 * Locks a cart for a change and moves its idle clock, in one statement (`now()` is the transaction's
 * start either way): its current state, or undefined for a cart that is gone.
 */
export async function lockAndTouchCart (tx: EntityManager, cart: { id: string } | { customerId: string } | { tokenHash: string }): Promise<CartRow | undefined> {
  const which = 'id' in cart
    ? sql`id = ${cart.id}`
    : 'customerId' in cart ? sql`customer_id = ${cart.customerId}` : sql`token_hash = ${cart.tokenHash} and customer_id is null`
  const { rows: [row] } = await sql<CartRow>`update carts set updated_at = now() where ${which} returning id, customer_id, discount_id, updated_at`.execute(tx.getKysely())
  return row
}

export async function touchCart (tx: EntityManager, cartId: string): Promise<Date> {
  const { rows: [row] } = await sql<{ updated_at: Date }>`update carts set updated_at = now() where id = ${cartId} returning updated_at`.execute(tx.getKysely())
  return row?.updated_at ?? new Date()
}

/** The discount code the cart holds (null for none). */
export async function setCartDiscount (tx: EntityManager, cartId: string, discountId: string | null): Promise<void> {
  await sql`update carts set discount_id = ${discountId} where id = ${cartId}`.execute(tx.getKysely())
}
