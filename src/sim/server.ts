// The simulated BigCommerce store over real HTTP (Hono on @hono/node-server, 127.0.0.1, random
// port): v2 orders and coupons, v3 catalog products, customers and hooks under
// `/stores/{hash}/v2|v3/...`, with BigCommerce's paging (v2 arrays and 204, v3 meta.pagination,
// 250-row maximum and 413 above it), filters, date formats, 404s, X-Auth-Token and scope checks,
// fixed-window rate limiting with the four X-Rate-Limit-* headers, and injectable latency and
// faults. Behaviour is written from bigcommerce-api.md; where that marks something unconfirmed,
// the choice made here is noted beside the code.
import type { AddressInfo } from 'node:net'
import { serve, type HttpBindings } from '@hono/node-server'
import { Hono, type Context } from 'hono'
import { createRng, ORDER_STATUSES, type SimRecord, type SimResourceName } from './generate.ts'
import {
  allLines,
  renderConsignments,
  renderShippingAddresses,
  type ConsignmentIdMode,
} from './order-children.ts'
import { createSimClock, createSimState, type SimClock, type SimDataOptions } from './state.ts'
import { createWebhookEmitter, type SimHook, type WebhookOptions } from './webhooks.ts'

export const ALL_READ_SCOPES = [
  'store_v2_orders_read_only',
  'store_v2_products_read_only',
  'store_v2_customers_read_only',
  'store_v2_marketing_read_only',
]

/**
 * What a list (or any route) answers instead of its real answer. BigCommerce never promises that
 * a list answers with its data (bigcommerce-api.md section 9): proxies, incidents and a wrong URL
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
   * store might: whether the list honours it is unconfirmed (bigcommerce-api.md §9.1).
   */
  orderListIgnoresInclude?: boolean
  /**
   * A shipping consignment's id: the shipping address id ('address', the default) or an id of its
   * own ('own'). The spec does not say which.
   */
  consignmentIds?: ConsignmentIdMode
}

type MutableOptions = Omit<
  SimStoreOptions,
  'storeHash' | 'data' | 'clock' | 'variantEditsBumpProduct' | 'webhooks' | 'cacheRendered'
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

const sleep = (ms: number) =>
  ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve()

function scopeForPath(path: string): string | null {
  if (/^\/v2\/orders(\/|$)/.test(path)) return 'store_v2_orders_read_only'
  if (/^\/v3\/catalog(\/|$)/.test(path)) return 'store_v2_products_read_only'
  if (/^\/v3\/customers(\/|$)/.test(path)) return 'store_v2_customers_read_only'
  if (/^\/v2\/coupons(\/|$)/.test(path)) return 'store_v2_marketing_read_only'
  return null
}

/** `[` + spaces + `]`, `bytes` long, produced as the reader pulls (never held whole). */
function streamOversize(bytes: number): Response {
  const chunk = new Uint8Array(1024 * 1024).fill(0x20)
  let sent = 0
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === 0) controller.enqueue(new TextEncoder().encode('['))
      const size = Math.min(chunk.length, bytes - 2 - sent)
      if (size <= 0) {
        controller.enqueue(new TextEncoder().encode(']'))
        controller.close()
        return
      }
      controller.enqueue(size === chunk.length ? chunk : chunk.subarray(0, size))
      sent += size
    },
  })
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } })
}

class BadRequest extends Error {
  constructor(
    readonly status: 400 | 413 | 422,
    message: string,
  ) {
    super(message)
  }
}

interface Selection {
  sortBy: 'id' | 'modified' | 'created'
  desc: boolean
  minModified?: number
  maxModified?: number
  minId?: number
  maxId?: number
  ids?: number[]
}

/** One page of rows, as a short-page or omit fault leaves it. */
function pageOf(
  rows: SimRecord[],
  page: number,
  limit: number,
  fault: SimFault | undefined,
): SimRecord[] {
  let out = rows.slice((page - 1) * limit, page * limit)
  if (fault?.shortPage !== undefined) out = out.slice(0, fault.shortPage)
  const omit = fault?.omitIds
  if (omit) out = out.filter((r) => !omit.includes(r.id))
  return out
}

/** First index in `rows` whose key is >= value (rows ascending by key). */
function lowerBound(rows: SimRecord[], value: number, key: (r: SimRecord) => number): number {
  let lo = 0
  let hi = rows.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (key(rows[mid] as SimRecord) < value) lo = mid + 1
    else hi = mid
  }
  return lo
}

