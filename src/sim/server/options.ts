// What the simulated store can be told: its options, its fault switches and the figures it keeps.
import type { ConsignmentIdMode, ConsignmentLineItems } from '../order-children.ts'
import type { SimClock, SimDataOptions } from '../state.ts'
import type { WebhookOptions } from '../webhooks.ts'

export const ALL_READ_SCOPES = [
  'store_v2_orders_read_only',
  'store_v2_products_read_only',
  'store_v2_customers_read_only',
  'store_v2_marketing_read_only',
]

/**
 * What a list (or any route) answers instead of its real answer. BigCommerce never promises that
 * a list answers with its data (docs/bigcommerce-api.md): proxies, incidents and a wrong URL
 * give these, and the mirror must never read them as "the store is empty".
 */
export type SimOddAnswer =
  /** 404 with a JSON error body, as for a path that does not exist. */
  | 'not-found'
  /** 204 and no body: v2's way of saying "no rows on this page". */
  | 'no-content'
  /** 200 with an empty body. */
  | 'empty-body'
  /** 200 with `{}`. */
  | 'empty-object'
  /** 200 with `{"data": null, "meta": {}}`. */
  | 'null-data'
  /** 200 with an HTML page (a proxy's error page). */
  | 'not-json'
  /**
   * 200 with a v3 list that holds no rows and counts none (`{"data": [], "meta": {"pagination":
   * {"total": 0}}}`): a well-formed answer from a store that lists nothing.
   */
  | 'no-rows'

/**
 * A fault switch for one route: the next matching request (or `times` of them, or every one until
 * clearFaults) gets the fault instead of, or on top of, its real answer.
 */
export interface SimFault {
  /** Only requests whose path (after /stores/{hash}) contains this, or matches it. */
  path?: string | RegExp
  /** Only requests with these query parameters (true: present with any value). */
  query?: Record<string, string | true>
  /** How many matching requests the fault applies to (default 1), or 'always'. */
  times?: number | 'always'
  /** Answer with this status instead (5xx, 429, ...). */
  status?: number
  /** With a 429: the reset time to report; default the real time to the window's end. */
  resetMs?: number
  /** Leave out the X-Rate-Limit-* headers (a 429 "without the API headers"). */
  withoutRateHeaders?: boolean
  /** Close the connection without answering. */
  drop?: boolean
  /** Answer this much later (for timeouts). */
  delayMs?: number
  /**
   * Answer 302 with this Location (absolute, or a path on the store's origin): a misconfigured
   * proxy or API URL; BigCommerce's API itself is not documented to redirect.
   */
  redirectTo?: string
  /** Answer 200 with a JSON array this many bytes long, streamed (a page far too large). */
  oversizeBytes?: number
  /** Answer this instead of the list (see SimOddAnswer). */
  answer?: SimOddAnswer
  /**
   * List routes: the page holds at most this many rows (cut from its start), while the totals
   * (v3 meta.pagination, v2 /count) still count every row; later pages keep their offsets.
   */
  shortPage?: number
  /** List routes: these ids are left out of every page, while the totals still count them. */
  omitIds?: number[]
}

