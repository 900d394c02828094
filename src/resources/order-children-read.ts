// Reading an order's children at the least quota. Line items and shipping addresses come free
// with the order when the store embeds consignments; otherwise (the store ignored `include`), or
// when the embedded lines may be cut (a consignment holds as many as an embed may, or their
// quantities add up to less than the order's items_total), came as links or not at all, they are
// read per order through paged sub-lists, but only for orders that may have changed. Applied
// coupons have no `include`: one request per order, only for orders that may have changed and can
// have coupons. See docs/bigcommerce-api.md, "Orders' children".
//
// "May have changed": the mirror has no row for the order, or its stored date_modified differs
// from the one just read, or it has no stored rows of that child table yet (orders mirrored
// before this table existed, or whose earlier read failed), or its stored lines add up to less
// than its items_total.
import { sql } from 'drizzle-orm'
import type { BigCommerceClient } from '../bigcommerce/client.ts'
import { BigCommerceDataError } from '../bigcommerce/errors.ts'
import { mapWithConcurrency } from '../util/collections.ts'
import type { Executor } from '../db/database.ts'
import { pick } from '../bigcommerce/validate.ts'
import {
  childrenFromConsignments,
  itemsTotalOf,
  mayHaveCoupons,
  toCouponRow,
  toLineRow,
  toShippingAddressRow,
  type ChildRow,
  type ChildSets,
} from './order-children.ts'
import type { ResourceRow, RowContext } from './types.ts'

/**
 * Requests spent on orders' children, per kind, and how often the per-order fallback ran: the
 * orders' ChildReadStats, as EmbeddedChildStats are the embedded children's.
 */
export type OrderChildStats = {
  /** Orders whose line items and addresses were read per order (the store ignored include). */
  fallbackOrders: number
  /**
   * Orders whose embedded line items may have been cut (or came as links, or not at all): their
   * lines were read whole through `/products`.
   */
  completedOrders: number
  productRequests: number
  addressRequests: number
  couponRequests: number
  /** Orders set aside: an answer about their children was odd (order and children as stored). */
  unreadable: number
}

export const emptyOrderChildStats = (): OrderChildStats => ({
  fallbackOrders: 0,
  completedOrders: 0,
  productRequests: 0,
  addressRequests: 0,
  couponRequests: 0,
  unreadable: 0,
})

interface Stored {
  modified: number | null
  hasLines: boolean
  /** The stored lines' total quantity. */
  quantity: number
  hasCoupons: boolean
}

async function readStored(
  db: Executor,
  storeHash: string,
  ids: number[],
): Promise<Map<number, Stored>> {
  type Row = { id: number; dm: number | null; l: boolean; q: number | null; c: boolean }
  const rows = await db.execute<Row>(sql`
    select o.id::float8 as id, extract(epoch from o.date_modified)::float8 as dm,
      exists (select 1 from bigcommerce.order_products p where p.store_hash = o.store_hash and p.order_id = o.id) as l,
      (select sum(p.quantity)::float8 from bigcommerce.order_products p where p.store_hash = o.store_hash and p.order_id = o.id) as q,
      exists (select 1 from bigcommerce.order_coupons c where c.store_hash = o.store_hash and c.order_id = o.id) as c
    from bigcommerce.orders o
    where o.store_hash = ${storeHash}
      and o.id in (select value::bigint from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`)
  return new Map(
    rows.map((r) => [
      Number(r.id),
      {
        modified: r.dm === null ? null : Number(r.dm),
        hasLines: r.l,
        quantity: Number(r.q ?? 0),
        hasCoupons: r.c,
      },
    ]),
  )
}

/**
 * Rows an order's sub-list page is asked for: the documented default, which every store serves,
 * so a page shorter than this is the last (docs/bigcommerce-api.md, "Orders' children").
 */
export const SUB_LIST_PAGE = 50

/**
 * Every item of a v2 sub-list of one order, read until a page is short or empty (204); with
 * `quantity` (the order's items_total), a short page whose lines add up to less is not trusted
 * as the last, and the next page is read. Null when the order answered 404 (it may be gone, or
 * not visible yet: its children are then left as stored). A body that is not a list, or a page
 * that repeats rows already read, is an error for this order.
 */
async function readSubList(
  client: BigCommerceClient,
  path: string,
  count: () => void,
  quantity?: number,
): Promise<unknown[] | null> {
  const items: unknown[] = []
  const ids = new Set<unknown>()
  let quantityRead = 0
  for (let page = 1; ; page++) {
    const response = await client.request(path, { query: { page, limit: SUB_LIST_PAGE } })
    count()
    if (response.status === 404) return null
    const rows = response.body ?? []
    if (!Array.isArray(rows)) throw oddSubList(path, 'with something that is not a list')
    if (rows.length === 0) return items
    const fresh = rows.filter((row) => !ids.has(pick(row, 'id')))
    if (fresh.length === 0) throw oddSubList(path, `page ${page} with rows it had already given`)
    for (const row of fresh) {
      ids.add(pick(row, 'id'))
      const q = pick(row, 'quantity')
      if (typeof q === 'number') quantityRead += q
    }
    items.push(...fresh)
    const short = rows.length < SUB_LIST_PAGE
    if (short && (quantity === undefined || quantityRead >= quantity)) return items
  }
}

