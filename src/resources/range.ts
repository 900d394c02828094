// Helpers the resource files share for sweep range requests (see RangeQuery in types.ts).
import { parseBcDate } from '../bigcommerce/dates.ts'
import { pick } from '../bigcommerce/validate.ts'
import type { RangeQuery } from './types.ts'

/**
 * The date filter bounds for a range of whole seconds, widened by a second on each side so the
 * answer covers [lo, hi] whether BigCommerce treats min/max as inclusive or exclusive.
 */
export function widenedDates(query: RangeQuery): { from?: Date; to?: Date } {
  return {
    from: query.lo === undefined ? undefined : new Date((query.lo - (query.exactLo ? 0 : 1)) * 1000),
    to: query.hi === undefined ? undefined : new Date((query.hi + 1) * 1000),
  }
}

/** An id bound widened by one, for the same reason. */
export const widenedMinId = (id: number | undefined) => (id === undefined ? undefined : Math.max(0, id - 1))
export const widenedMaxId = (id: number | undefined) => (id === undefined ? undefined : id + 1)

/** date_modified of a raw API object in whole Unix seconds. */
export function modifiedSecondsOf(item: unknown): number {
  const value = pick(item, 'date_modified')
  if (typeof value !== 'string') throw new TypeError('API object has no date_modified')
  return Math.floor(parseBcDate(value).getTime() / 1000)
}

/** v3 list bodies: the rows and meta.pagination.total. */
export function readV3List(body: unknown): { items: unknown[]; total?: number } {
  const data = pick(body, 'data')
  const total = pick(body, 'meta', 'pagination', 'total')
  return { items: Array.isArray(data) ? data : [], total: typeof total === 'number' ? total : undefined }
}

/** v2 list bodies: a bare array, or null for 204. */
export function readV2List(body: unknown): unknown[] {
  return Array.isArray(body) ? body : []
}

/** v2 `/count` bodies: `{count}`. */
export function readV2Count(body: unknown): number | undefined {
  const count = pick(body, 'count')
  return typeof count === 'number' ? count : undefined
}
