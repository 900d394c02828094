// What every resource (one file per table) declares; the row shape the write path takes is db/rows.ts.
import type { Executor } from '../db/database.ts'
import type { ChildTable, ResourceName } from '../db/schema.ts'
import type { ResourceRow } from '../db/rows.ts'

export type { ResourceRow }

/** What a resource needs to read more about rows before they are written. */
export interface RowContext {
  db: Executor
  client: BigCommerceClient
  storeHash: string
}

/**
 * Requests spent reading children and how many parents were set aside, by counter name; each
 * resource keeps its own counters (orders: OrderChildStats in order-children-read.ts; products and
 * customers: EmbeddedChildStats in embedded-children.ts). Summed key by key across batches.
 */
export type ChildReadStats = Record<string, number>

export type { ResourceName }

// The contract each resource file implements; the sync and webhook code drive resources only
// through it. The client type comes from the API layer, which does not import resources.
import type { BigCommerceClient, Query } from '../bigcommerce/client.ts'
import type { SQL } from 'drizzle-orm'

/**
 * How `verify` reads the store's side of a table at the least cost: its list, its count and the
 * fields its id pages ask for (v3 pages of `include_fields=id,date_modified`; v2 pages in full).
 */
export interface StoreListing {
  /** The list path, its count path (v2) and its filters. */
  path: string
  version: 'v2' | 'v3'
  countPath?: string
  filters(start: Date | undefined): Query
  /** Fields the id pages ask for (v3 only). */
  idFields?: string
  sort: Query
  /** How many rows the list shows, from the count's answer, when its `count` is not that. */
  countOf?: (answer: unknown) => number | undefined
  /** Which listed objects are compared, and the same rule for the mirror's rows, in SQL. */
  compared?: { object: (item: unknown) => boolean; row: SQL }
}

/**
 * One list request for sweeps over a key range. The key is date_modified in whole Unix seconds
 * (coupons: the id). Whether BigCommerce's min/max filters are inclusive is not documented, so
 * an implementation widens the bounds by one unit: the answer holds at least every row whose key
 * is in [lo, hi], sorted ascending by key (or by id, with `order: 'id'`).
 */
export interface RangeQuery {
  /** Lowest key; undefined means no lower bound. */
  lo?: number
  /** Highest key; undefined means no upper bound. */
  hi?: number
  /** 'key' (the default) sorts by the sweep key; 'id' sorts by id, to page through one busy second. */
  order?: 'key' | 'id'
  /** With order 'id': only ids at or above this. */
  minId?: number
  /**
   * Send `lo` as it is instead of widened: for when an answer has shown that the API's lower
   * bound is inclusive and the second below `lo` alone filled a page.
   */
  exactLo?: boolean
  /** 1-based offset page. */
  page: number
  /** Rows a page asks for (offsets count in it); default and maximum 250. */
  limit?: number
  /** Also report how many rows the range holds (free on v3; one count request on v2). */
  withTotal?: boolean
}

export interface RangePage {
  items: unknown[]
  /** Rows the whole query holds (not only this page), when the API said. */
  total?: number
  /** The path that answered (`/v2/orders`), for error messages. */
  path?: string
}

/**
 * Everything the mirror knows about one resource, declared once in its file: sweeps, the event
 * worker, status, request counting and both hosts read it from here (see index.ts).
 */
export interface ResourceDefinition {
  name: ResourceName
  /**
   * Tables written with each row in its transaction, replacing the row's previous set, and
   * deleted with it (an order's line items, a product's variants, a customer's addresses; see
   * db/write-children.ts). Empty for resources that are one row per API object.
   */
  childTables: readonly ChildTable[]
  /** Path prefixes of the API this resource reads: requests on them count against its table. */
  apiPaths: readonly string[]
  /**
   * Ids per fetchByIds call in the event worker: the API's id:in page (250), or a whole batch for
   * orders, whose reads group close ids into id ranges.
   */
  idsPerRead: number
  /**
   * What sweeps page by: date_modified seconds (swept incrementally from a cursor), or the id for
   * resources without date_modified (coupons), which are swept whole every time.
   */
  sweepKey: 'date_modified' | 'id'
  /** The sweep key of a raw API object. */
  keyOf(item: unknown): number
  /** Whether `listRange` can sort by id with `minId` inside a key range (not for v3 customers). */
  canOrderById: boolean
  listRange(client: BigCommerceClient, query: RangeQuery): Promise<RangePage>
  /**
   * How many rows the store holds in [lo, hi] (bounds widened as listRange widens them), to check
   * that a listing was whole; undefined when the API cannot say (coupons within id bounds).
   */
  countRange(
    client: BigCommerceClient,
    query: Pick<RangeQuery, 'lo' | 'hi' | 'exactLo'>,
  ): Promise<number | undefined>
  /**
   * Whether a listed object is one `countRange` counts. Orders: the count leaves out Incomplete
   * orders, which a store may list all the same. Default: every object.
   */
  countedInTotal?(item: unknown): boolean
  /** Current state by id: what the API answered about each asked id (see IdAnswer). */
  fetchByIds(client: BigCommerceClient, ids: number[]): Promise<IdAnswer>
  /** The scope of the event that announces this resource's deletion (none for orders and coupons). */
  deletionScope?: string
  /** Webhook scopes to subscribe to; empty for coupons (BigCommerce has no coupon events). */
  webhookScopes: string[]
  /** The id of the row an event refreshes, or null when the event is not for this resource. */
  targetOf(scope: string, data: unknown): number | null
  /** How verify counts the store's rows and reads their ids. */
  listing: StoreListing
  /** The row to write; throws BigCommerceDataError for an object that is not a valid resource. */
  toRow(item: unknown): ResourceRow
  /**
   * Reads the rows' children and attaches them (`row.children`); a row whose children cannot be
   * read whole is set aside (`row.setAside`), never written with a partial set.
   */
  prepareRows?(ctx: RowContext, rows: ResourceRow[]): Promise<ChildReadStats>
  /** The counters prepareRows reports, all zero: what a run that read no row says. */
  emptyChildStats?(): ChildReadStats
}

/**
 * What a read by id found. An asked id in `found` exists; one in `unanswered` is unknown (the
 * answer held objects nobody asked for, or objects without a usable id, so its silence about the
 * id proves nothing); any other asked id was not found this time, which is a deletion only once a
 * second read confirms it.
 */
export interface IdAnswer {
  found: Map<number, unknown>
  unanswered: Set<number>
  /** Objects in the answer without a usable id: set aside as rejected, never written. */
  unidentified: unknown[]
}
