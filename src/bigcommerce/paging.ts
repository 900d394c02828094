// Paging over BigCommerce list endpoints. v2 answers bare arrays and ends with 204 (or an empty or
// short page); v3 answers `{data, meta.pagination}`. Once the total is known (v3's total_pages on
// the first page, a v2 `/count` endpoint) the later pages are requested concurrently and yielded
// in order; the pacer decides how many actually go out at once.
import type { BigCommerceClient, Query } from './client.ts'
import { BigCommerceDataError } from './errors.ts'

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

function readV2Items(path: string, body: unknown): unknown[] {
  if (body === null) return []
  if (Array.isArray(body)) return body
  throw new BigCommerceDataError(
    `BigCommerce GET ${path} returned ${typeof body}, expected an array`,
    { resource: path, id: null },
  )
}

interface V3Meta {
  items: unknown[]
  totalPages?: number
  totalRows?: number
}

function readV3Page(path: string, body: unknown): V3Meta {
  if (body === null) return { items: [] }
  if (typeof body !== 'object' || !('data' in body) || !Array.isArray(body.data)) {
    throw new BigCommerceDataError(`BigCommerce GET ${path} returned no data array`, {
      resource: path,
      id: null,
    })
  }
  const result: V3Meta = { items: body.data }
  const meta = 'meta' in body ? body.meta : undefined
  const pagination =
    meta && typeof meta === 'object' && 'pagination' in meta ? meta.pagination : undefined
  if (pagination && typeof pagination === 'object') {
    if ('total_pages' in pagination && typeof pagination.total_pages === 'number') {
      result.totalPages = pagination.total_pages
    }
    if ('total' in pagination && typeof pagination.total === 'number') {
      result.totalRows = pagination.total
    }
  }
  return result
}

/**
 * Pages `from..to` fetched up to `concurrency` ahead and yielded in order; then, if the last one
 * was full (rows were added meanwhile), further pages one by one until a short one.
 */
async function* fetchPageRange(
  fetchPage: (page: number) => Promise<unknown[]>,
  range: { from: number; to: number; limit: number; concurrency: number },
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
  let page = range.from
  try {
    for (; page <= range.to; page += 1) {
      launch()
      const promise = pending.get(page)
      if (!promise) break
      const items = await promise
      pending.delete(page)
      lastCount = items.length
      yield { page, ...totals, items }
    }
    while (lastCount >= range.limit) {
      const items = await fetchPage(page)
      lastCount = items.length
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
  options: PagingOptions & { countPath?: string; countQuery?: Query } = {},
): AsyncGenerator<Page> {
  const limit = Math.min(options.limit ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE)
  const startPage = options.startPage ?? 1
  const fetchPage = async (page: number) =>
    readV2Items(path, await client.get(path, { ...query, page, limit }, options.signal))

  if (options.countPath) {
    const body = await client.get(options.countPath, options.countQuery ?? {}, options.signal)
    const count =
      body && typeof body === 'object' && 'count' in body && typeof body.count === 'number'
        ? body.count
        : null
    if (count !== null) {
      const totalPages = Math.ceil(count / limit)
      if (startPage > totalPages) return
      yield* fetchPageRange(
        fetchPage,
        { from: startPage, to: totalPages, limit, concurrency: options.concurrency ?? 32 },
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
  const fetchMeta = async (page: number) =>
    readV3Page(path, await client.get(path, { ...query, page, limit }, options.signal))

  const first = await fetchMeta(startPage)
  const totals = { totalPages: first.totalPages, totalRows: first.totalRows }
  if (first.items.length > 0) yield { page: startPage, ...totals, items: first.items }
  if (first.items.length < limit) return
  const to = first.totalPages ?? startPage
  yield* fetchPageRange(
    async (page) => (await fetchMeta(page)).items,
    { from: startPage + 1, to, limit, concurrency: options.concurrency ?? 32 },
    totals,
  )
}
