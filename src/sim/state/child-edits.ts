// A product's variants and a customer's addresses added, edited and removed, as a merchant does.
// Each reports its webhook event (`store/sku/*`, `store/customer/address/*`, whose `id` is the
// address id); a customer's address_count follows its address book. This models BigCommerce's
// own rules for these two kinds of children (which events, which parent's date_modified moves),
// so it names the resources.
import type { SimResourceName } from '../generate.ts'
import { sampleLineEdit } from './order-edits.ts'
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

/** The entry with this id in a row's sub-resource list (variants, addresses), if any. */
function entryWithId(list: unknown, id: number): Fields | undefined {
  return Array.isArray(list) ? list.find((entry: { id?: unknown }) => entry.id === id) : undefined
}

/** Edit one variant (a SKU); whether the product's date_modified moves is a store option. */
function updateVariant(core: StateCore, productId: number, variantId: number, patch: Fields) {
  const record = requireRecord(core, 'products', productId)
  const variant = entryWithId(materialise(core, 'products', record).variants, variantId)
  if (!variant) throw new Error(`sim: product ${productId} has no variant ${variantId}`)
  Object.assign(variant, patch)
  if (core.variantEditsBumpProduct) touch(core, 'products', record)
  skuEvent(core, 'updated', productId, variantId)
}

/** Edit one address of a customer; bumps the customer's date_modified. */
function updateAddress(core: StateCore, customerId: number, addressId: number, patch: Fields) {
  const record = requireRecord(core, 'customers', customerId)
  const address = entryWithId(materialise(core, 'customers', record).addresses, addressId)
  if (!address) throw new Error(`sim: customer ${customerId} has no address ${addressId}`)
  Object.assign(address, patch)
  touch(core, 'customers', record)
  addressEvent(core, 'updated', customerId, addressId)
}

/** The id of the first entry of a row's sub-resource list, if it has one. */
function firstIdIn(core: StateCore, name: SimResourceName, id: number, field: string) {
  const list = materialise(core, name, requireRecord(core, name, id))[field]
  const first: unknown = Array.isArray(list) ? list[0] : undefined
  const childId = (first as { id?: unknown } | undefined)?.id
  return typeof childId === 'number' ? childId : undefined
}

/** A change a merchant might make to a row's first child, per resource with children. */
const SAMPLE_CHILD_EDITS: Partial<
  Record<SimResourceName, (core: StateCore, parentId: number, n: number) => boolean>
> = {
  products(core, productId, n) {
    const variantId = firstIdIn(core, 'products', productId, 'variants')
    if (variantId !== undefined)
      updateVariant(core, productId, variantId, { inventory_level: n % 50 })
    return variantId !== undefined
  },
  customers(core, customerId, n) {
    const addressId = firstIdIn(core, 'customers', customerId, 'addresses')
    if (addressId !== undefined)
      updateAddress(core, customerId, addressId, { phone: `555-01${n % 100}` })
    return addressId !== undefined
  },
  orders: sampleLineEdit,
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
  /** Edit one variant (a SKU); whether the product's date_modified moves is a store option. */
  updateVariant: (productId: number, variantId: number, patch: Fields) =>
    updateVariant(core, productId, variantId, patch),
  /** Edit one address of a customer; bumps the customer's date_modified. */
  updateAddress: (customerId: number, addressId: number, patch: Fields) =>
    updateAddress(core, customerId, addressId, patch),
  /** A change a merchant might make to a row's first child; false if it has none. */
  editSampleChild: (name: SimResourceName, parentId: number, n: number) =>
    SAMPLE_CHILD_EDITS[name]?.(core, parentId, n) ?? false,
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
