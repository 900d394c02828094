// An order's children in the simulated store: line items (the `orderProducts` schema), shipping
// addresses, consignments (shipping, pickups, downloads, email gift certificates) and applied
// coupons, generated from (seed, order id) like the other fields, and rendered in each shape the
// v2 API answers with (bigcommerce-api.md §2.1 and §9.1). Money is a 4-dp string on line items,
// shipping addresses and coupons, and a number on consignments, as the spec's schemas say.
import { createRng, mixSeed, type GenerateContext } from './generate.ts'

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
}

/** How a shipping consignment's id relates to its address id: the spec does not say. */
export type ConsignmentIdMode = 'address' | 'own'

const money = (value: number) => value.toFixed(4)
const int = (rng: () => number, min: number, max: number) =>
  min + Math.floor(rng() * (max - min + 1))
const pick = <T>(rng: () => number, list: readonly T[]): T =>
  list[Math.floor(rng() * list.length)] as T

const CITIES: Array<[string, string, string, string, string]> = [
  ['Austin', 'Texas', '78701', 'United States', 'US'],
  ['Portland', 'Oregon', '97205', 'United States', 'US'],
  ['Toronto', 'Ontario', 'M5H 2N2', 'Canada', 'CA'],
  ['Manchester', 'Greater Manchester', 'M1 1AE', 'United Kingdom', 'GB'],
  ['Lyon', 'Rhone', '69001', 'France', 'FR'],
  ['Melbourne', 'Victoria', '3000', 'Australia', 'AU'],
]
const NAMES = [
  'Ada Abbott',
  'Ben Bauer',
  'Chloe Costa',
  'Dev Diaz',
  'Elena Eriksen',
  'Farid Fischer',
]
const METHODS = ['Flat Rate', 'Free Shipping', 'UPS Ground', 'USPS Priority', 'FedEx 2Day']
// Line ids are unique across the store: each order owns a block of this many.
export const LINE_ID_BLOCK = 1000

/** A line item in the `orderProducts` shape. */
export function makeLine(
  orderId: number,
  id: number,
  rng: () => number,
  kind: ConsignmentKind,
  orderAddressId: number,
): Record<string, unknown> {
  const productId = int(rng, 1, 500)
  const variant = int(rng, 0, 2)
  const quantity = int(rng, 1, 4)
  const price = Math.round(rng() * 9000 + 500) / 100
  const type = kind === 'download' ? 'digital' : kind === 'gift' ? 'giftcertificate' : 'physical'
  return {
    id,
    order_id: orderId,
    product_id: kind === 'gift' ? 0 : productId,
    variant_id: kind === 'gift' ? 0 : productId * 10 + variant,
    order_address_id: orderAddressId,
    name: kind === 'gift' ? 'Gift Certificate' : `Product ${productId}`,
    name_customer: kind === 'gift' ? 'Gift Certificate' : `Product ${productId}`,
    name_merchant: kind === 'gift' ? 'Gift Certificate' : `Product ${productId}`,
    sku:
      kind === 'gift'
        ? ''
        : `SKU-${String(productId).padStart(6, '0')}${variant ? `-${variant}` : ''}`,
    upc: '',
    type,
    base_price: money(price),
    price_ex_tax: money(price),
    price_inc_tax: money(price * 1.0825),
    price_tax: money(price * 0.0825),
    base_total: money(price * quantity),
    total_ex_tax: money(price * quantity),
    total_inc_tax: money(price * quantity * 1.0825),
    total_tax: money(price * quantity * 0.0825),
    quantity,
    base_cost_price: money(price * 0.45),
    cost_price_inc_tax: money(price * 0.45),
    cost_price_ex_tax: money(price * 0.45),
    weight: type === 'physical' ? 1.5 : 0,
    is_refunded: false,
    quantity_refunded: 0,
    refund_amount: money(0),
    return_id: 0,
    quantity_shipped: 0,
    fixed_shipping_cost: money(0),
    option_set_id: null,
    parent_order_product_id: null,
    is_bundled_product: false,
    bin_picking_number: '',
    external_id: null,
    fulfillment_source: '',
    brand: '',
    gift_certificate_id: kind === 'gift' ? id : null,
    applied_discounts: [],
    product_options: variant
      ? [
          {
            id: id * 10,
            option_id: 7,
            order_product_id: id,
            product_option_id: 70 + variant,
            display_name: 'Size',
            display_value: ['S', 'M', 'L'][variant],
            value: String(70 + variant),
            type: 'Multiple choice',
            name: 'Size',
            display_style: 'Dropdown',
          },
        ]
      : [],
    configurable_fields: [],
  }
}

function makeAddress(orderId: number, id: number, rng: () => number) {
  const [city, state, zip, country, iso2] = pick(rng, CITIES)
  const [first, last] = pick(rng, NAMES).split(' ') as [string, string]
  const cost = rng() < 0.3 ? 0 : Math.round(rng() * 1500 + 300) / 100
  return {
    id,
    order_id: orderId,
    first_name: first,
    last_name: last,
    company: '',
    street_1: `${int(rng, 1, 999)} Market St`,
    street_2: '',
    city,
    zip,
    country,
    country_iso2: iso2,
    state,
    email: `${first}.${last}${orderId}@example.com`.toLowerCase(),
    phone: `555-01${String(int(rng, 0, 99)).padStart(2, '0')}`,
    items_total: 0,
    items_shipped: 0,
    shipping_method: pick(rng, METHODS),
    base_cost: cost,
    cost_ex_tax: cost,
    cost_inc_tax: cost,
    cost_tax: 0,
    cost_tax_class_id: 2,
    base_handling_cost: 0,
    handling_cost_ex_tax: 0,
    handling_cost_inc_tax: 0,
    handling_cost_tax: 0,
    handling_cost_tax_class_id: 2,
    shipping_zone_id: 1,
    shipping_zone_name: country,
    form_fields: [],
  }
}

