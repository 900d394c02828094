// Which rows a list answers with: a selection (sort, id and date_modified ranges, an id list)
// over a resource's sorted rows, and the page cut from them, as a short-page or omit fault leaves it.
import type { SimRecord, SimResourceName } from '../generate.ts'
import type { SimState } from '../state.ts'
import type { SimFault } from './options.ts'

export interface Selection {
  sortBy: 'id' | 'modified' | 'created'
  desc: boolean
  minModified?: number
  maxModified?: number
  minId?: number
  maxId?: number
  ids?: number[]
}

/** One page of rows, as a short-page or omit fault leaves it. */
export function pageOf(
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

/** The rows between min and max (inclusive) of a key the rows ascend by, found by bisection. */
function rangeOf(
  all: SimRecord[],
  min: number | undefined,
  max: number | undefined,
  key: (r: SimRecord) => number,
): SimRecord[] {
  const lo = min === undefined ? 0 : lowerBound(all, min, key)
  const hi = max === undefined ? all.length : lowerBound(all, max + 1, key)
  return lo === 0 && hi === all.length ? all : all.slice(lo, hi)
}

/** The listed ids that a read by id finds (hidden ones left out), in the selection's order. */
function rowsByIds(store: SimState, name: SimResourceName, s: Selection, ids: number[]) {
  const rows = [...new Set(ids)].flatMap((id) => {
    const r = store.readById(name, id)
    return r ? [r] : []
  })
  rows.sort(
    s.sortBy === 'modified'
      ? (a, b) => a.modified - b.modified || a.id - b.id
      : (a, b) => a.id - b.id,
  )
  return rows
}

/**
 * Rows matching a selection, in its order. Min and max date filters are both treated as
 * inclusive (>=, <=) [unconfirmed in BigCommerce's docs]. Sorting by date_created uses id order,
 * since rows are created in id order here.
 */
export function select(store: SimState, name: SimResourceName, s: Selection) {
  let rows: SimRecord[]
  if (s.ids) rows = rowsByIds(store, name, s, s.ids)
  else if (s.sortBy === 'modified')
    rows = rangeOf(store.byModified(name), s.minModified, s.maxModified, (r) => r.modified)
  else rows = rangeOf(store.byId(name), s.minId, s.maxId, (r) => r.id)
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
