// Reading an order's children at the least quota. Line items and shipping addresses come free
// with the order when the store embeds consignments; otherwise (the store ignored `include`) they
// are read per order, paged, but only for orders that may have changed. Applied coupons have no
// `include`: one request per order, only for orders that may have changed and can have coupons.
//
// "May have changed": the mirror has no row for the order, or its stored date_modified differs
// from the one just read, or it has no stored rows of that child table yet (orders mirrored
// before this table existed, or whose earlier read failed).
import { sql } from 'drizzle-orm'
import type { BigCommerceClient } from '../bigcommerce/client.ts'
import { BigCommerceDataError } from '../bigcommerce/errors.ts'
import { MAX_PAGE_SIZE } from '../bigcommerce/paging.ts'
import { mapWithConcurrency } from '../util/collections.ts'
import type { Executor } from '../db/database.ts'
import {
  childrenFromConsignments,
  mayHaveCoupons,
  toCouponRow,
  toLineRow,
  toShippingAddressRow,
  type ChildRow,
  type OrderChildren,
} from './order-children.ts'
import type { ChildReadStats, ResourceRow, RowContext } from './types.ts'

export const emptyChildReadStats = (): ChildReadStats => ({
  fallbackOrders: 0,
  productRequests: 0,
  addressRequests: 0,
  couponRequests: 0,
  unreadable: 0,
})

/** Adds `b` into `a`. */
export function addChildReadStats(a: ChildReadStats, b: ChildReadStats | undefined): void {
  if (!b) return
  a.fallbackOrders += b.fallbackOrders
  a.productRequests += b.productRequests
  a.addressRequests += b.addressRequests
  a.couponRequests += b.couponRequests
  a.unreadable += b.unreadable
}

interface Stored {
  modified: number | null
  hasLines: boolean
  hasCoupons: boolean
}

async function readStored(
  db: Executor,
  storeHash: string,
  ids: number[],
): Promise<Map<number, Stored>> {
  const rows = await db.execute<{ id: number; dm: number | null; l: boolean; c: boolean }>(sql`
    select o.id::float8 as id, extract(epoch from o.date_modified)::float8 as dm,
      exists (select 1 from bigcommerce.order_products p where p.store_hash = o.store_hash and p.order_id = o.id) as l,
      exists (select 1 from bigcommerce.order_coupons c where c.store_hash = o.store_hash and c.order_id = o.id) as c
    from bigcommerce.orders o
    where o.store_hash = ${storeHash}
      and o.id in (select value::bigint from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`)
  return new Map(
    rows.map((r) => [
      Number(r.id),
      { modified: r.dm === null ? null : Number(r.dm), hasLines: r.l, hasCoupons: r.c },
    ]),
  )
}

/**
 * Every item of a v2 sub-list of one order, 250 a page until a short page or 204; null when the
 * order answered 404 (it may be gone, or not visible yet: its children are then left as stored).
 */
async function readSubList(
  client: BigCommerceClient,
  path: string,
  count: () => void,
): Promise<unknown[] | null> {
  const items: unknown[] = []
  for (let page = 1; ; page++) {
    const response = await client.request(path, { query: { page, limit: MAX_PAGE_SIZE } })
    count()
    if (response.status === 404) return null
    const body = Array.isArray(response.body) ? response.body : []
    items.push(...body)
    if (body.length < MAX_PAGE_SIZE) return items
  }
}

const seconds = (row: ResourceRow) =>
  row.date_modified ? Math.floor(row.date_modified.getTime() / 1000) : null

/** Rows for each item; an item the mirror cannot read makes the whole set unknown. */
function rowsOf(
  items: unknown[] | null,
  toRow: (item: unknown) => ChildRow,
): ChildRow[] | undefined {
  if (items === null) return undefined
  return items.map(toRow)
}

/**
 * Attaches `children` to order rows (before they are written), spending requests only where the
 * rule above says. An order whose children cannot be read keeps its stored children.
 */
export async function attachOrderChildren(
  ctx: RowContext,
  rows: ResourceRow[],
): Promise<ChildReadStats> {
  const stats = emptyChildReadStats()
  if (rows.length === 0) return stats
  const stored = await readStored(
    ctx.db,
    ctx.storeHash,
    rows.map((r) => r.id),
  )
  // The pacer spaces requests out; this only bounds how many wait at once.
  const concurrency = 64
  await mapWithConcurrency(rows, concurrency, async (row) => {
    const children = await childrenOf(ctx.client, row, stored.get(row.id), stats)
    if (children) row.children = children
  })
  return stats
}

/**
 * The child rows to write with one order; a table left out keeps what is stored. Null when an
 * item cannot be read, so that the order's children stay as stored.
 */
async function childrenOf(
  client: BigCommerceClient,
  row: ResourceRow,
  held: Stored | undefined,
  stats: ChildReadStats,
): Promise<OrderChildren | null> {
  const moved = !held || held.modified !== seconds(row)
  const children: OrderChildren = {}
  try {
    const embedded = childrenFromConsignments(row.data)
    if (embedded) Object.assign(children, embedded)
    else if (moved || !held?.hasLines)
      Object.assign(children, await readLinesAndAddresses(client, row.id, stats))
    const lines = children.order_products
    if (!mayHaveCoupons(row.data, lines)) {
      // Nothing to read: the order says it has no coupon (this also clears a removed one).
      if (lines !== undefined || !held?.hasLines) children.order_coupons = []
    } else if (moved || !held?.hasCoupons) {
      const coupons = await readSubList(
        client,
        `/v2/orders/${row.id}/coupons`,
        () => (stats.couponRequests += 1),
      )
      children.order_coupons = rowsOf(coupons, toCouponRow)
    }
  } catch (error) {
    // One odd child (a malformed item) leaves this order's children as stored; a failed
    // request fails the batch, so that it is retried.
    if (!(error instanceof BigCommerceDataError)) throw error
    stats.unreadable += 1
    return null
  }
  for (const [table, set] of Object.entries(children)) {
    if (set === undefined) delete children[table as keyof OrderChildren]
  }
  return children
}

/** Line items and shipping addresses read per order: the store did not embed consignments. */
async function readLinesAndAddresses(
  client: BigCommerceClient,
  orderId: number,
  stats: ChildReadStats,
): Promise<OrderChildren> {
  stats.fallbackOrders += 1
  const base = `/v2/orders/${orderId}`
  const [lines, addresses] = await Promise.all([
    readSubList(client, `${base}/products`, () => (stats.productRequests += 1)),
    readSubList(client, `${base}/shipping_addresses`, () => (stats.addressRequests += 1)),
  ])
  return {
    order_products: rowsOf(lines, toLineRow),
    order_shipping_addresses: rowsOf(addresses, toShippingAddressRow),
  }
}
