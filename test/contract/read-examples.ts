// The mirror's own readers applied to one contract example: each object becomes a row (orders
// with the children their embedded consignments give) or is set aside with the reader's reason,
// as a sweep would set it aside (docs/bigcommerce-api.md, "Contract fixtures").
import { BigCommerceDataError } from '../../src/bigcommerce/errors.ts'
import { readListAnswer } from '../../src/bigcommerce/list-answer.ts'
import { pick } from '../../src/bigcommerce/validate.ts'
import type { ResourceName } from '../../src/db/schema.ts'
import { RESOURCES } from '../../src/resources/index.ts'
import {
  childrenFromConsignments,
  toCouponRow,
  toLineRow,
  toShippingAddressRow,
  type ChildRow,
} from '../../src/resources/order-children.ts'
import type { ResourceRow } from '../../src/resources/types.ts'

export type Outcome =
  | { kind: 'row'; table: ResourceName; row: ResourceRow }
  | { kind: 'child'; table: string; row: ChildRow }
  | { kind: 'count'; count: number }
  | { kind: 'set-aside'; reason: string }
  /** Embedded line items the sweep does not trust: it reads that order's /products instead. */
  | { kind: 'read-per-order'; reason: string }

/** Runs `read`: a BigCommerceDataError is the reader setting the object aside; else a crash. */
function attempt(read: () => Outcome | Outcome[]): Outcome[] {
  try {
    return [read()].flat()
  } catch (error) {
    if (error instanceof BigCommerceDataError) return [{ kind: 'set-aside', reason: error.message }]
    throw error
  }
}

const rows = (table: ResourceName, items: unknown[]): Outcome[] =>
  items.flatMap((item) =>
    attempt(() => ({ kind: 'row', table, row: RESOURCES[table].toRow(item) })),
  )

const children = (table: string, items: unknown[], read: (item: unknown) => ChildRow) =>
  items.flatMap((item) => attempt(() => ({ kind: 'child', table, row: read(item) })))

/** An order as a sweep reads it: its row, with children when its consignments are embedded. */
function readOrder(item: unknown): Outcome[] {
  return attempt(() => {
    const row = RESOURCES.orders.toRow(item)
    const embedded = childrenFromConsignments(item)
    if (embedded) row.children = embedded.children
    const outcome: Outcome = { kind: 'row', table: 'orders', row }
    return embedded?.doubt ? [outcome, { kind: 'read-per-order', reason: embedded.doubt }] : outcome
  })
}

/** Consignments as an order embeds them: the child rows a sweep writes from them. */
function readConsignments(consignments: unknown): Outcome[] {
  return attempt(() => {
    const embedded = childrenFromConsignments({ consignments })
    if (!embedded) return { kind: 'set-aside', reason: 'consignments not embedded' }
    const rows = Object.entries(embedded.children).flatMap(([table, list]) =>
      (list ?? []).map((row): Outcome => ({ kind: 'child', table, row })),
    )
    return embedded.doubt ? [...rows, { kind: 'read-per-order', reason: embedded.doubt }] : rows
  })
}

function readCount(body: unknown): Outcome[] {
  const count = pick(body, 'count')
  return typeof count === 'number'
    ? [{ kind: 'count', count }]
    : [{ kind: 'set-aside', reason: 'no numeric count' }]
}

const v2 = (path: string, body: unknown) => readListAnswer(path, 'v2', { status: 200, body }).items
const v3 = (path: string, body: unknown) => readListAnswer(path, 'v3', { status: 200, body }).items

/** Readers by the endpoint an example names: the answers the mirror turns into rows. */
const READERS: Record<string, (body: unknown) => Outcome[]> = {
  'GET /v2/orders': (body) => v2('/v2/orders', body).flatMap(readOrder),
  'GET /v2/orders/{order_id}': readOrder,
  'GET /v2/orders/count': readCount,
  'GET /v2/orders/{order_id}/products': (body) =>
    children('order_products', v2('/v2/orders/1/products', body), toLineRow),
  'GET /v2/orders/{order_id}/shipping_addresses': (body) =>
    children(
      'order_shipping_addresses',
      v2('/v2/orders/1/shipping_addresses', body),
      toShippingAddressRow,
    ),
  'GET /v2/orders/{order_id}/coupons': (body) =>
    children('order_coupons', v2('/v2/orders/1/coupons', body), toCouponRow),
  // The mirror reads consignments embedded in the order (include=consignments.line_items).
  'GET /v2/orders/{order_id}/consignments': readConsignments,
  'GET /v2/coupons': (body) => rows('coupons', v2('/v2/coupons', body)),
  'GET /v2/coupons/count': readCount,
  'GET /v3/customers': (body) => rows('customers', v3('/v3/customers', body)),
  'GET /v3/catalog/products': (body) => rows('products', v3('/v3/catalog/products', body)),
  'GET /v3/catalog/products/{product_id}': (body) => rows('products', [pick(body, 'data')]),
}

export const hasRowReader = (endpoint: string) => endpoint in READERS

/** What the mirror makes of one example; throws only where a reader would crash. */
export function readExample(endpoint: string, body: unknown): Outcome[] {
  const read = READERS[endpoint]
  if (!read) throw new Error(`no reader for ${endpoint}`)
  return read(body)
}
