// An order's children as rows: line items (`order_products`), shipping addresses
// (`order_shipping_addresses`) and applied coupons (`order_coupons`), read from the consignments
// that `include=consignments.line_items&consignment_structure=object` embeds in the order, or from
// the per-order endpoints when the store sent consignments as a link (docs/bigcommerce-api.md,
// "Orders' children").
//
// A shipping consignment becomes an address row keyed by the shipping address id, so that rows
// from consignments and rows from `/shipping_addresses` agree and `order_products.order_address_id`
// joins to `order_shipping_addresses.id` either way. The spec does not say whether a consignment's
// id is that address id: the address id is taken from its line items' `order_address_id` when they
// all name one, and the consignment's own id otherwise; the consignment id is kept in its column.
import { z } from 'zod'
import type { ChildRow, ChildSets } from '../db/rows.ts'
import { parseApiObject, pick } from '../bigcommerce/validate.ts'

export type { ChildRow, ChildSets } from '../db/rows.ts'

const money = z.union([z.string(), z.number()]).nullable().optional()
const optionalInt = z.number().int().nullable().optional()
const optionalText = z.string().nullable().optional()

const lineSchema = z.looseObject({
  id: z.number().int().positive(),
  product_id: optionalInt,
  variant_id: optionalInt,
  order_address_id: optionalInt,
  sku: optionalText,
  name: optionalText,
  quantity: z.number().nullable().optional(),
  price_inc_tax: money,
  total_inc_tax: money,
  type: optionalText,
  applied_discounts: z.array(z.unknown()).nullable().optional(),
})

const addressSchema = z.looseObject({
  id: z.number().int().nonnegative(),
  first_name: optionalText,
  last_name: optionalText,
  city: optionalText,
  state: optionalText,
  zip: optionalText,
  country_iso2: optionalText,
  email: optionalText,
  shipping_method: optionalText,
  // Read as a list only where one is expected: a link or a missing key is a doubt, not an error.
  line_items: z.unknown().optional(),
})

const couponSchema = z.looseObject({
  id: z.number().int().positive(),
  coupon_id: optionalInt,
  code: optionalText,
  type: optionalInt,
  amount: money,
  discount: money,
})

const decimal = (value: string | number | null | undefined) =>
  value === null || value === undefined || value === '' ? null : String(value)
const nonZero = (value: number | null | undefined) => (value ? value : null)

export function toLineRow(item: unknown): ChildRow {
  const line = parseApiObject(lineSchema, item, 'order line item')
  return {
    id: line.id,
    data: item,
    product_id: nonZero(line.product_id),
    variant_id: nonZero(line.variant_id),
    sku: line.sku ?? null,
    name: line.name ?? null,
    quantity: line.quantity ?? null,
    price_inc_tax: decimal(line.price_inc_tax),
    total_inc_tax: decimal(line.total_inc_tax),
    order_address_id: nonZero(line.order_address_id),
    type: line.type ?? null,
  }
}

/** A `/shipping_addresses` item, or a shipping consignment (then `id` is the address id). */
function toAddressRow(item: unknown, id: number, consignmentId: number | null): ChildRow {
  const address = parseApiObject(addressSchema, item, 'order shipping address')
  return {
    id,
    data: item,
    first_name: address.first_name ?? null,
    last_name: address.last_name ?? null,
    city: address.city ?? null,
    state: address.state ?? null,
    zip: address.zip ?? null,
    country_iso2: address.country_iso2 ?? null,
    email: address.email ?? null,
    shipping_method: address.shipping_method ?? null,
    consignment_id: consignmentId,
  }
}

export function toShippingAddressRow(item: unknown): ChildRow {
  const address = parseApiObject(addressSchema, item, 'order shipping address')
  return toAddressRow(item, address.id, null)
}

export function toCouponRow(item: unknown): ChildRow {
  const coupon = parseApiObject(couponSchema, item, 'order coupon')
  return {
    id: coupon.id,
    data: item,
    coupon_id: coupon.coupon_id ?? null,
    code: coupon.code ?? null,
    type: coupon.type ?? null,
    amount: decimal(coupon.amount),
    discount: decimal(coupon.discount),
  }
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : [])

/** The shipping address id a consignment stands for (see the file comment). */
export function addressIdOfConsignment(consignment: unknown): number {
  const parsed = parseApiObject(addressSchema, consignment, 'order shipping consignment')
  const named = new Set<number>()
  for (const line of list(parsed.line_items)) {
    const id = pick(line, 'order_address_id')
    if (typeof id === 'number' && id > 0) named.add(id)
  }
  const [only] = named
  return named.size === 1 && only !== undefined ? only : parsed.id
}

