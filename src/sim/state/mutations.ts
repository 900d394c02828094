// Changes a merchant makes to rows: create, update, delete, archive an order, edit a variant or a
// customer's address. Each bumps date_modified as BigCommerce does and reports its webhook event.
import {
  FIELD_GENERATORS,
  snapshotSpecOf,
  type SimRecord,
  type SimResourceName,
} from '../generate.ts'
import {
  emit,
  forget,
  invalidate,
  materialise,
  nowSeconds,
  requireRecord,
  SINGULAR,
  touch,
  type Fields,
  type StateCore,
} from './tables.ts'

// Some resources listed whole have no webhook events (coupons, brands).
const emits = (name: SimResourceName) => snapshotSpecOf(name)?.events ?? true

/** Create a row (generated fields overridden by `fields`); returns its id. */
function create(core: StateCore, name: SimResourceName, fields: Fields = {}): number {
  const t = core.tables[name]
  const id = typeof fields.id === 'number' ? fields.id : t.nextId
  t.nextId = Math.max(t.nextId, id + 1)
  const now = nowSeconds(core)
  const { id: _ignored, ...rest } = fields
  const record: SimRecord = {
    id,
    created: now,
    modified: now,
    fields: { ...FIELD_GENERATORS[name](core.context, id), ...rest },
  }
  const isAppend = t.idOrder !== null && (t.idOrder.at(-1)?.id ?? 0) < id
  t.byId.set(id, record)
  if (isAppend && t.idOrder) t.idOrder.push(record)
  else t.idOrder = null
  t.modifiedOrder = null
  if (emits(name)) emit(core, `store/${SINGULAR[name]}/created`, { type: SINGULAR[name], id })
  return id
}

/** Change fields and bump date_modified. */
function update(core: StateCore, name: SimResourceName, id: number, patch: Fields) {
  const record = requireRecord(core, name, id)
  const fields = materialise(core, name, record)
  const previousStatus = fields.status_id
  Object.assign(fields, patch)
  touch(core, name, record)
  if (!emits(name)) return
  emit(core, `store/${SINGULAR[name]}/updated`, { type: SINGULAR[name], id })
  if (name === 'orders' && 'status_id' in patch && patch.status_id !== previousStatus) {
    emit(core, 'store/order/statusUpdated', {
      type: 'order',
      id,
      status: { previous_status_id: previousStatus, new_status_id: patch.status_id },
    })
  }
}

function remove(core: StateCore, name: SimResourceName, id: number): boolean {
  const t = core.tables[name]
  if (!t.byId.delete(id)) return false
  if (name === 'orders') core.orderChildren.delete(id)
  forget(core, name, id)
  invalidate(core, name, true)
  // BigCommerce documents no order-deleted event (orders are archived); the others have one.
  if (name !== 'orders' && emits(name)) {
    emit(core, `store/${SINGULAR[name]}/deleted`, { type: SINGULAR[name], id })
  }
  return true
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
  emit(core, 'store/sku/updated', {
    type: 'sku',
    id: variantId,
    sku: { product_id: productId, variant_id: variantId },
  })
}

/** Edit one address of a customer; bumps the customer's date_modified. */
function updateAddress(core: StateCore, customerId: number, addressId: number, patch: Fields) {
  const record = requireRecord(core, 'customers', customerId)
  const address = entryWithId(materialise(core, 'customers', record).addresses, addressId)
  if (!address) throw new Error(`sim: customer ${customerId} has no address ${addressId}`)
  Object.assign(address, patch)
  touch(core, 'customers', record)
  emit(core, 'store/customer/address/updated', {
    type: 'customer',
    id: addressId,
    address: { customer_id: customerId },
  })
}

export const mutationOps = (core: StateCore) => ({
  /** Create a row (generated fields overridden by `fields`); returns its id. */
  create: (name: SimResourceName, fields: Fields = {}) => create(core, name, fields),
  /** Change fields and bump date_modified. */
  update: (name: SimResourceName, id: number, patch: Fields) => update(core, name, id, patch),
  delete: (name: SimResourceName, id: number) => remove(core, name, id),
  /** Archive an order: is_deleted true and a new date_modified, like the control panel does. */
  archiveOrder(id: number) {
    const record = requireRecord(core, 'orders', id)
    materialise(core, 'orders', record).is_deleted = true
    touch(core, 'orders', record)
    emit(core, 'store/order/archived', { type: 'order', id })
  },
  /** Edit one variant (a SKU); whether the product's date_modified moves is a store option. */
  updateVariant: (productId: number, variantId: number, patch: Fields) =>
    updateVariant(core, productId, variantId, patch),
  /** Edit one address of a customer; bumps the customer's date_modified. */
  updateAddress: (customerId: number, addressId: number, patch: Fields) =>
    updateAddress(core, customerId, addressId, patch),
})
