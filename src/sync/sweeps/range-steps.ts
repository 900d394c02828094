// The decisions of a range sweep (range-sweep.ts) as pure steps over plain values: where the next
// page starts, when a short page still means "read on", when a busy second is paged by id, which
// interval a page lets the sweep mark covered, how many walks to run and which one to split, and
// how the page size shrinks after an answer that was too large. No requests, no clock: each step
// is tested on its own, and the property test drives the whole sweep through them.
import { MAX_PAGE_SIZE } from '../../bigcommerce/paging.ts'

export type Interval = [lo: number, hi: number]

/** What a decision needs to know of one answer (keys from the rows that have one). */
export interface PageView {
  /** Rows on the page, odd objects included. */
  count: number
  /** Rows the whole query holds, when the API said. */
  total?: number
  /** Sweep key of the first and last rows that have one (pages are sorted by key). */
  firstKey?: number
  lastKey?: number
}

/** Whether page `page` (1-based, `pageSize` rows asked) is the last: short, and no total says more. */
export function endsRange(
  answer: { items: unknown[]; total?: number },
  page: number,
  pageSize: number = MAX_PAGE_SIZE,
): boolean {
  return pageEnds({ count: answer.items.length, total: answer.total }, page, pageSize)
}

export function pageEnds(view: PageView, page: number, pageSize: number): boolean {
  if (view.count >= pageSize) return false
  if (view.total === undefined) return true
  return view.total <= (page - 1) * pageSize + view.count
}

/** The first or last key present (undefined: no row on the page has a usable key). */
export function edgeOf(keys: ReadonlyArray<number | undefined>, edge: 'first' | 'last') {
  const ordered = edge === 'first' ? keys : [...keys].reverse()
  return ordered.find((key): key is number => key !== undefined)
}

/** The part of [from, to] inside the sweep's window [lo, hi]; null when nothing is left. */
export function clampToWindow(from: number, to: number, lo: number, hi: number): Interval | null {
  const a = Math.max(from, lo)
  const b = Math.min(to, hi)
  return a <= b ? [a, b] : null
}

/**
 * A full page whose last key lies below the cursor: the API's lower bound was inclusive after all
 * and the busy second before the cursor (the bound's widening) filled the page. Ask again with
 * the exact bound.
 */
export function needsExactLo(view: PageView, cursor: number, pageSize: number): boolean {
  return !pageEnds(view, 1, pageSize) && view.lastKey !== undefined && view.lastKey < cursor
}

/** How a short first page of [from, to] is settled when its own total cannot tell. */
export type EndDecision =
  | { kind: 'ends' }
  | { kind: 'continues' }
  /** No count at all (coupons within id bounds): ask once more, from `after`. */
  | { kind: 'ask-past'; after: number }

export function decideEnd(
  view: PageView,
  pageSize: number,
  keyedById: boolean,
  to: number,
  from: number,
): EndDecision {
  if (!pageEnds(view, 1, pageSize)) return { kind: 'continues' }
  if (view.total !== undefined || !keyedById) return { kind: 'ends' }
  // Ids are unique, so starting past the last id leaves no row of the page behind.
  const after = view.count === 0 || view.lastKey === undefined ? from : view.lastKey + 1
  return after > to ? { kind: 'ends' } : { kind: 'ask-past', after }
}

/**
 * Whether the request past a short page found rows in [after, to]: the range goes on. Rows past
 * `to` (the bound is widened by one) belong to the next range.
 */
export function pastPageHasRows(
  keys: ReadonlyArray<number | undefined>,
  after: number,
  to: number,
): boolean {
  return keys.some((key) => key !== undefined && key >= after && key <= to)
}

/** What a keyset walk at `cursor` (range up to `to`) does with one page. */
export type WalkDecision =
  /** An empty page, yet rows lie past it: ask the same again. */
  | { kind: 'ask-again' }
  /** The page ends the range: [cursor, to] is covered and the walk is done. */
  | { kind: 'finish'; cover: Interval }
  /** A full page covers [cursor, last key - 1]; the walk goes on from its last key. */
  | { kind: 'advance'; cover: Interval; cursor: number }
  /** The whole page is one second (the cursor's): page that second by id, then go on past it. */
  | { kind: 'busy-second'; second: number }

export function decideWalk(
  walk: { cursor: number; to: number },
  view: PageView,
  ends: boolean,
): WalkDecision {
  const { cursor, to } = walk
  if (ends) return { kind: 'finish', cover: [cursor, to] }
  if (view.count === 0 || view.lastKey === undefined) return { kind: 'ask-again' }
  if (view.lastKey > cursor) {
    return { kind: 'advance', cover: [cursor, view.lastKey - 1], cursor: view.lastKey }
  }
  return { kind: 'busy-second', second: cursor }
}

/** What a gap's first page lets the sweep mark covered (it holds every row below its last key). */
export function firstPageCover(view: PageView, from: number, to: number, ends: boolean) {
  if (ends) return [from, to] satisfies Interval
  if (view.count === 0 || view.lastKey === undefined) return null
  return [from, view.lastKey - 1] satisfies Interval
}