/**
 * The most line items a consignment is taken to embed: they are "the response of
 * `/orders/{id}/products`", whose page holds 50 by default (docs/bigcommerce-api.md, "Orders'
 * children"). A consignment holding exactly this many may have been cut.
 */
export const EMBEDDED_LINE_CAP = 50

/** What an order's embedded consignments say about its children. */
export interface EmbeddedChildren {
  /** Shipping addresses always; line items only when nothing casts doubt on them. */
  children: ChildSets
  /** Why the embedded line items may not be the whole set (read them per order), or null. */
  doubt: string | null
}

/** The spec's other form of `line_items`: a `{url, resource}` link per line, not the line. */
const isLink = (item: unknown) =>
  pick(item, 'id') === undefined &&
  (typeof pick(item, 'resource') === 'string' || typeof pick(item, 'url') === 'string')

/** The order's `items_total` (the total quantity of its items), when it is a number. */
export function itemsTotalOf(order: unknown): number | undefined {
  const total = pick(order, 'items_total')
  return typeof total === 'number' && Number.isFinite(total) ? total : undefined
}

/** The total quantity of line rows. */
export const quantityOf = (lines: ChildRow[]) =>
  lines.reduce((sum, line) => sum + (typeof line.quantity === 'number' ? line.quantity : 0), 0)

/** Line rows from every consignment, and the first doubt about them (see EmbeddedChildren). */
function embeddedLines(order: unknown, holders: unknown[]) {
  const lines = new Map<number, ChildRow>()
  let doubt: string | null = null
  for (const holder of holders) {
    const items = pick(holder, 'line_items')
    if (!Array.isArray(items)) doubt ??= 'a consignment came without a list of line_items'
    else if (items.some(isLink)) doubt ??= 'line items came as links, not as objects'
    else {
      if (items.length === EMBEDDED_LINE_CAP)
        doubt ??= `a consignment holds ${EMBEDDED_LINE_CAP} line items, as many as an embed may`
      for (const item of items) {
        const row = toLineRow(item)
        if (!lines.has(row.id)) lines.set(row.id, row)
      }
    }
  }
  const expected = itemsTotalOf(order)
  const quantity = quantityOf([...lines.values()])
  if (doubt === null && expected !== undefined && quantity < expected)
    doubt = `its line items add up to ${quantity} items, the order's items_total says ${expected}`
  return { lines: [...lines.values()], doubt }
}

/**
 * Line items and shipping addresses from an order's embedded consignments, or null when the
 * order carries consignments as a link (or not at all): the store did not honour `include`.
 * Line items sit in every kind of consignment; only shipping ones carry an address. The stored
 * address row is the consignment without its line items (they are the order_products rows).
 * Line items that may be cut, came as links or are missing are left out, with the doubt.
 */
export function childrenFromConsignments(order: unknown): EmbeddedChildren | null {
  const consignments = pick(order, 'consignments')
  if (!consignments || typeof consignments !== 'object' || Array.isArray(consignments)) return null
  if (
    !('shipping' in consignments) &&
    !('pickups' in consignments) &&
    !('downloads' in consignments)
  ) {
    return null
  }
  const c = consignments as Record<string, unknown>
  const holders = [
    ...list(c.shipping),
    ...list(c.pickups),
    ...list(c.downloads),
    ...list(pick(c, 'email', 'gift_certificates')),
  ]
  const { lines, doubt } = embeddedLines(order, holders)
  const addresses = new Map<number, ChildRow>()
  for (const consignment of list(c.shipping)) {
    const id = addressIdOfConsignment(consignment)
    const consignmentId = pick(consignment, 'id')
    const { line_items: _lines, ...data } = consignment as Record<string, unknown>
    if (!addresses.has(id)) {
      addresses.set(
        id,
        toAddressRow(data, id, typeof consignmentId === 'number' ? consignmentId : null),
      )
    }
  }
  const order_shipping_addresses = [...addresses.values()]
  if (doubt !== null) return { children: { order_shipping_addresses }, doubt }
  return { children: { order_products: lines, order_shipping_addresses }, doubt }
}

/**
 * Whether an order can have applied coupons to read: its coupon_discount is above zero, or a line
 * item's applied_discounts names a code. (A coupon that discounts nothing, e.g. free shipping
 * whose discount lands in the shipping cost, and names no code on a line, is not seen.)
 */
export function mayHaveCoupons(order: unknown, lines: ChildRow[] | undefined): boolean {
  const discount = Number(pick(order, 'coupon_discount') ?? 0)
  if (Number.isFinite(discount) && discount > 0) return true
  for (const line of lines ?? []) {
    for (const applied of list(pick(line.data, 'applied_discounts'))) {
      const code = pick(applied, 'code')
      if (typeof code === 'string' && code !== '') return true
    }
  }
  return false
}