const oddSubList = (path: string, what: string) =>
  new BigCommerceDataError(`BigCommerce GET ${path} answered ${what}`, {
    resource: 'order',
    id: null,
  })

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
 * rule above says. An order whose children cannot be read is set aside (`setAside`): neither it
 * nor its stored children are replaced, and it is read again later.
 */
export async function attachOrderChildren(
  ctx: RowContext,
  rows: ResourceRow[],
): Promise<OrderChildStats> {
  const stats = emptyOrderChildStats()
  if (rows.length === 0) return stats
  const stored = await readStored(
    ctx.db,
    ctx.storeHash,
    rows.map((r) => r.id),
  )
  // The pacer spaces requests out; this only bounds how many wait at once.
  const concurrency = 64
  await mapWithConcurrency(rows, concurrency, async (row) => {
    try {
      row.children = await childrenOf(ctx.client, row, stored.get(row.id), stats)
    } catch (error) {
      // An odd answer about one order's children (not a list, a malformed item, no lines where
      // the order counts items) sets that order aside; a failed request fails the batch, so that
      // it is retried.
      if (!(error instanceof BigCommerceDataError)) throw error
      stats.unreadable += 1
      row.setAside = `its children could not be read: ${error.message}`
    }
  })
  return stats
}

/** Whether the stored line items should be read again: see the file comment. */
function linesWanted(row: ResourceRow, held: Stored | undefined): boolean {
  if (!held || held.modified !== seconds(row) || !held.hasLines) return true
  // Lines stored short of the order's items_total (cut by an earlier read) are read again.
  const expected = itemsTotalOf(row.data)
  return expected !== undefined && held.quantity < expected
}

/** The child rows to write with one order; a table left out keeps what is stored. */
async function childrenOf(
  client: BigCommerceClient,
  row: ResourceRow,
  held: Stored | undefined,
  stats: OrderChildStats,
): Promise<ChildSets> {
  const moved = !held || held.modified !== seconds(row)
  const children: ChildSets = {}
  const embedded = childrenFromConsignments(row.data)
  if (!embedded) {
    if (linesWanted(row, held))
      Object.assign(children, await readLinesAndAddresses(client, row, stats))
  } else {
    Object.assign(children, embedded.children)
    // Embedded lines that may be cut, came as links or are missing: read whole per order.
    if (embedded.doubt !== null && linesWanted(row, held)) {
      stats.completedOrders += 1
      children.order_products = await readLines(client, row, stats)
    }
  }
  const lines = children.order_products
  if (!mayHaveCoupons(row.data, lines)) {
    // Nothing to read: the order says it has no coupon (this also clears a removed one).
    if (lines !== undefined || !held?.hasLines) children.order_coupons = []
  } else if (moved || !held?.hasCoupons) {
    const applied = await readSubList(
      client,
      `/v2/orders/${row.id}/coupons`,
      () => (stats.couponRequests += 1),
    )
    children.order_coupons = rowsOf(applied, toCouponRow)
  }
  for (const [table, set] of Object.entries(children)) {
    if (set === undefined) delete children[table as keyof ChildSets]
  }
  return children
}

/**
 * An order's line items through `/products`, paged to the end and checked against its
 * items_total: no line at all for an order that counts items is an odd answer, never "no lines".
 */
async function readLines(
  client: BigCommerceClient,
  row: ResourceRow,
  stats: OrderChildStats,
): Promise<ChildRow[] | undefined> {
  const path = `/v2/orders/${row.id}/products`
  const expected = itemsTotalOf(row.data)
  const items = await readSubList(client, path, () => (stats.productRequests += 1), expected)
  if (items !== null && items.length === 0 && expected !== undefined && expected > 0)
    throw oddSubList(path, `no line items, while the order's items_total is ${expected}`)
  return rowsOf(items, toLineRow)
}

/** Line items and shipping addresses read per order: the store did not embed consignments. */
async function readLinesAndAddresses(
  client: BigCommerceClient,
  row: ResourceRow,
  stats: OrderChildStats,
): Promise<ChildSets> {
  stats.fallbackOrders += 1
  const [lines, addresses] = await Promise.all([
    readLines(client, row, stats),
    readSubList(
      client,
      `/v2/orders/${row.id}/shipping_addresses`,
      () => (stats.addressRequests += 1),
    ),
  ])
  return {
    order_products: lines,
    order_shipping_addresses: rowsOf(addresses, toShippingAddressRow),
  }
}