/** Offset pages to probe: every `stride`-th after the first, so `walks` walks share the rest. */
export function probePages(total: number | undefined, pageSize: number, walks: number): number[] {
  const totalPages = total === undefined ? 1 : Math.ceil(total / pageSize)
  const stride = Math.max(2, Math.ceil(totalPages / Math.max(1, walks)))
  const pages: number[] = []
  for (let page = 1 + stride; page <= totalPages; page += stride) pages.push(page)
  return pages
}

/**
 * What a probe page covers: the keys strictly between its first and last (to the end of the
 * range when it is the last page). v2 pages carry no total: the first page's stands in (if rows
 * left meanwhile, the page merely counts as full, and the walks cover the rest).
 */
export function probeCover(
  view: PageView,
  page: number,
  pageSize: number,
  firstTotal: number | undefined,
  to: number,
): Interval | null {
  if (view.count === 0 || view.firstKey === undefined || view.lastKey === undefined) return null
  const last = pageEnds({ ...view, total: view.total ?? firstTotal }, page, pageSize)
  return [view.firstKey + 1, last ? to : view.lastKey - 1]
}

/** Paging one busy second by id: done, the next page's lowest id, or a page without any id. */
export type BusyByIdStep = { kind: 'done' } | { kind: 'next'; minId: number } | { kind: 'no-id' }

export function busyByIdStep(
  view: PageView,
  pageSize: number,
  lastId: number | undefined,
): BusyByIdStep {
  if (pageEnds(view, 1, pageSize)) return { kind: 'done' }
  return lastId === undefined ? { kind: 'no-id' } : { kind: 'next', minId: lastId + 1 }
}

/**
 * A busy second paged by offset is complete when nothing left it while it was paged (the count
 * before and after agree) and every row counted was seen (ids, plus objects without one).
 */
export function busySecondSettled(
  before: number,
  after: number,
  seenIds: number,
  withoutId: number,
): boolean {
  return before === after && seenIds + withoutId >= before
}

/** A walk's progress; `to` shrinks when the rest of its range is split off. */
export interface WalkProgress {
  start: number
  cursor: number
  to: number
  /** Rows met so far, to estimate the rows still ahead. */
  rows: number
}

/**
 * The walk worth splitting (the most rows still ahead, estimated from the rows per key so far)
 * and where: its remaining range halves. Null when no walk has a few pages left.
 */
export function pickSplit(
  walks: Iterable<WalkProgress>,
  pageSize: number,
): { walk: WalkProgress; middle: number } | null {
  let best: { walk: WalkProgress; ahead: number } | null = null
  for (const walk of walks) {
    const done = Math.max(1, walk.cursor - walk.start)
    const ahead = ((walk.to - walk.cursor) * walk.rows) / done
    if (!best || ahead > best.ahead) best = { walk, ahead }
  }
  if (!best || best.ahead < 4 * pageSize) return null
  const { walk } = best
  return { walk, middle: walk.cursor + Math.floor((walk.to - walk.cursor) / 2) }
}

/**
 * How many keyset walks to run side by side. Each walk ends in a partial page, so no more than
 * the quota can use: requests per second times round-trip time, with headroom, shared among the
 * sweeps running at once. Without rate headers (no quota), as many as allowed.
 */
export function walksWanted(
  pacer: { quota?: number | null; windowMs?: number | null },
  roundTripMs: number,
  concurrency: number,
  parallelSweeps: number,
): number {
  const { quota, windowMs } = pacer
  if (!quota || !windowMs) return concurrency
  const inFlight = (quota / windowMs) * Math.max(roundTripMs, 50)
  const wanted = Math.ceil((1.5 * inFlight) / Math.max(1, parallelSweeps))
  return Math.min(concurrency, Math.max(2, wanted))
}

/**
 * The page size of one walk. After an answer over the client's size limit the size halves; the
 * smaller size holds for as many rows as the refused page would have held (`owed`), which takes
 * the walk past the oversized rows, and then the normal size returns.
 */
export interface PageSize {
  normal: number
  limit: number
  owed: number
}

/**
 * The fewest rows a page asks for. Range bounds are widened by one key (whether the API's bounds
 * are inclusive is not documented), so a page may start with one row from before the bound: at
 * one row a page that row could fill every page, and a walk would never move.
 */
export const MIN_PAGE_SIZE = 2

export const pageSizeOf = (normal: number = MAX_PAGE_SIZE): PageSize => ({
  normal,
  limit: normal,
  owed: 0,
})

/** The size after a refused answer; null when a page of MIN_PAGE_SIZE rows was refused. */
export function shrinkPageSize(size: PageSize): PageSize | null {
  if (size.limit <= MIN_PAGE_SIZE) return null
  const limit = Math.max(MIN_PAGE_SIZE, Math.floor(size.limit / 2))
  return { ...size, limit, owed: Math.max(size.owed, size.limit) }
}

/** The size after an answer of `rows` rows at the current size. */
export function pageSizeAfter(size: PageSize, rows: number): PageSize {
  if (size.limit === size.normal) return size
  const owed = size.owed - rows
  return owed > 0 ? { ...size, owed } : pageSizeOf(size.normal)
}
