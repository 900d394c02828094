// An order's children in the simulated store: line items (the `orderProducts` schema), shipping
// addresses, consignments (shipping, pickups, downloads, email gift certificates) and applied
// coupons, generated from (seed, order id) like the other fields, and rendered in each shape the
// v2 API answers with (docs/bigcommerce-api.md). Money is a 4-dp string on line items,
// shipping addresses and coupons, and a number on consignments, as the spec's schemas say.
//
// The parts live in ./order-children/: parts.ts (line items, addresses, pickups, coupons) and
// render.ts (the v2 shapes).
import { createRng, mixSeed, type GenerateContext } from './generate.ts'
import { money, pickFrom as pick, randomInt as int } from './generate/random.ts'
import { makeAddress, makeCoupon, makeLine, makePickup } from './order-children/parts.ts'

export { makeCoupon, makeLine } from './order-children/parts.ts'
export { allLines, renderConsignments, renderShippingAddresses } from './order-children/render.ts'

export type ConsignmentKind = 'shipping' | 'pickup' | 'download' | 'gift'

/** A line item and the consignment it belongs to (kind and slot within that kind). */
export interface SimLine {
  kind: ConsignmentKind
  slot: number
  item: Record<string, unknown>
}

export interface SimOrderChildren {
  lines: SimLine[]
  /** One per shipping consignment (slot = index); `id` is the shipping address id. */
  addresses: Array<Record<string, unknown>>
  pickups: Array<Record<string, unknown>>
  /** At most one. */
  downloads: Array<Record<string, unknown>>
  gifts: Array<Record<string, unknown>>
  coupons: Array<Record<string, unknown>>
  /** The next line item id to hand out (ids are unique across the store). */
  nextLineId: number
  /** Shipments made so far (shipOrder). */
  shipments?: number
}

/** How a shipping consignment's id relates to its address id: the spec does not say. */
export type ConsignmentIdMode = 'address' | 'own'

/** How embedded consignments carry their line items (see SimStoreOptions). */
export type ConsignmentLineItems = 'objects' | 'links' | 'absent'

// Line ids are unique across the store: each order owns a block of this many.
export const LINE_ID_BLOCK = 1000

const COUPON_TYPE_IDS = [0, 1, 2, 3, 4, 5]

/** The order's consignments: shipping addresses (or a pickup), maybe a download and a gift. */
function addConsignments(out: SimOrderChildren, id: number, rng: () => number) {
  const roll = rng()
  const shippingSlots = roll < 0.12 ? 0 : roll < 0.22 ? 2 : 1
  for (let slot = 0; slot < shippingSlots; slot++)
    out.addresses.push(makeAddress(id, id * 10 + slot, rng))
  if (shippingSlots === 0) out.pickups.push(makePickup(id))
  if (rng() < 0.1)
    out.downloads.push({ id: id * 10 + 7, recipient_email: `buyer${id}@example.com` })
  if (rng() < 0.08) out.gifts.push({ id: id * 10 + 8, recipient_email: `friend${id}@example.com` })
}

/** Line items for every consignment: 1-3 per address, 1-2 for a pickup, one each otherwise. */
function addLines(out: SimOrderChildren, id: number, rng: () => number) {
  const add = (kind: ConsignmentKind, slot: number) => {
    const addressId = kind === 'shipping' ? Number(out.addresses[slot]?.id ?? 0) : 0
    out.lines.push({ kind, slot, item: makeLine(id, out.nextLineId++, rng, kind, addressId) })
  }
  for (let slot = 0; slot < out.addresses.length; slot++)
    for (let k = int(rng, 1, 3); k > 0; k--) add('shipping', slot)
  if (out.pickups.length > 0) for (let k = int(rng, 1, 2); k > 0; k--) add('pickup', 0)
  if (out.downloads.length > 0) add('download', 0)
  if (out.gifts.length > 0) add('gift', 0)
}

/**
 * The children of order `id`, generated on demand. Kinds per order: most ship to one address,
 * some to two, some are picked up, some carry a download or an emailed gift certificate, so every
 * consignment kind occurs in a few hundred orders. `couponDiscount` is the order's own
 * coupon_discount: the coupons applied add up to it.
 */
export function generateOrderChildren(
  ctx: GenerateContext,
  id: number,
  couponDiscount: number,
): SimOrderChildren {
  const rng = createRng(mixSeed(ctx.seed, id, 6))
  const out: SimOrderChildren = {
    lines: [],
    addresses: [],
    pickups: [],
    downloads: [],
    gifts: [],
    coupons: [],
    nextLineId: id * LINE_ID_BLOCK,
  }
  addConsignments(out, id, rng)
  addLines(out, id, rng)
  if (couponDiscount > 0) {
    const code = `SAVE-${id.toString(36).toUpperCase()}`
    const type = pick(rng, COUPON_TYPE_IDS)
    out.coupons.push(makeCoupon(id, id * 10, code, couponDiscount, type))
    applyDiscount(out, code, couponDiscount)
  }
  return out
}

/** Names a coupon's code on the first line item, as BigCommerce's applied_discounts do. */
export function applyDiscount(children: SimOrderChildren, code: string, amount: number) {
  const first = children.lines[0]?.item
  if (!first) return
  const list = Array.isArray(first.applied_discounts) ? first.applied_discounts : []
  first.applied_discounts = [
    ...list,
    { id: `coupon-${code}`, amount: money(amount), name: code, code, target: 'order' },
  ]
}

/** Removes a coupon code from every line's applied_discounts. */
export function removeDiscount(children: SimOrderChildren, code: string) {
  for (const line of children.lines) {
    const list = line.item.applied_discounts
    if (Array.isArray(list))
      line.item.applied_discounts = list.filter((d: { code?: unknown }) => d.code !== code)
  }
}