const COUPON_TYPE_IDS = [0, 1, 2, 3, 4, 5]

export function makeCoupon(
  orderId: number,
  id: number,
  code: string,
  discount: number,
  type: number,
) {
  return {
    id,
    coupon_id: 100 + (id % 50),
    order_id: orderId,
    code,
    amount: money(type === 1 ? 10 : discount),
    type,
    discount: money(discount),
  }
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
  const roll = rng()
  const shippingSlots = roll < 0.12 ? 0 : roll < 0.22 ? 2 : 1
  for (let slot = 0; slot < shippingSlots; slot++)
    out.addresses.push(makeAddress(id, id * 10 + slot, rng))
  if (shippingSlots === 0) {
    out.pickups.push({
      id: id * 10 + 5,
      pickup_method_id: 1,
      pickup_method_display_name: 'Collect in store',
      collection_instructions: 'Bring your order number.',
      collection_time_description: 'Ready in 2 hours',
      location: {
        id: 1,
        name: 'Main St store',
        code: 'MAIN',
        address_line_1: '1 Main St',
        address_line_2: '',
        city: 'Austin',
        state: 'Texas',
        postal_code: '78701',
        country_alpha2: 'US',
        email: 'store@example.com',
        phone: '555-0100',
      },
    })
  }
  if (rng() < 0.1)
    out.downloads.push({ id: id * 10 + 7, recipient_email: `buyer${id}@example.com` })
  if (rng() < 0.08) out.gifts.push({ id: id * 10 + 8, recipient_email: `friend${id}@example.com` })

  const add = (kind: ConsignmentKind, slot: number) => {
    const addressId = kind === 'shipping' ? Number(out.addresses[slot]?.id ?? 0) : 0
    out.lines.push({ kind, slot, item: makeLine(id, out.nextLineId++, rng, kind, addressId) })
  }
  for (let slot = 0; slot < shippingSlots; slot++)
    for (let k = int(rng, 1, 3); k > 0; k--) add('shipping', slot)
  if (out.pickups.length > 0) for (let k = int(rng, 1, 2); k > 0; k--) add('pickup', 0)
  if (out.downloads.length > 0) add('download', 0)
  if (out.gifts.length > 0) add('gift', 0)

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

function linesOf(children: SimOrderChildren, kind: ConsignmentKind, slot: number) {
  return children.lines.filter((l) => l.kind === kind && l.slot === slot).map((l) => l.item)
}

/** `GET /v2/orders/{id}/shipping_addresses` items: costs as strings, a quotes link. */
export function renderShippingAddresses(children: SimOrderChildren, storeUrl: string) {
  return children.addresses.map((address, slot) => {
    const lines = linesOf(children, 'shipping', slot)
    const out: Record<string, unknown> = {
      ...address,
      items_total: lines.reduce((n, l) => n + Number(l.quantity), 0),
    }
    for (const key of Object.keys(out))
      if (/cost/.test(key) && !/class_id/.test(key)) out[key] = money(Number(out[key]))
    out.shipping_quotes = {
      url: `${storeUrl}/v2/orders/${address.order_id}/shipping_addresses/${address.id}/shipping_quotes`,
      resource: `/orders/${address.order_id}/shipping_addresses/${address.id}/shipping_quotes`,
    }
    return out
  })
}

/**
 * The consignments object (`consignment_structure=object`). A shipping consignment carries its
 * address, costs as numbers and no order_id; its id is the address id or one of its own.
 */
export function renderConsignments(
  children: SimOrderChildren,
  storeUrl: string,
  options: { lineItems: boolean; idMode: ConsignmentIdMode },
) {
  const withLines = (base: Record<string, unknown>, kind: ConsignmentKind, slot: number) =>
    options.lineItems ? { ...base, line_items: linesOf(children, kind, slot) } : base
  const shipping = children.addresses.map((address, slot) => {
    const { order_id: orderId, ...rest } = address
    const lines = linesOf(children, 'shipping', slot)
    const id = options.idMode === 'address' ? address.id : slot + 1
    return withLines(
      {
        ...rest,
        id,
        items_total: lines.reduce((n, l) => n + Number(l.quantity), 0),
        shipping_quotes: {
          url: `${storeUrl}/v2/orders/${orderId}/shipping_addresses/${address.id}/shipping_quotes`,
          resource: `/orders/${orderId}/shipping_addresses/${address.id}/shipping_quotes`,
        },
      },
      'shipping',
      slot,
    )
  })
  const nonEmpty = (list: Array<Record<string, unknown>>, kind: ConsignmentKind) =>
    list.flatMap((c, slot) =>
      linesOf(children, kind, slot).length > 0 ? [withLines(c, kind, slot)] : [],
    )
  return {
    shipping,
    pickups: nonEmpty(children.pickups, 'pickup'),
    downloads: nonEmpty(children.downloads, 'download'),
    email: { gift_certificates: nonEmpty(children.gifts, 'gift') },
  }
}

export function allLines(children: SimOrderChildren) {
  return children.lines.map((l) => l.item)
}