export interface SimStoreOptions {
  storeHash?: string
  accessToken?: string
  /** Tokens and their OAuth scopes; default: `accessToken` with every read scope. */
  tokens?: Record<string, { scopes: string[]; clientId?: string }>
  /** Requests per fixed window; null: unlimited (headers still sent). Default 150 / 30 s. */
  quota?: number | null
  windowMs?: number
  /** Round-trip latency, half before the request is counted and half after it is handled. */
  latencyMs?: number
  jitterMs?: number
  /** Share of requests answered 500 (counted against the quota, like a real failed request). */
  errorRate?: number
  /** Share of requests whose connection is closed without an answer. */
  dropRate?: number
  slowRate?: number
  slowMs?: number
  /** Runs at the start of every API request (e.g. to mutate the store mid-sweep). */
  onRequest?: (request: {
    method: string
    path: string
    query: URLSearchParams
  }) => void | Promise<void>
  data?: SimDataOptions
  clock?: SimClock
  variantEditsBumpProduct?: boolean
  webhooks?: Omit<WebhookOptions, 'storeHash'>
  seed?: number
  /** Cache each row's rendered JSON (for large benchmarks; memory grows with rows read). */
  cacheRendered?: boolean
  /**
   * Whether `GET /v3/customers` honours `include_fields` as the catalog does. The customers spec
   * does not list it [unconfirmed]; default false: full objects whatever is asked.
   */
  customersIncludeFields?: boolean
  /**
   * `GET /v2/orders` ignores `include` (consignments come back as a `{url, resource}` link), as a
   * store might: whether the list honours it is unconfirmed (docs/bigcommerce-api.md).
   */
  orderListIgnoresInclude?: boolean
  /**
   * A shipping consignment's id: the shipping address id ('address', the default) or an id of its
   * own ('own'). The spec does not say which.
   */
  consignmentIds?: ConsignmentIdMode
  /**
   * Rows a page of an order's sub-list (`/products`, `/shipping_addresses`, `/coupons`) holds at
   * most, whatever `limit` asks; pages are cut at this size. The spec documents a default of 50
   * and no maximum, so a store may serve no more: default 50; null honours `limit` up to 250.
   */
  orderSubListPageCap?: number | null
  /**
   * Line items one consignment embeds at most (`include=consignments.line_items`). The spec calls
   * them the response of `/orders/{id}/products`, whose page holds 50 by default, and an embed
   * has no page to ask for the rest: default 50 (the rest are cut); null embeds every line.
   */
  embeddedLineItemCap?: number | null
  /**
   * Variants a product embeds at most with `include=variants`. Whether the embed is capped is not
   * documented [unconfirmed]; default 50 (a default page of the variants list; the rest are cut);
   * null embeds every variant. Customers' embedded addresses are always cut at 10 (documented).
   */
  embeddedVariantCap?: number | null
  /**
   * Whether `GET /v3/catalog/variants` honours `product_id:in`. The spec does not list the filter
   * [unconfirmed]; default false: the list ignores it and pages through every variant of the
   * store. Products' own `/v3/catalog/products/{id}/variants` (documented) always filters.
   */
  variantListHonoursProductIn?: boolean
  /**
   * How consignments carry `line_items` when asked for them: 'objects' (`orderProducts`, the
   * default), 'links' (the spec's other `oneOf` branch: a `{url, resource}` per line), or
   * 'absent' (no `line_items` key: not a documented shape, a fault for tests).
   */
  consignmentLineItems?: ConsignmentLineItems
  // Where BigCommerce's docs are silent these default to the harsher reading; each switch answers
  // the kinder one (docs/bigcommerce-api.md: "The orders listing and its count", "Clocks, date
  // bounds and ordering", "The request quota").
  /** `GET /v2/orders` lists Incomplete orders (status 0) without `status_id=0`. Default false. */
  ordersListIncomplete?: boolean
  /** `GET /v2/orders` leaves archived orders (`is_deleted`) out too. Default false. */
  ordersHideArchived?: boolean
  /** Rows with equal date_modified come back in id order. Default false: any order per request. */
  stableTies?: boolean
  /** Date filters (`min_date_modified`, `date_modified:min`...) inclusive. Default exclusive. */
  inclusiveDateBounds?: boolean
  /**
   * Another app of the store spending this many requests of each window (spread evenly over it).
   * Its spending shows in `X-Rate-Limit-Requests-Left` only with `showsInRequestsLeft`, so by
   * default a 429 can arrive with Requests-Left above 0, as BigCommerce's example shows.
   */
  otherApp?: { requestsPerWindow: number; showsInRequestsLeft?: boolean }
  /**
   * The store's clock this many milliseconds ahead of this machine's (negative: behind): every
   * answer's `Date` header and every timestamp the store writes. Set at start; see SimClock.
   */
  clockOffsetMs?: number
}

/** The options a running store can change (setOptions, POST /__sim/options). */
export type MutableOptions = Omit<
  SimStoreOptions,
  | 'storeHash'
  | 'data'
  | 'clock'
  | 'variantEditsBumpProduct'
  | 'webhooks'
  | 'cacheRendered'
  | 'clockOffsetMs'
>

export interface SimStats {
  /** Every request that reached the store. */
  requests: number
  /** Requests counted against the quota. */
  counted: number
  throttled: number
  errors: number
  dropped: number
  /** Requests a fault answered oddly (SimFault answer, shortPage or omitIds). */
  oddAnswers: number
  /** The most requests counted in any one window. */
  maxCountedInWindow: number
  /** `GET /v3/catalog/products` → count (path without query). */
  byPath: Record<string, number>
}
