// An order's children in the shapes the v2 API answers with (docs/bigcommerce-api.md):
// shipping addresses with costs as strings, consignments with costs as numbers.
import { money } from '../generate/random.ts'
import type {
  ConsignmentIdMode,
  ConsignmentKind,
  ConsignmentLineItems,
  SimOrderChildren,
} from '../order-children.ts'

export interface ConsignmentRenderOptions {
  /** Embed line items at all (`include=consignments.line_items`). */
  lineItems: boolean
  idMode: ConsignmentIdMode
  /** Line items one consignment embeds at most; null or undefined: all. */
  lineCap?: number | null
  /** Objects (the default), the spec's `{url, resource}` links, or no key at all. */
  lineForm?: ConsignmentLineItems
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
  options: ConsignmentRenderOptions,
) {
  const withLines = (base: Record<string, unknown>, kind: ConsignmentKind, slot: number) => {
    if (!options.lineItems || options.lineForm === 'absent') return base
    const all = linesOf(children, kind, slot)
    const cap = options.lineCap ?? null
    const lines = cap === null ? all : all.slice(0, cap)
    if (options.lineForm !== 'links') return { ...base, line_items: lines }
    const links = lines.map((l) => ({
      url: `${storeUrl}/v2/orders/${l.order_id}/products/${l.id}`,
      resource: `/orders/${l.order_id}/products/${l.id}`,
    }))
    return { ...base, line_items: links }
  }
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
