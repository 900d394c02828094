// Adding and removing a product's variants and a customer's addresses, as a merchant does. Each
// reports its webhook event (`store/sku/*`, `store/customer/address/*`, whose `id` is the
// address id); a customer's address_count follows its address book. Edits of one variant or
// address are in mutations.ts.
import { emit, materialise, requireRecord, touch, type Fields, type StateCore } from './tables.ts'

/** An id for a new child: above the generated ones (parent id × 10 + k) and its siblings'. */
function nextIdIn(list: Fields[]): number {
  return Math.max(900_000_000, ...list.map((entry) => Number(entry.id) || 0)) + 1
}

function listOf(fields: Fields, key: string): Fields[] {
  const list = fields[key]
  if (Array.isArray(list)) return list as Fields[]
  const fresh: Fields[] = []
  fields[key] = fresh
  return fresh
}

function skuEvent(core: StateCore, verb: string, productId: number, variantId: number) {
  emit(core, `store/sku/${verb}`, {
    type: 'sku',
    id: variantId,
    sku: { product_id: productId, variant_id: variantId },
  })
}

function addVariant(core: StateCore, productId: number, patch: Fields): number {
  const record = requireRecord(core, 'products', productId)
  const fields = materialise(core, 'products', record)
  const variants = listOf(fields, 'variants')
  const id = typeof patch.id === 'number' ? patch.id : nextIdIn(variants)
  variants.push({
    id,
    product_id: productId,
    sku: `${String(fields.sku)}-V${id}`,
    sku_id: id,
    price: null,
    calculated_price: fields.price,
    inventory_level: 0,
    is_free_shipping: false,
    purchasing_disabled: false,
    option_values: [{ id, label: `V${id}`, option_id: 7, option_display_name: 'Size' }],
    ...patch,
  })
  if (core.variantEditsBumpProduct) touch(core, 'products', record)
  skuEvent(core, 'created', productId, id)
  return id
}

/** Takes the child `id` out of its parent's list; a missing one is a mistake in the caller. */
function removeChild(list: Fields[], id: number, missing: string) {
  const at = list.findIndex((child) => child.id === id)
  if (at < 0) throw new Error(`sim: ${missing} ${id}`)
  list.splice(at, 1)
}

function removeVariant(core: StateCore, productId: number, variantId: number) {
  const record = requireRecord(core, 'products', productId)
  const fields = materialise(core, 'products', record)
  removeChild(listOf(fields, 'variants'), variantId, `product ${productId} has no variant`)
  if (core.variantEditsBumpProduct) touch(core, 'products', record)
  skuEvent(core, 'deleted', productId, variantId)
}

function addressEvent(core: StateCore, verb: string, customerId: number, addressId: number) {
  emit(core, `store/customer/address/${verb}`, {
    type: 'customer',
    id: addressId,
    address: { customer_id: customerId },
  })
}

function addAddress(core: StateCore, customerId: number, patch: Fields): number {
  const record = requireRecord(core, 'customers', customerId)
  const fields = materialise(core, 'customers', record)
  const addresses = listOf(fields, 'addresses')
  const id = typeof patch.id === 'number' ? patch.id : nextIdIn(addresses)
  addresses.push({
    id,
    customer_id: customerId,
    first_name: fields.first_name,
    last_name: fields.last_name,
    company: '',
    address1: `${id} Added Street`,
    address2: '',
    city: 'Springfield',
    state_or_province: 'Illinois',
    postal_code: '62701',
    country: 'United States',
    country_code: 'US',
    phone: '',
    address_type: 'residential',
    ...patch,
  })
  fields.address_count = addresses.length
  touch(core, 'customers', record)
  addressEvent(core, 'created', customerId, id)
  return id
}

function removeAddress(core: StateCore, customerId: number, addressId: number) {
  const record = requireRecord(core, 'customers', customerId)
  const fields = materialise(core, 'customers', record)
  const addresses = listOf(fields, 'addresses')
  removeChild(addresses, addressId, `customer ${customerId} has no address`)
  fields.address_count = addresses.length
  touch(core, 'customers', record)
  addressEvent(core, 'deleted', customerId, addressId)
}

export const childEditOps = (core: StateCore) => ({
  /** Add a variant (a SKU) to a product; returns its id. */
  addVariant: (productId: number, patch: Fields = {}) => addVariant(core, productId, patch),
  /** Delete one variant of a product. */
  removeVariant: (productId: number, variantId: number) =>
    removeVariant(core, productId, variantId),
  /** Add an address to a customer's address book; returns its id. */
  addAddress: (customerId: number, patch: Fields = {}) => addAddress(core, customerId, patch),
  /** Delete one address of a customer. */
  removeAddress: (customerId: number, addressId: number) =>
    removeAddress(core, customerId, addressId),
})
