// An order's children (line items, addresses, consignments, coupons) as the store holds them, and
// the merchant's edits of them. Every edit recomputes the order's totals, bumps its date_modified
// and reports store/order/updated, as the store does. This models v2 orders' own rules, so it
// names the resource.
import type { SimRecord } from '../generate.ts'
import {
  applyDiscount,
  generateOrderChildren,
  makeCoupon,
  makeLine,
  removeDiscount,
  renderConsignments,
  type ConsignmentIdMode,
  type ConsignmentKind,
  type SimOrderChildren,
} from '../order-children.ts'
import { archive } from './mutations.ts'
import { render } from './render.ts'
import {
  emit,
  fieldsOf,
  materialise,
  requireRecord,
  touch,
  type Fields,
  type StateCore,
} from './tables.ts'

/** The children a mutation changed, or else those generated from the order's seed. */
export function childrenOf(core: StateCore, id: number): SimOrderChildren {
  const record = requireRecord(core, 'orders', id)
  const held = core.orderChildren.get(record)
  if (held) return held
  const discount = Number(fieldsOf(core, 'orders', record).coupon_discount)
  return generateOrderChildren(core.context, id, discount)
}

/**
 * Changes an order's children, then bumps its date_modified and says so, as the store does
 * (`event`: the webhook that tells; a shipment tells only `store/shipment/created`).
 */
function editChildren<T>(
  core: StateCore,
  orderId: number,
  change: (children: SimOrderChildren) => T,
  event: (result: T) => [string, Record<string, unknown>] = () => [
    'store/order/updated',
    { type: 'order', id: orderId },
  ],
): T {
  const record = requireRecord(core, 'orders', orderId)
  const children = childrenOf(core, orderId)
  core.orderChildren.set(record, children)
  const result = change(children)
  const fields = materialise(core, 'orders', record)
  fields.items_total = children.lines.reduce((n, l) => n + Number(l.item.quantity), 0)
  const discount = children.coupons.reduce((n, c) => n + Number(c.discount), 0)
  fields.coupon_discount = discount.toFixed(4)
  if (children.shipments)
    fields.items_shipped = children.lines.reduce((n, l) => n + Number(l.item.quantity_shipped), 0)
  touch(core, 'orders', record)
  emit(core, ...event(result))
  return result
}

/** Ships every unshipped unit of the order's lines; returns the shipment's id. */
function ship(children: SimOrderChildren, orderId: number): number {
  for (const { item } of children.lines) item.quantity_shipped = Number(item.quantity)
  children.addresses.forEach((address, slot) => {
    const lines = children.lines.filter((l) => l.kind === 'shipping' && l.slot === slot)
    address.items_shipped = lines.reduce((n, l) => n + Number(l.item.quantity), 0)
  })
  children.shipments = (children.shipments ?? 0) + 1
  return orderId * 100 + children.shipments
}

const lineOf = (children: SimOrderChildren, lineId: number) => {
  const line = children.lines.find((l) => l.item.id === lineId)
  if (!line) throw new Error(`sim: no line item ${lineId}`)
  return line
}

/** Sets a line item's quantity (and its totals). */
function setQuantity(children: SimOrderChildren, lineId: number, quantity: number) {
  const item = lineOf(children, lineId).item
  const price = Number(item.price_ex_tax)
  Object.assign(item, {
    quantity,
    base_total: (price * quantity).toFixed(4),
    total_ex_tax: (price * quantity).toFixed(4),
    total_inc_tax: (price * quantity * 1.0825).toFixed(4),
  })
}

/** Adds a line item to a consignment (default: the first shipping one); returns its id. */
function addLine(
  children: SimOrderChildren,
  orderId: number,
  where: { kind?: ConsignmentKind; slot?: number },
): number {
  const kind = where.kind ?? (children.addresses.length > 0 ? 'shipping' : 'pickup')
  const slot = where.slot ?? 0
  const addressId = kind === 'shipping' ? Number(children.addresses[slot]?.id ?? 0) : 0
  const id = children.nextLineId++
  const rng = () => ((id * 2654435761) >>> 0) / 4294967296
  children.lines.push({ kind, slot, item: makeLine(orderId, id, rng, kind, addressId) })
  return id
}

