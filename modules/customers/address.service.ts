import type { EntityManager } from '@mikro-orm/postgresql'
import type { Account } from '../../plugins/auth.js'
import { findPage } from '../../plugins/pagination.js'
import { assertIfMatch, type Versioned } from '../../plugins/resource-headers.js'
import type { Page, PageQuery } from '../../openapi/shared.schemas.js'
import { lockUser } from '../auth/user.entity.js'
import { Address as AddressEntity } from './address.entity.js'
import { assertCountryCode } from '../../plugins/validation.js'
import { addressBookFull } from './customers.errors.js'
import type { Address, CreateAddressRequest, UpdateAddressRequest } from './address.schemas.js'

const MAX_ADDRESSES = 100

export function toAddress (address: AddressEntity): Address {
  return {
    id: address.id,
    label: address.label ?? null,
    fullName: address.fullName,
    company: address.company ?? null,
    line1: address.line1,
    line2: address.line2 ?? null,
    city: address.city,
    region: address.region ?? null,
    postalCode: address.postalCode,
    country: address.country,
    phone: address.phone ?? null,
    isDefaultShipping: address.isDefaultShipping,
    isDefaultBilling: address.isDefaultBilling,
    createdAt: address.createdAt.toISOString(),
    updatedAt: address.updatedAt.toISOString()
  }
}

function versioned (address: AddressEntity): Versioned<Address> {
  return { resource: toAddress(address), version: address.version }
}

async function findOwn (em: EntityManager, account: Account, id: string): Promise<AddressEntity> {
  // Another customer's address is simply not found: its existence is not revealed.
  return await em.findOneOrFail(AddressEntity, { id, user: account.id })
}

/**
 * Locks the customer's row for the rest of the transaction, so concurrent changes to the address book are
 * serialised: each reads the addresses only after the previous change committed, and the last one wins.
 */
async function lockAddressBook (tx: EntityManager, account: Account): Promise<void> {
  await lockUser(tx, account.id)
}

/** Applies the default flags; the caller holds the address book's lock. */
async function clearOtherDefaults (tx: EntityManager, account: Account, address: AddressEntity, input: { isDefaultShipping?: boolean, isDefaultBilling?: boolean }): Promise<void> {
  const others = { user: account.id, id: { $ne: address.id } }
  if (input.isDefaultShipping === true) await tx.nativeUpdate(AddressEntity, { ...others, isDefaultShipping: true }, { isDefaultShipping: false })
  if (input.isDefaultBilling === true) await tx.nativeUpdate(AddressEntity, { ...others, isDefaultBilling: true }, { isDefaultBilling: false })
}

export async function listAddresses (em: EntityManager, account: Account, query: PageQuery): Promise<Page<Address>> {
  return await findPage(em, AddressEntity, { user: account.id }, query, toAddress)
}

export async function getAddress (em: EntityManager, account: Account, id: string): Promise<Versioned<Address>> {
  return versioned(await findOwn(em, account, id))
}

export async function createAddress (em: EntityManager, account: Account, input: CreateAddressRequest): Promise<Versioned<Address>> {
  assertCountryCode(input.country, '/body/country')
  const address = await em.transactional(async (tx) => {
    await lockAddressBook(tx, account)
    if (await tx.count(AddressEntity, { user: account.id }) >= MAX_ADDRESSES) {
      throw addressBookFull(MAX_ADDRESSES)
    }
    const created = tx.create(AddressEntity, { ...input, user: account.id })
    await clearOtherDefaults(tx, account, created, input)
    return created
  })
  return versioned(address)
}

/** Changes an address; with `If-Match`, only if it is still the version the caller saw (else 412). */
export async function updateAddress (em: EntityManager, account: Account, id: string, input: UpdateAddressRequest, ifMatch?: string): Promise<Versioned<Address>> {
  assertCountryCode(input.country, '/body/country')
  const address = await em.transactional(async (tx) => {
    // Lock, then read: an address read before the lock may be changed by the time it is written back.
    await lockAddressBook(tx, account)
    const found = await findOwn(tx, account, id)
    assertIfMatch(ifMatch, found.version)
    await clearOtherDefaults(tx, account, found, input)
    tx.assign(found, input)
    return found
  })
  return versioned(address)
}

export async function deleteAddress (em: EntityManager, account: Account, id: string, ifMatch?: string): Promise<void> {
  await em.transactional(async (tx) => {
    await lockAddressBook(tx, account)
    const found = await findOwn(tx, account, id)
    assertIfMatch(ifMatch, found.version)
    tx.remove(found)
  })
}
