// Paging over BigCommerce list endpoints. v2 answers bare arrays and ends with 204 (or an empty or
// short page); v3 answers `{data, meta.pagination}`. Once the total is known (v3's total_pages on
// the first page, a v2 `/count` endpoint) the later pages are requested concurrently and yielded
// in order; the pacer decides how many actually go out at once. A page shorter than the limit
// ends the list only when no total says more rows exist: only catalog products document that a
// page holds up to 250 rows, so another list may answer fewer. Answers that are not lists (404,
// a v3 body without data) throw BigCommerceListError (list-answer.ts).
import type { BigCommerceClient, Query } from './client.ts'
import { getListPage } from './list-answer.ts'

export const MAX_PAGE_SIZE = 250

export interface Page {
  page: number
  totalPages?: number
  totalRows?: number
  items: unknown[]
}

export interface PagingOptions {
  /** Pages requested ahead of the one being consumed. Default 32. */
  concurrency?: number
  /** Resume from this page (1-based). */
  startPage?: number
  /** Rows per request; default and maximum 250. */
  limit?: number
  signal?: AbortSignal
}

/**
 * Pages `from..to` fetched up to `concurrency` ahead and yielded in order; then further pages one
 * by one while the last one was full (rows were added meanwhile) or the total says rows are still
 * missing (the store served shorter pages than asked for), until an empty one.
 */
async function* fetchPageRange(
  fetchPage: (page: number) => Promise<unknown[]>,
  range: { from: number; to: number; limit: number; concurrency: number; rowsBefore: number },
  totals: { totalPages?: number; totalRows?: number },
): AsyncGenerator<Page> {
  const pending = new Map<number, Promise<unknown[]>>()
  let next = range.from
  const launch = () => {
    while (next <= range.to && pending.size < range.concurrency) {
      const promise = fetchPage(next)
      // Rejections are handled when the page is awaited; this only stops an early `break` by the
      // consumer from leaving an unhandled rejection behind.
      promise.catch(() => {})
      pending.set(next, promise)
      next += 1
    }
  }
  let lastCount = range.limit
  let rows = range.rowsBefore
  let page = range.from
  const missing = () => totals.totalRows !== undefined && rows < totals.totalRows
  try {
    for (; page <= range.to; page += 1) {
      launch()
      const promise = pending.get(page)
      if (!promise) break
      const items = await promise
      pending.delete(page)
      lastCount = items.length
      rows += items.length
      yield { page, ...totals, items }
    }
    while (lastCount >= range.limit || (lastCount > 0 && missing())) {
      const items = await fetchPage(page)
      lastCount = items.length
      rows += items.length
      if (items.length > 0) yield { page, ...totals, items }
      page += 1
    }
  } finally {
    pending.clear()
  }
}

/**
 * A v2 list (bare arrays). With `countPath` (e.g. `/v2/orders/count`, answering `{count}`) the
 * pages are known up front and fetched concurrently; otherwise one by one until a 204, an empty
 * or a short page.
 */
export async function* listV2Pages(
  client: BigCommerceClient,
  path: string,
  query: Query,
  options: PagingOptions & {
    countPath?: string
    countQuery?: Query
    /** Reads the rows the list shows from the count's answer (default: its `count`). */
    countOf?: (answer: unknown) => number | undefined
  } = {},
): AsyncGenerator<Page> {
  const limit = Math.min(options.limit ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE)
  const startPage = options.startPage ?? 1
  const fetchPage = async (page: number) =>
    (await getListPage(client, path, 'v2', { ...query, page, limit }, options.signal)).items

  if (options.countPath) {
    const body = await client.get(options.countPath, options.countQuery ?? {}, options.signal)
    const counted = options.countOf
      ? options.countOf(body)
      : body && typeof body === 'object' && 'count' in body && typeof body.count === 'number'
        ? body.count
        : undefined
    const count = counted ?? null
    if (count !== null) {
      const totalPages = Math.ceil(count / limit)
      if (startPage > totalPages) return
      yield* fetchPageRange(
        fetchPage,
        {
          from: startPage,
          to: totalPages,
          limit,
          concurrency: options.concurrency ?? 32,
          rowsBefore: (startPage - 1) * limit,
        },
        { totalPages, totalRows: count },
      )
      return
    }
  }
  for (let page = startPage; ; page += 1) {
    const items = await fetchPage(page)
    if (items.length > 0) yield { page, items }
    if (items.length < limit) return
  }
}

/** A v3 list (`{data, meta.pagination}`): page one gives total_pages, the rest go concurrently. */
export async function* listV3Pages(
  client: BigCommerceClient,
  path: string,
  query: Query,
  options: PagingOptions = {},
): AsyncGenerator<Page> {
  const limit = Math.min(options.limit ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE)
  const startPage = options.startPage ?? 1
  const fetchMeta = (page: number) =>
    getListPage(client, path, 'v3', { ...query, page, limit }, options.signal)

  const first = await fetchMeta(startPage)
  const totals = { totalPages: first.totalPages, totalRows: first.totalRows }
  if (first.items.length > 0) yield { page: startPage, ...totals, items: first.items }
  // total_pages counts the store's own page size, which may be smaller than the one asked for.
  const to = first.totalPages ?? startPage
  const rowsBefore = (startPage - 1) * limit + first.items.length
  const more = first.items.length >= limit || to > startPage || (first.totalRows ?? 0) > rowsBefore
  if (!more) return
  yield* fetchPageRange(
    async (page) => (await fetchMeta(page)).items,
    { from: startPage + 1, to, limit, concurrency: options.concurrency ?? 32, rowsBefore },
    totals,
  )
}
