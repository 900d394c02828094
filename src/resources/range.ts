// Helpers the resource files share for sweep range requests (see RangeQuery in types.ts).
import type { BigCommerceClient, Query } from '../bigcommerce/client.ts'
import { getCount, getListPage } from '../bigcommerce/list-answer.ts'
import { pick } from '../bigcommerce/validate.ts'
import { formatV3Date, parseBcDate } from '../bigcommerce/dates.ts'
import type { RangePage, RangeQuery, StoreListing } from './types.ts'

/** verify's listing of a v3 table with date_modified: id pages ask for id and date_modified alone. */
export const v3DatedListing = (path: string, sort: Query): StoreListing => ({
  path,
  version: 'v3',
  filters: (start) => ({ 'date_modified:min': start ? formatV3Date(start) : undefined }),
  idFields: 'id,date_modified',
  sort,
})

/**
 * The date filter bounds for a range of whole seconds, widened by a second on each side so the
 * answer covers [lo, hi] whether BigCommerce treats min/max as inclusive or exclusive.
 */
export function widenedDates(query: Pick<RangeQuery, 'lo' | 'hi' | 'exactLo'>): {
  from?: Date
  to?: Date
} {
  return {
    from:
      query.lo === undefined ? undefined : new Date((query.lo - (query.exactLo ? 0 : 1)) * 1000),
    to: query.hi === undefined ? undefined : new Date((query.hi + 1) * 1000),
  }
}

/** An id bound widened by one, for the same reason. */
export const widenedMinId = (id: number | undefined) =>
  id === undefined ? undefined : Math.max(0, id - 1)
export const widenedMaxId = (id: number | undefined) => (id === undefined ? undefined : id + 1)

/** date_modified of a raw API object in whole Unix seconds. */
export function modifiedSecondsOf(item: unknown): number {
  const value = pick(item, 'date_modified')
  if (typeof value !== 'string') throw new TypeError('API object has no date_modified')
  return Math.floor(parseBcDate(value).getTime() / 1000)
}

/** One v3 list page and its meta.pagination.total; throws for an answer that is not a list. */
export async function listV3Range(
  client: BigCommerceClient,
  path: string,
  query: Query,
): Promise<RangePage> {
  const answer = await getListPage(client, path, 'v3', query)
  return { items: answer.items, total: answer.totalRows, path }
}

/** How many rows a v3 query holds: one request for one row, reading meta.pagination.total. */
export async function countV3(
  client: BigCommerceClient,
  path: string,
  query: Query,
): Promise<number | undefined> {
  return (await getListPage(client, path, 'v3', { ...query, page: 1, limit: 1 })).totalRows
}

/** One v2 list page (204: no rows on this page) and, when asked, the count endpoint's answer. */
export async function listV2Range(
  client: BigCommerceClient,
  path: string,
  query: Query,
  count?: { path: string; query: Query },
): Promise<RangePage> {
  const list = getListPage(client, path, 'v2', query)
  const total = count ? countV2(client, count.path, count.query) : undefined
  // Both are awaited, so a failed count never leaves a rejection unhandled behind a failed list.
  const [answer, rows] = await Promise.all([list, total])
  return { items: answer.items, total: rows, path }
}

/** v2 `/count` answers `{count}`; any other answer throws (see getCount). */
export function countV2(
  client: BigCommerceClient,
  path: string,
  query: Query,
  signal?: AbortSignal,
): Promise<number> {
  return getCount(client, path, query, signal)
}