/** A change a merchant might make to an order's first line item (its quantity). */
export function sampleLineEdit(core: StateCore, orderId: number, n: number): boolean {
  const first = childrenOf(core, orderId).lines[0]
  if (!first) return false
  editChildren(core, orderId, (children) =>
    setQuantity(children, Number(first.item.id), 1 + (n % 4)),
  )
  return true
}

type CouponInput = { code: string; discount: number; type?: number }

/** Applies a coupon; returns the applied coupon's id (not the coupon's own coupon_id). */
function addCoupon(children: SimOrderChildren, orderId: number, coupon: CouponInput): number {
  const id = Math.max(orderId * 10, ...children.coupons.map((c) => Number(c.id))) + 1
  children.coupons.push(makeCoupon(orderId, id, coupon.code, coupon.discount, coupon.type ?? 2))
  applyDiscount(children, coupon.code, coupon.discount)
  return id
}

function removeCoupon(children: SimOrderChildren, orderId: number, appliedId: number) {
  const gone = children.coupons.find((c) => c.id === appliedId)
  if (!gone) throw new Error(`sim: order ${orderId} has no applied coupon ${appliedId}`)
  children.coupons = children.coupons.filter((c) => c !== gone)
  removeDiscount(children, String(gone.code))
}

export const orderEditOps = (core: StateCore) => ({
  /** Archive an order: is_deleted true and a new date_modified, like the control panel does. */
  archiveOrder: (id: number) => archive(core, 'orders', id),
  /** An order's line items, addresses, consignments and coupons as the store holds them now. */
  orderChildren: (orderId: number) => childrenOf(core, orderId),
  /** An order as `include=consignments.line_items&consignment_structure=object` returns it. */
  renderOrderWithConsignments(record: SimRecord, idMode: ConsignmentIdMode = 'address'): Fields {
    const full = render(core, 'orders', record)
    const children = childrenOf(core, record.id)
    full.consignments = renderConsignments(children, core.context.storeUrl, {
      lineItems: true,
      idMode,
    })
    return full
  },
  /** Sets a line item's quantity (and its totals). */
  editLineQuantity(orderId: number, lineId: number, quantity: number) {
    editChildren(core, orderId, (children) => setQuantity(children, lineId, quantity))
  },
  removeLine(orderId: number, lineId: number) {
    editChildren(core, orderId, (children) => {
      children.lines = children.lines.filter((l) => l.item !== lineOf(children, lineId).item)
    })
  },
  /** Adds a line item to a consignment (default: the first shipping one); returns its id. */
  addLine: (orderId: number, where: { kind?: ConsignmentKind; slot?: number } = {}) =>
    editChildren(core, orderId, (children) => addLine(children, orderId, where)),
  /** Applies a coupon; returns the applied coupon's id (not the coupon's own coupon_id). */
  addCoupon: (orderId: number, coupon: CouponInput) =>
    editChildren(core, orderId, (children) => addCoupon(children, orderId, coupon)),
  /**
   * Ships the order's lines (quantity_shipped, items_shipped); the store tells only
   * `store/shipment/created` with `data.orderId`. Returns the shipment's id.
   */
  shipOrder: (orderId: number) =>
    editChildren(
      core,
      orderId,
      (children) => ship(children, orderId),
      (id): [string, Record<string, unknown>] => [
        'store/shipment/created',
        { type: 'shipment', id, orderId },
      ],
    ),
  removeCoupon(orderId: number, appliedId: number) {
    editChildren(core, orderId, (children) => removeCoupon(children, orderId, appliedId))
  },
})