export async function startSimStore(options: SimStoreOptions = {}) {
  const storeHash = options.storeHash ?? 'sim123'
  const accessToken = options.accessToken ?? 'sim-token'
  let settings: MutableOptions = { quota: 150, windowMs: 30_000, ...options }
  const clock = options.clock ?? createSimClock()
  const store = createSimState({
    data: options.data,
    clock,
    variantEditsBumpProduct: options.variantEditsBumpProduct,
    cacheRendered: options.cacheRendered,
  })
  const webhooks = createWebhookEmitter({
    ...options.webhooks,
    storeHash,
    clock: () => clock.now(),
  })
  store.onEvent((event) => webhooks.emit(event))
  const random = createRng(options.seed ?? 42)
  const faults: Array<{ fault: SimFault; left: number | 'always' }> = []
  const tokens = () =>
    settings.tokens ?? { [accessToken]: { scopes: ALL_READ_SCOPES, clientId: 'sim-client' } }

  const stats: SimStats = {
    requests: 0,
    counted: 0,
    throttled: 0,
    errors: 0,
    dropped: 0,
    oddAnswers: 0,
    maxCountedInWindow: 0,
    byPath: {},
  }
  // Fixed windows from server start, like BigCommerce's quota refreshing every window.
  let startedAt = Date.now()
  let windowIndex = -1
  let windowCount = 0

  function rateState() {
    const windowMs = settings.windowMs ?? 30_000
    const elapsed = Date.now() - startedAt
    const index = Math.floor(elapsed / windowMs)
    if (index !== windowIndex) {
      windowIndex = index
      windowCount = 0
    }
    return { windowMs, resetMs: (index + 1) * windowMs - elapsed }
  }

  function setRateHeaders(c: Context, left: number, resetMs: number, windowMs: number) {
    const quota = settings.quota ?? 1_000_000
    c.header('X-Rate-Limit-Requests-Left', String(Math.max(0, left)))
    c.header('X-Rate-Limit-Time-Reset-Ms', String(Math.max(0, Math.round(resetMs))))
    c.header('X-Rate-Limit-Requests-Quota', String(quota))
    c.header('X-Rate-Limit-Time-Window-Ms', String(windowMs))
  }

  const halfLatency = () => {
    const base = settings.latencyMs ?? 0
    const jitter = settings.jitterMs ?? 0
    return Math.max(0, (base + (random() * 2 - 1) * jitter) / 2)
  }

  function resetStats() {
    Object.assign(stats, {
      requests: 0,
      counted: 0,
      throttled: 0,
      errors: 0,
      dropped: 0,
      oddAnswers: 0,
      maxCountedInWindow: 0,
      byPath: {},
    })
    // A fresh window too, so a measured run starts with the whole quota.
    startedAt = Date.now()
    windowIndex = -1
    windowCount = 0
  }

  function matches(fault: SimFault, path: string, query: URLSearchParams): boolean {
    const pathMatches =
      fault.path === undefined
        ? true
        : typeof fault.path === 'string'
          ? path.includes(fault.path)
          : fault.path.test(path)
    if (!pathMatches) return false
    return Object.entries(fault.query ?? {}).every(([name, value]) =>
      value === true ? query.has(name) : query.get(name) === value,
    )
  }

  function takeFault(path: string, query: URLSearchParams): SimFault | undefined {
    const index = faults.findIndex((f) => matches(f.fault, path, query))
    const entry = faults[index]
    if (!entry) return undefined
    if (entry.left !== 'always') {
      entry.left -= 1
      if (entry.left <= 0) faults.splice(index, 1)
    }
    return entry.fault
  }

  function answerOddly(c: Context, answer: SimOddAnswer) {
    switch (answer) {
      case 'not-found':
        return c.json({ status: 404, title: 'Not found (simulated fault)' }, 404)
      case 'no-content':
        return c.body(null, 204)
      case 'empty-body':
        return c.body('', 200, { 'Content-Type': 'application/json' })
      case 'empty-object':
        return c.json({})
      case 'null-data':
        return c.json({ data: null, meta: {} })
      case 'not-json':
        return c.body('<html><body>Bad gateway</body></html>', 200, {
          'Content-Type': 'text/html',
        })
    }
  }

  const app = new Hono<{
    Bindings: HttpBindings
    Variables: { clientId: string; fault: SimFault | undefined }
  }>()

  app.onError((error, c) => {
    if (error instanceof BadRequest)
      return c.json({ status: error.status, title: error.message }, error.status)
    return c.json({ status: 500, title: String(error) }, 500)
  })

  // Outside the API (no auth, not counted): lets a benchmark read a store in another process.
  app.get('/__sim/stats', (c) => c.json(stats))
  // Change quota, latency and fault rates, and zero the stats (for a store in another process).
  app.post('/__sim/options', async (c) => {
    settings = { ...settings, ...((await c.req.json()) as Partial<MutableOptions>) }
    resetStats()
    return c.json(stats)
  })

  // Outside the API: edit orders as a merchant would (the first line's quantity), for a benchmark
  // whose store runs in another process. Moves each order's date_modified.
  app.post('/__sim/orders/edit', async (c) => {
    const { ids } = (await c.req.json()) as { ids: number[] }
    for (const id of ids) {
      const line = store.orderChildren(id).lines[0]
      if (line) store.editLineQuantity(id, Number(line.item.id), Number(line.item.quantity) + 1)
    }
    return c.json({ edited: ids.length })
  })

  app.use('/stores/:hash/*', async (c, next) => {
    const hash = c.req.param('hash')
    const path = c.req.path.slice(`/stores/${hash}`.length)
    stats.requests += 1
    const key = `${c.req.method} ${path.replace(/\/\d+(?=\/|$)/g, '/:id')}`
    stats.byPath[key] = (stats.byPath[key] ?? 0) + 1
    await settings.onRequest?.({
      method: c.req.method,
      path,
      query: new URL(c.req.url).searchParams,
    })
    await sleep(halfLatency())

    if (hash !== storeHash) return c.json({ status: 404, title: 'Store not found' }, 404)
    const token = c.req.header('x-auth-token') ?? ''
    const account = tokens()[token]
    if (!account) return c.json({ status: 401, title: 'Unauthorized: no valid X-Auth-Token' }, 401)
    const needed = scopeForPath(path)
    if (
      needed &&
      !account.scopes.includes(needed) &&
      !account.scopes.includes(needed.replace(/_read_only$/, ''))
    ) {
      return c.json(
        { status: 403, title: "You don't have a required scope to access the endpoint" },
        403,
      )
    }
    c.set('clientId', account.clientId ?? token)

    const { windowMs, resetMs } = rateState()
    const fault = takeFault(path, new URL(c.req.url).searchParams)
    if (fault?.status === 429) {
      stats.throttled += 1
      if (!fault.withoutRateHeaders) setRateHeaders(c, 0, fault.resetMs ?? resetMs, windowMs)
      return c.json({ status: 429, title: 'Too many requests' }, 429)
    }
    const quota = settings.quota
    if (quota !== null && quota !== undefined && windowCount >= quota) {
      stats.throttled += 1
      setRateHeaders(c, 0, resetMs, windowMs)
      return c.json({ status: 429, title: 'You have exceeded your request quota' }, 429)
    }
    windowCount += 1
    stats.counted += 1
    stats.maxCountedInWindow = Math.max(stats.maxCountedInWindow, windowCount)
    if (!fault?.withoutRateHeaders)
      setRateHeaders(c, (quota ?? 1_000_000) - windowCount, resetMs, windowMs)

    if (fault?.drop || random() < (settings.dropRate ?? 0)) {
      stats.dropped += 1
      c.env.incoming.socket.destroy()
      return c.body(null, 500)
    }
    if (fault?.redirectTo) return c.redirect(fault.redirectTo, 302)
    if (fault?.oversizeBytes) return streamOversize(fault.oversizeBytes)
    if (fault?.delayMs) await sleep(fault.delayMs)
    if (random() < (settings.slowRate ?? 0)) await sleep(settings.slowMs ?? 0)
    if (fault?.answer || fault?.shortPage !== undefined || fault?.omitIds) stats.oddAnswers += 1
    if (fault?.answer) return answerOddly(c, fault.answer)
    c.set('fault', fault)
    if (fault?.status || random() < (settings.errorRate ?? 0)) {
      stats.errors += 1
      const status = (fault?.status ?? 500) as 500
      return c.json({ status, title: 'Internal Server Error (simulated)' }, status)
    }
    await next()
    await sleep(halfLatency())
  })

  // ---- query parsing -------------------------------------------------------------------------

  const int = (value: string | undefined, name: string): number | undefined => {
    if (value === undefined || value === '') return undefined
    if (!/^-?\d+$/.test(value)) throw new BadRequest(400, `${name} must be an integer`)
    return Number(value)
  }

  function readPaging(c: Context, maxLimit = 250) {
    const limit = int(c.req.query('limit'), 'limit') ?? 50
    const page = int(c.req.query('page'), 'page') ?? 1
    if (limit > 250) throw new BadRequest(413, 'The limit may not exceed 250')
    if (limit < 1 || page < 1) throw new BadRequest(400, 'page and limit must be positive')
    return { limit: Math.min(limit, maxLimit), page }
  }

  /** v2 date filters: RFC 2822 or ISO 8601. Whole seconds, as BigCommerce stores them. */
  function v2Date(value: string | undefined, name: string): number | undefined {
    if (value === undefined) return undefined
    const ms = Date.parse(value)
    if (Number.isNaN(ms)) throw new BadRequest(400, `${name} is not a date`)
    return Math.floor(ms / 1000)
  }

  /** v3 date filters: a date without a time gets the current time of day (as the spec warns). */
  function v3Date(value: string | undefined, name: string): number | undefined {
    if (value === undefined) return undefined
    let text = value
    if (/^\d{4}-\d{2}-\d{2}$/.test(text))
      text = `${text}T${new Date(clock.now()).toISOString().slice(11)}`
    else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(text)) text = `${text}Z`
    // An unencoded `+` arrives as a space: "2025-01-01T00:00:00 00:00" fails here, as it should.
    const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text)
    if (Number.isNaN(ms) || !/^\d{4}-|^\d+$/.test(text))
      throw new BadRequest(422, `${name} is not a valid date-time`)
    return Math.floor(ms / 1000)
  }

  const idList = (value: string | undefined): number[] | undefined =>
    value === undefined
      ? undefined
      : value
          .split(',')
          .filter(Boolean)
          .map((v) => int(v.trim(), 'id:in') ?? 0)

  /**
   * Rows matching a selection, as a total and a page. Min and max date filters are both treated
   * as inclusive (>=, <=) [unconfirmed in BigCommerce's docs]. Sorting by date_created uses id
   * order, since rows are created in id order here.
   */
  function select(name: SimResourceName, s: Selection) {
    let rows: SimRecord[]
    if (s.ids) {
      rows = [...new Set(s.ids)].flatMap((id) => {
        const r = store.readById(name, id)
        return r ? [r] : []
      })
      rows.sort(
        s.sortBy === 'modified'
          ? (a, b) => a.modified - b.modified || a.id - b.id
          : (a, b) => a.id - b.id,
      )
    } else if (s.sortBy === 'modified') {
      const all = store.byModified(name)
      const lo = s.minModified === undefined ? 0 : lowerBound(all, s.minModified, (r) => r.modified)
      const hi =
        s.maxModified === undefined
          ? all.length
          : lowerBound(all, s.maxModified + 1, (r) => r.modified)
      rows = lo === 0 && hi === all.length ? all : all.slice(lo, hi)
    } else {
      const all = store.byId(name)
      const lo = s.minId === undefined ? 0 : lowerBound(all, s.minId, (r) => r.id)
      const hi = s.maxId === undefined ? all.length : lowerBound(all, s.maxId + 1, (r) => r.id)
      rows = lo === 0 && hi === all.length ? all : all.slice(lo, hi)
    }
    const needsFilter =
      s.minModified !== undefined ||
      s.maxModified !== undefined ||
      s.minId !== undefined ||
      s.maxId !== undefined
    if (needsFilter) {
      rows = rows.filter(
        (r) =>
          (s.minModified === undefined || r.modified >= s.minModified) &&
          (s.maxModified === undefined || r.modified <= s.maxModified) &&
          (s.minId === undefined || r.id >= s.minId) &&
          (s.maxId === undefined || r.id <= s.maxId),
      )
    }
    if (s.desc) rows = [...rows].reverse()
    return rows
  }

  /** A v3 list answer from rows already rendered to JSON text (cheap for big pages). */
  function v3JsonEnvelope(c: Context, rows: string[], total: number, page: number, limit: number) {
    const meta = v3Meta(rows.length, total, page, limit)
    return c.body(`{"data":[${rows.join(',')}],"meta":${JSON.stringify(meta)}}`, 200, {
      'Content-Type': 'application/json',
    })
  }

  function v3Envelope(c: Context, data: unknown[], total: number, page: number, limit: number) {
    return c.json({ data, meta: v3Meta(data.length, total, page, limit) })
  }

  function v3Meta(count: number, total: number, page: number, limit: number) {
    const totalPages = Math.ceil(total / limit)
    const link = (p: number) => `?page=${p}&limit=${limit}`
    return {
      pagination: {
        total,
        count,
        per_page: limit,
        current_page: page,
        total_pages: totalPages,
        links: {
          ...(page > 1 ? { previous: link(page - 1) } : {}),
          current: link(page),
          ...(page < totalPages ? { next: link(page + 1) } : {}),
        },
      },
    }
  }

  // ---- v2 orders -----------------------------------------------------------------------------

  function orderSelection(c: Context): Selection {
    const sort = c.req.query('sort') ?? 'id:asc'
    const [field, direction = 'asc'] = sort.split(':')
    const sortBy =
      field === 'date_modified'
        ? 'modified'
        : field === 'id' || field === 'date_created'
          ? 'id'
          : null
    if (sortBy === null || (direction !== 'asc' && direction !== 'desc'))
      throw new BadRequest(400, `Unsupported sort ${sort}`)
    return {
      sortBy,
      desc: direction === 'desc',
      minModified: v2Date(c.req.query('min_date_modified'), 'min_date_modified'),
      maxModified: v2Date(c.req.query('max_date_modified'), 'max_date_modified'),
      minId: int(c.req.query('min_id'), 'min_id'),
      maxId: int(c.req.query('max_id'), 'max_id'),
    }
  }

  const base = '/stores/:hash'

  app.get(`${base}/v2/orders/count`, (c) => {
    const rows = select('orders', orderSelection(c))
    const byStatus = new Map<number, number>()
    for (const r of rows) {
      const status = Number(store.fieldsOf('orders', r).status_id)
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1)
    }
    const statuses = ORDER_STATUSES.map((name, id) => ({
      id,
      name,
      system_label: name,
      custom_label: name,
      system_description: '',
      count: byStatus.get(id) ?? 0,
      sort_order: id,
    }))
    return c.json({ statuses, count: rows.length })
  })

  /**
   * An order as JSON. `include=consignments` embeds the consignments (with their line items for
   * `consignments.line_items`), as an object with `consignment_structure=object` and as a
   * one-element array otherwise; without it, consignments are a link like the other children.
   */
  function orderJson(c: Context, record: SimRecord, honourInclude: boolean): string {
    const include = honourInclude ? (c.req.query('include') ?? '').split(',') : []
    const lineItems = include.includes('consignments.line_items')
    const embed = lineItems || include.includes('consignments')
    const asObject = c.req.query('consignment_structure') === 'object'
    const idMode = settings.consignmentIds ?? 'address'
    const key = `${embed}|${lineItems}|${asObject}|${idMode}`
    return store.renderJson('orders', record, key, (full) => {
      const storeUrl = store.context.storeUrl
      if (!embed) {
        full.consignments = {
          url: `${storeUrl}/v2/orders/${record.id}/consignments`,
          resource: `/orders/${record.id}/consignments`,
        }
        return full
      }
      const children = store.orderChildren(record.id)
      const consignments = renderConsignments(children, storeUrl, { lineItems, idMode })
      full.consignments = asObject ? consignments : [consignments]
      return full
    })
  }

  const orderNotFound = (c: Context) =>
    c.json([{ status: 404, message: 'The requested resource was not found.' }], 404)

  app.get(`${base}/v2/orders/:id{[0-9]+}`, (c) => {
    const record = store.readById('orders', Number(c.req.param('id')))
    if (!record) return orderNotFound(c)
    return c.body(orderJson(c, record, true), 200, { 'Content-Type': 'application/json' })
  })

  app.get(`${base}/v2/orders`, (c) => {
    const { page, limit } = readPaging(c)
    const rows = pageOf(select('orders', orderSelection(c)), page, limit, c.get('fault'))
    // v2 answers an empty page with 204 and no body [observed in client code, not in the docs].
    if (rows.length === 0) return c.body(null, 204)
    const honour = !settings.orderListIgnoresInclude
    const json = rows.map((r) => orderJson(c, r, honour))
    return c.body(`[${json.join(',')}]`, 200, { 'Content-Type': 'application/json' })
  })

  /** A v2 sub-list of one order: paged (50 by default, at most 250), 204 past the end. */
  function orderSubList(path: string, items: (orderId: number) => unknown[]) {
    app.get(`${base}/v2/orders/:id{[0-9]+}/${path}`, (c) => {
      const id = Number(c.req.param('id'))
      if (!store.get('orders', id)) return orderNotFound(c)
      const { page, limit } = readPaging(c)
      const rows = items(id).slice((page - 1) * limit, page * limit)
      if (rows.length === 0) return c.body(null, 204)
      return c.json(rows)
    })
  }
  orderSubList('products', (id) => allLines(store.orderChildren(id)))
  orderSubList('shipping_addresses', (id) =>
    renderShippingAddresses(store.orderChildren(id), store.context.storeUrl),
  )
  orderSubList('coupons', (id) => store.orderChildren(id).coupons)

  app.get(`${base}/v2/orders/:id{[0-9]+}/consignments`, (c) => {
    const id = Number(c.req.param('id'))
    if (!store.get('orders', id)) return orderNotFound(c)
    const lineItems = (c.req.query('include') ?? '').split(',').includes('line_items')
    const idMode = settings.consignmentIds ?? 'address'
    return c.json(
      renderConsignments(store.orderChildren(id), store.context.storeUrl, { lineItems, idMode }),
    )
  })

  // ---- v2 coupons ----------------------------------------------------------------------------

  function couponSelection(c: Context): Selection {
    const id = int(c.req.query('id'), 'id')
    return {
      sortBy: 'id',
      desc: false,
      minId: id ?? int(c.req.query('min_id'), 'min_id'),
      maxId: id ?? int(c.req.query('max_id'), 'max_id'),
    }
  }

  app.get(`${base}/v2/coupons/count`, (c) =>
    c.json({ count: select('coupons', couponSelection(c)).length }),
  )

  app.get(`${base}/v2/coupons`, (c) => {
    const { page, limit } = readPaging(c)
    const rows = pageOf(select('coupons', couponSelection(c)), page, limit, c.get('fault'))
    if (rows.length === 0) return c.body(null, 204)
    return c.json(rows.map((r) => store.render('coupons', r)))
  })

  // ---- v3 products ---------------------------------------------------------------------------

  const PRODUCT_INCLUDES: Record<string, string> = {
    variants: 'variants',
    images: 'images',
    custom_fields: 'custom_fields',
    bulk_pricing_rules: 'bulk_pricing_rules',
    primary_image: 'primary_image',
    options: 'options',
    modifiers: 'modifiers',
    videos: 'videos',
  }

  function productJson(c: Context, record: SimRecord): string {
    const key = `${c.req.query('include') ?? ''}|${c.req.query('include_fields') ?? ''}|${c.req.query('exclude_fields') ?? ''}`
    return store.renderJson('products', record, key, (full) => shapeProduct(c, full))
  }

  function shapeProduct(c: Context, full: Record<string, unknown>) {
    const include = new Set((c.req.query('include') ?? '').split(',').filter(Boolean))
    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(full)) {
      if (Object.values(PRODUCT_INCLUDES).includes(key) && !include.has(key)) continue
      out[key] = value
    }
    if (include.has('options')) out.options = []
    if (include.has('modifiers')) out.modifiers = []
    if (include.has('videos')) out.videos = []
    if (include.has('primary_image'))
      out.primary_image = Array.isArray(full.images) ? (full.images[0] ?? null) : null
    return trimFields(c, out)
  }

  function trimFields(c: Context, object: Record<string, unknown>) {
    const includeFields = c.req.query('include_fields')
    const excludeFields = c.req.query('exclude_fields')
    if (!includeFields && !excludeFields) return object
    const keep = includeFields ? new Set(['id', ...includeFields.split(',')]) : null
    const drop = new Set((excludeFields ?? '').split(','))
    const include = new Set((c.req.query('include') ?? '').split(','))
    return Object.fromEntries(
      Object.entries(object).filter(
        ([key]) =>
          (keep === null || keep.has(key) || include.has(key)) && (key === 'id' || !drop.has(key)),
      ),
    )
  }

  app.get(`${base}/v3/catalog/products/:id{[0-9]+}`, (c) => {
    const record = store.readById('products', Number(c.req.param('id')))
    if (!record)
      return c.json(
        { status: 404, title: 'The requested product was not found.', type: 'about:blank' },
        404,
      )
    return c.json({ data: shapeProduct(c, store.render('products', record)), meta: {} })
  })

  app.get(`${base}/v3/catalog/products`, (c) => {
    const include = (c.req.query('include') ?? '').split(',')
    // BigCommerce caps pages at 10 when options or modifiers are included.
    const capped = include.includes('options') || include.includes('modifiers')
    const { page, limit } = readPaging(c, capped ? 10 : 250)
    const sort = c.req.query('sort') ?? 'id'
    if (sort !== 'id' && sort !== 'date_modified')
      throw new BadRequest(422, `sort ${sort} is not supported by the simulator`)
    const direction = c.req.query('direction') ?? 'asc'
    const exactId = int(c.req.query('id'), 'id')
    const rows = select('products', {
      sortBy: sort === 'date_modified' ? 'modified' : 'id',
      desc: direction === 'desc',
      minModified: v3Date(c.req.query('date_modified:min'), 'date_modified:min'),
      maxModified: v3Date(c.req.query('date_modified:max'), 'date_modified:max'),
      minId: exactId ?? int(c.req.query('id:min'), 'id:min'),
      maxId: exactId ?? int(c.req.query('id:max'), 'id:max'),
      ids: idList(c.req.query('id:in')),
    })
    const pageRows = pageOf(rows, page, limit, c.get('fault'))
    return v3JsonEnvelope(
      c,
      pageRows.map((r) => productJson(c, r)),
      rows.length,
      page,
      limit,
    )
  })

  // ---- v3 customers --------------------------------------------------------------------------

  const CUSTOMER_INCLUDES: Record<string, string> = {
    addresses: 'addresses',
    storecredit: 'store_credit_amounts',
    attributes: 'attributes',
    formfields: 'form_fields',
  }

  function customerJson(c: Context, record: SimRecord): string {
    const include = new Set((c.req.query('include') ?? '').split(',').filter(Boolean))
    const fields = settings.customersIncludeFields ? (c.req.query('include_fields') ?? '') : ''
    const key = `${[...include].sort().join(',')}|${fields}`
    return store.renderJson('customers', record, key, (full) => {
      for (const [param, key] of Object.entries(CUSTOMER_INCLUDES))
        if (!include.has(param)) delete full[key]
      return fields ? trimFields(c, full) : full
    })
  }

  app.get(`${base}/v3/customers`, (c) => {
    const { page, limit } = readPaging(c)
    const sort = c.req.query('sort') ?? 'date_created:asc'
    const [field, direction = 'asc'] = sort.split(':')
    if (!['date_created', 'date_modified', 'last_name'].includes(field ?? ''))
      throw new BadRequest(422, `sort ${sort} is not supported`)
    const rows = select('customers', {
      // last_name sorting is not simulated; creation (id) order stands in for it.
      sortBy: field === 'date_modified' ? 'modified' : 'id',
      desc: direction === 'desc',
      minModified: v3Date(c.req.query('date_modified:min'), 'date_modified:min'),
      maxModified: v3Date(c.req.query('date_modified:max'), 'date_modified:max'),
      ids: idList(c.req.query('id:in')),
    })
    const pageRows = pageOf(rows, page, limit, c.get('fault'))
    return v3JsonEnvelope(
      c,
      pageRows.map((r) => customerJson(c, r)),
      rows.length,
      page,
      limit,
    )
  })

  // ---- v3 hooks ------------------------------------------------------------------------------

  const visibleHook = (clientId: string, id: number): SimHook | undefined => {
    const hook = webhooks.hooks.get(id)
    return hook && hook.client_id === clientId ? hook : undefined
  }

  async function readHookBody(c: Context) {
    let body: unknown
    try {
      body = await c.req.json()
    } catch {
      throw new BadRequest(400, 'Body must be JSON')
    }
    if (!body || typeof body !== 'object') throw new BadRequest(422, 'Body must be an object')
    const b = body as Record<string, unknown>
    const out: Partial<Pick<SimHook, 'scope' | 'destination' | 'is_active' | 'headers'>> = {}
    if (b.scope !== undefined) {
      if (typeof b.scope !== 'string' || !b.scope.startsWith('store/'))
        throw new BadRequest(422, 'scope is invalid')
      out.scope = b.scope
    }
    if (b.destination !== undefined) {
      if (typeof b.destination !== 'string' || !/^https?:\/\//.test(b.destination))
        throw new BadRequest(422, 'destination is invalid')
      out.destination = b.destination
    }
    if (b.is_active !== undefined) out.is_active = Boolean(b.is_active)
    if (b.headers !== undefined) out.headers = (b.headers as Record<string, string> | null) ?? null
    return out
  }

  app.get(`${base}/v3/hooks`, (c) => {
    const { page, limit } = readPaging(c)
    const active = c.req.query('is_active')
    const scope = c.req.query('scope')
    const destination = c.req.query('destination')
    const hooks = [...webhooks.hooks.values()].filter(
      (h) =>
        h.client_id === c.get('clientId') &&
        (active === undefined || String(h.is_active) === active) &&
        (scope === undefined || h.scope === scope) &&
        (destination === undefined || h.destination === destination),
    )
    return v3Envelope(c, hooks.slice((page - 1) * limit, page * limit), hooks.length, page, limit)
  })

  app.post(`${base}/v3/hooks`, async (c) => {
    const input = await readHookBody(c)
    if (!input.scope || !input.destination)
      throw new BadRequest(422, 'scope and destination are required')
    const { scope, destination } = input
    const clientId = c.get('clientId')
    const same = [...webhooks.hooks.values()].filter(
      (h) => h.client_id === clientId && h.scope === scope,
    )
    if (same.some((h) => h.destination === destination))
      throw new BadRequest(422, 'A hook for this scope and destination exists')
    if (same.length >= 10) throw new BadRequest(422, 'At most 10 hooks per scope')
    const hook = webhooks.createHook({ ...input, scope, destination }, clientId)
    return c.json({ data: hook, meta: {} })
  })

  app.get(`${base}/v3/hooks/:id{[0-9]+}`, (c) => {
    const hook = visibleHook(c.get('clientId'), Number(c.req.param('id')))
    return hook
      ? c.json({ data: hook, meta: {} })
      : c.json({ status: 404, title: 'Hook not found' }, 404)
  })

  app.put(`${base}/v3/hooks/:id{[0-9]+}`, async (c) => {
    const hook = visibleHook(c.get('clientId'), Number(c.req.param('id')))
    if (!hook) return c.json({ status: 404, title: 'Hook not found' }, 404)
    Object.assign(hook, await readHookBody(c), { updated_at: Math.floor(clock.now() / 1000) })
    return c.json({ data: hook, meta: {} })
  })

  app.delete(`${base}/v3/hooks/:id{[0-9]+}`, (c) => {
    const hook = visibleHook(c.get('clientId'), Number(c.req.param('id')))
    if (!hook) return c.json({ status: 404, title: 'Hook not found' }, 404)
    webhooks.hooks.delete(hook.id)
    return c.json({ data: hook, meta: {} })
  })

  app.all(`${base}/*`, (c) => c.json({ status: 404, title: 'Not found in the simulator' }, 404))

  // ---- server --------------------------------------------------------------------------------

  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s))
  })
  const address = server.address() as AddressInfo
  const url = `http://127.0.0.1:${address.port}`
  store.setStoreUrl(`${url}/stores/${storeHash}`)

  return {
    /** Pass as the client's apiUrl. */
    url,
    storeHash,
    accessToken,
    store,
    clock,
    webhooks,
    stats,
    app,
    resetStats,
    setOptions(changes: Partial<MutableOptions>) {
      settings = { ...settings, ...changes }
    },
    /** Faults applied, in order, to the next matching requests (see SimFault.times). */
    injectFaults(...list: SimFault[]) {
      faults.push(...list.map((fault) => ({ fault, left: fault.times ?? 1 })))
    },
    /** Faults still waiting for a matching request ('always' ones included). */
    pendingFaults: () => faults.length,
    /** Switches every injected fault off. */
    clearFaults() {
      faults.length = 0
    },
    flushDeliveries: () => webhooks.flushDeliveries(),
    async close() {
      await webhooks.flushDeliveries()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        if ('closeAllConnections' in server) server.closeAllConnections()
      })
    },
  }
}

export type SimStore = Awaited<ReturnType<typeof startSimStore>>
