// Which rows a list answers with: a selection (sort, id and date_modified ranges, an id list)
// over a resource's sorted rows, and the page cut from them, as a short-page or omit fault leaves
// it. Date bounds are exclusive and rows sharing a date_modified come back in any order unless
// the store's switches say otherwise (docs/bigcommerce-api.md "Clocks, date bounds and ordering").
import type { SimRecord, SimResourceName } from '../generate.ts'
import type { SimState } from '../state.ts'
import type { SimContext } from './context.ts'
import type { SimFault } from './options.ts'

export interface Selection {
  sortBy: 'id' | 'modified' | 'created'
  desc: boolean
  minModified?: number
  maxModified?: number
  minId?: number
  maxId?: number
  ids?: number[]
  /** Date bounds leave out rows at the bound itself (by default; a switch makes them inclusive). */
  exclusiveDates?: boolean
  /** Only rows this accepts (the orders list leaves out Incomplete orders). */
  where?: (record: SimRecord) => boolean
}

/** The store's rules for date bounds, as its switches set them. */
export const dateBoundsOf = (ctx: SimContext) => ({
  exclusiveDates: !ctx.settings.inclusiveDateBounds,
})

/** The random source that orders ties in a date_modified sort; undefined when ties are stable. */
export const tieOrderOf = (ctx: SimContext, s: Selection) =>
  s.sortBy === 'modified' && !ctx.settings.stableTies ? ctx.tieRandom : undefined

/**
 * The rows at [start, end) of `rows` (sorted by date_modified) as one request of a database with
 * no tie-breaker sees them: each run of equal date_modified touching the page is shuffled anew.
 */
function sliceWithUnstableTies(
  rows: SimRecord[],
  start: number,
  end: number,
  random: () => number,
) {
  const stop = Math.min(end, rows.length)
  if (start >= stop) return []
  const same = (i: number, j: number) => rows[i]?.modified === rows[j]?.modified
  let lo = start
  while (lo > 0 && same(lo - 1, lo)) lo -= 1
  let hi = stop
  while (hi < rows.length && same(hi, hi - 1)) hi += 1
  const part = rows.slice(lo, hi)
  for (let groupStart = 0; groupStart < part.length;) {
    let groupEnd = groupStart + 1
    while (groupEnd < part.length && part[groupEnd]?.modified === part[groupStart]?.modified)
      groupEnd += 1
    for (let i = groupEnd - 1; i > groupStart; i -= 1) {
      const j = groupStart + Math.floor(random() * (i - groupStart + 1))
      ;[part[i], part[j]] = [part[j] as SimRecord, part[i] as SimRecord]
    }
    groupStart = groupEnd
  }
  return part.slice(start - lo, stop - lo)
}

/** One page of rows, as a short-page or omit fault leaves it; ties shuffled given `tieOrder`. */
export function pageOf(
  rows: SimRecord[],
  page: number,
  limit: number,
  fault: SimFault | undefined,
  tieOrder?: () => number,
): SimRecord[] {
  const [start, end] = [(page - 1) * limit, page * limit]
  let out = tieOrder ? sliceWithUnstableTies(rows, start, end, tieOrder) : rows.slice(start, end)
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
 * Rows matching a selection, in its order. Date bounds are whole seconds, exclusive or inclusive
 * as the selection says (BigCommerce does not document which); id bounds are inclusive. Sorting
 * by date_created uses id order, since rows are created in id order here.
 */
export function select(store: SimState, name: SimResourceName, given: Selection) {
  const step = given.exclusiveDates ? 1 : 0
  const s: Selection = {
    ...given,
    minModified: given.minModified === undefined ? undefined : given.minModified + step,
    maxModified: given.maxModified === undefined ? undefined : given.maxModified - step,
  }
  let rows: SimRecord[]
  if (s.ids) rows = rowsByIds(store, name, s, s.ids)
  else if (s.sortBy === 'modified')
    rows = rangeOf(store.byModified(name), s.minModified, s.maxModified, (r) => r.modified)
  else rows = rangeOf(store.byId(name), s.minId, s.maxId, (r) => r.id)
  const needsFilter =
    s.minModified !== undefined ||
    s.maxModified !== undefined ||
    s.minId !== undefined ||
    s.maxId !== undefined ||
    s.where !== undefined
  if (needsFilter) {
    rows = rows.filter(
      (r) =>
        (s.minModified === undefined || r.modified >= s.minModified) &&
        (s.maxModified === undefined || r.modified <= s.maxModified) &&
        (s.minId === undefined || r.id >= s.minId) &&
        (s.maxId === undefined || r.id <= s.maxId) &&
        (s.where === undefined || s.where(r)),
    )
  }
  if (s.desc) rows = [...rows].reverse()
  return rows
}
