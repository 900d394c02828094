// A customer's address book (`customer_addresses`): embedded by `include=addresses`, which holds
// at most 10 (`customer_Full.addresses.maxItems`), or read through
// `/v3/customers/addresses?customer_id:in=...` when the customer's `address_count` says the embed
// is not the whole set (or the embed is missing). See docs/bigcommerce-api.md, "Variants and
// addresses".
import { z } from 'zod'
import { parseApiObject, pick } from '../bigcommerce/validate.ts'
import type { ChildRow } from '../db/rows.ts'
import type { EmbeddedChildSpec } from './embedded-children.ts'

/** The most addresses a customer embeds (documented). */
export const EMBEDDED_ADDRESS_CAP = 10

const text = z.string().nullable().optional()

const addressSchema = z.looseObject({
  id: z.number().int().positive(),
  customer_id: z.number().int().positive().optional(),
  first_name: text,
  last_name: text,
  city: text,
  state_or_province: text,
  postal_code: text,
  country_code: text,
  address_type: text,
})

export function toCustomerAddressRow(item: unknown): ChildRow {
  const address = parseApiObject(addressSchema, item, 'customer address')
  return {
    id: address.id,
    data: item,
    first_name: address.first_name ?? null,
    last_name: address.last_name ?? null,
    city: address.city ?? null,
    state_or_province: address.state_or_province ?? null,
    postal_code: address.postal_code ?? null,
    country_code: address.country_code ?? null,
    address_type: address.address_type ?? null,
  }
}

/** The customer's `address_count`, when it is a count. */
function addressCountOf(customer: unknown): number | undefined {
  const count = pick(customer, 'address_count')
  return typeof count === 'number' && Number.isSafeInteger(count) && count >= 0 ? count : undefined
}

export const ADDRESSES: EmbeddedChildSpec = {
  table: 'customer_addresses',
  field: 'addresses',
  parentKey: 'customer_id',
  listPath: '/v3/customers/addresses',
  noun: 'customer address',
  toRow: toCustomerAddressRow,
  doubtOf(customer, embedded) {
    const count = addressCountOf(customer)
    if (count === undefined)
      return embedded.length >= EMBEDDED_ADDRESS_CAP
        ? 'an embed at its cap, no address_count'
        : null
    return count === embedded.length
      ? null
      : `${embedded.length} addresses embedded, address_count ${count}`
  },
  oddnessOf(customer, addresses) {
    const count = addressCountOf(customer)
    return count !== undefined && addresses.length < count
      ? `${addresses.length} addresses for a customer whose address_count is ${count}`
      : null
  },
}
