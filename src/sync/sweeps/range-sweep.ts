// Sweeping one key range (date_modified seconds, or coupon ids) so that no row is lost to paging,
// as fast as the quota allows.
//
// Offset pages (`page=N`) alone lose rows: when a row on an earlier page leaves the result set
// mid-run (modified past the frozen upper bound, or deleted), every later row shifts up one place
// and a row can slip between two pages. Keyset paging (`key >= last key seen`) cannot lose a row
// that stays put, but it is sequential. This sweep combines them, relying only on what one
// response guarantees by itself (a response is an atomic snapshot):
//
// 1. Page 1 at offset 0 holds every row whose key is below its last key.
// 2. Probes: every S-th offset page, fetched concurrently. A full page holds every row whose key
//    lies strictly between its first and last key, however the pages around it shifted.
// 3. Walks: each gap the probes left is walked by keyset, the gaps concurrently. A full page
//    covers [cursor, last key - 1]; the next request starts at the last key. When one second holds
//    more than a page of rows (a bulk import), that second is paged by id instead (or, where the
//    API cannot filter by id, by offset, repeated until two counts agree).
//
// So a row that existed before the run and did not change during it is always seen; the covered
// intervals are the checkpoint, recorded only after their rows are committed.
//
// "Fewer rows than a page" ends a range only when no total says more rows follow: only catalog
// products document pages of 250, so another list may serve shorter ones. Such a page is read as
// a full one (the walk goes on from its last key). Where no total exists (coupons within id
// bounds), one more request past the page's last key must come back empty. An answer that is not
// a list, or an empty page while its total says rows exist, is asked again a few times and then
// fails the sweep: it never counts as an empty range.
import type { BigCommerceClient } from '../../bigcommerce/client.ts'
import { BigCommerceListError } from '../../bigcommerce/list-answer.ts'
import { MAX_PAGE_SIZE } from '../../bigcommerce/paging.ts'
import type { RangePage, RangeQuery, ResourceDefinition } from '../../resources/types.ts'
import { Coverage } from './coverage.ts'

/** Keys are never below this; a range starting here has no lower bound. */
export const KEY_MIN = 0
/** A range ending here has no upper bound. */
export const KEY_MAX = Number.MAX_SAFE_INTEGER

export interface RangeSweepOptions {
  resource: ResourceDefinition
  client: BigCommerceClient
  /** Already-covered parts (from a checkpoint) are skipped. */
  coverage: Coverage
  /** Commits rows (upserts them); coverage is recorded only after it resolves. */
  commit: (items: unknown[]) => Promise<void>
  /** Called after coverage grew (to save a checkpoint). */
  onCovered?: () => void
  /** Called once the total row count of a range is known. */
  onTotal?: (rows: number) => void
  /** How many requests this sweep keeps in flight at most; the pacer decides the real rate. */
  concurrency?: number
  /** How many ranges are swept at the same time (they share the quota). Default 1. */
  parallelSweeps?: number
  signal?: AbortSignal
}

/** Offset-paging a busy second is retried this often before the sweep gives up. */
const MAX_VERIFY_ATTEMPTS = 6
/** A list answer that is not a list is asked this often in all before the sweep fails. */
export const LIST_ATTEMPTS = 3
const LIST_RETRY_MS = 250

export class SweepIncompleteError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SweepIncompleteError'
  }
}

/** A page with no rows although its own total (or the count) says the range holds some. */
export class EmptyPageError extends SweepIncompleteError {
  constructor(table: string, answer: RangePage, page: number) {
    super(
      `${table}: GET ${answer.path ?? 'the list'} answered no rows on page ${page} although the store counts ${answer.total ?? 0} in that range`,
    )
    this.name = 'EmptyPageError'
  }
}

/** Whether a page (1-based `page` of its query) is the last: short, and no total says more. */
export function endsRange(answer: RangePage, page: number): boolean {
  if (answer.items.length >= MAX_PAGE_SIZE) return false
  if (answer.total === undefined) return true
  return answer.total <= (page - 1) * MAX_PAGE_SIZE + answer.items.length
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

function createLimiter(limit: number) {
  let active = 0
  const waiting: Array<() => void> = []
  return async function run<T>(task: () => Promise<T>): Promise<T> {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve))
    active += 1
    try {
      return await task()
    } finally {
      active -= 1
      waiting.shift()?.()
    }
  }
}

/** Waits for every task, then throws the first failure (so nothing runs on after a failure). */
async function settleAll(tasks: Array<Promise<unknown>>): Promise<void> {
  const results = await Promise.allSettled(tasks)
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) throw failed.reason
}

export async function sweepRange(
  lo: number,
  hi: number,
  options: RangeSweepOptions,
): Promise<void> {
  const { resource, client, coverage } = options
  const concurrency = Math.max(1, options.concurrency ?? 16)
  const limit = createLimiter(concurrency)
  // A page's bounds come from its first and last rows that have a key: an odd object (no id or
  // date_modified) is set aside by the write path and must not stop the rest of its range.
  const firstKey = (items: unknown[]) => edgeKey(resource, items, 'first')
  const lastKey = (items: unknown[]) => edgeKey(resource, items, 'last')
  const bound = (key: number, edge: number) => (key === edge ? undefined : key)

  type RangeRequest = Omit<RangeQuery, 'lo' | 'hi'> & { lo: number; hi: number }

  /**
   * A short page without a total (v2 lists) gets the count of its query, so that endsRange can
   * tell whether rows follow; where the API cannot count the range, endsHere asks past the page.
   */
  const withTotal = async (answer: RangePage, query: RangeQuery): Promise<RangePage> => {
    if (answer.total !== undefined || answer.items.length >= MAX_PAGE_SIZE) return answer
    const total = await limit(() => resource.countRange(client, query))
    return total === undefined ? answer : { ...answer, total }
  }

  const fetchOnce = async (request: RangeRequest, countShort: boolean) => {
    options.signal?.throwIfAborted()
    const query = { ...request, lo: bound(request.lo, KEY_MIN), hi: bound(request.hi, KEY_MAX) }
    let answer = await limit(() => resource.listRange(client, query))
    if (countShort) answer = await withTotal(answer, query)
    if (answer.items.length === 0 && !endsRange(answer, request.page)) {
      throw new EmptyPageError(resource.name, answer, request.page)
    }
    return answer
  }

  /**
   * One list request (with `countShort`, a short page is checked against the count); an answer
   * that is not a list is asked again before the sweep fails.
   */
  const fetchRange = async (request: RangeRequest, countShort = false) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fetchOnce(request, countShort)
      } catch (error) {
        const odd = error instanceof BigCommerceListError || error instanceof EmptyPageError
        if (!odd || attempt >= LIST_ATTEMPTS) throw error
        await sleep(LIST_RETRY_MS * attempt)
      }
    }
  }

  async function commitCovering(items: unknown[], from: number, to: number) {
    if (items.length > 0) await options.commit(items)
    const a = Math.max(from, lo)
    const b = Math.min(to, hi)
    if (a <= b) {
      coverage.add(a, b)
      options.onCovered?.()
    }
  }

  /** Pages one second that holds more rows than a page, by id where the API can. */
  async function sweepBusySecond(second: number): Promise<void> {
    if (resource.canOrderById) {
      let minId: number | undefined
      for (;;) {
        const answer = await fetchRange({ lo: second, hi: second, order: 'id', minId, page: 1 })
        const { items } = answer
        if (endsRange(answer, 1)) return commitCovering(items, second, second)
        await options.commit(items)
        minId = edgeId(resource, items) + 1
      }
    }
    for (let attempt = 1; attempt <= MAX_VERIFY_ATTEMPTS; attempt++) {
      const first = await fetchRange({ lo: second, hi: second, page: 1, withTotal: true })
      const total = first.total ?? first.items.length
      const pages = Math.ceil(total / MAX_PAGE_SIZE)
      // Ids seen, and objects without one (set aside by the write path, but rows all the same).
      const seen = new Set<number>()
      let withoutId = 0
      const note = (items: unknown[]) => {
        for (const id of items.map(idOrUndefined)) {
          if (id === undefined) withoutId += 1
          else seen.add(id)
        }
      }
      note(first.items)
      await options.commit(first.items)
      const rest = await Promise.all(
        Array.from({ length: Math.max(0, pages - 1) }, (_, i) =>
          fetchRange({ lo: second, hi: second, page: i + 2 }),
        ),
      )
      for (const page of rest) {
        note(page.items)
        await options.commit(page.items)
      }
      // Nothing left the second while it was paged, and every row counted was seen: complete.
      const after = await fetchRange({ lo: second, hi: second, page: 1, withTotal: true })
      await options.commit(after.items)
      if ((after.total ?? after.items.length) === total && seen.size + withoutId >= total) {
        return commitCovering([], second, second)
      }
    }
    throw new SweepIncompleteError(
      `${resource.name}: rows modified at ${new Date(second * 1000).toISOString()} kept changing while they were paged; run the sync again`,
    )
  }

  /**
   * Whether a page (the first of a query over [from, to]) ends its range. A list that can count
   * neither in the answer nor by a count request (coupons within id bounds) is asked once more,
   * from just past the page's last key: only when that finds nothing is the short page the end.
   * Coupon ids are unique, so "past the last key" leaves no row of the page's last key behind.
   */
  async function endsHere(answer: RangePage, from: number, to: number): Promise<boolean> {
    if (!endsRange(answer, 1)) return false
    if (answer.total !== undefined || resource.sweepKey !== 'id') return true
    const after = answer.items.length === 0 ? from : lastKey(answer.items) + 1
    if (after > to) return true
    const next = await fetchRange({ lo: after, hi: to, page: 1 })
    return !next.items.some((item) => (keyOrUndefined(resource, item) ?? -1) >= after)
  }

  /** A keyset walk's progress; `to` shrinks when the rest of its range is split off. */
  interface Walk {
    start: number
    cursor: number
    to: number
    rows: number
  }
  const walking = new Set<Walk>()
  let targetWalks = concurrency

  /** Keyset walk from `cursor` to `to`. */
  async function walk(range: Walk): Promise<void> {
    let writing: Promise<void> = Promise.resolve()
    while (range.cursor <= range.to) {
      const { cursor, to } = range
      let answer = await fetchRange({ lo: cursor, hi: to, page: 1 }, true)
      if (!endsRange(answer, 1) && lastKey(answer.items) < cursor) {
        // The lower bound is inclusive and the busy second before the cursor (widening's extra
        // second) filled the page: ask again with the exact bound.
        answer = await fetchRange({ lo: cursor, hi: to, page: 1, exactLo: true }, true)
      }
      const ends = await endsHere(answer, cursor, to)
      const { items } = answer
      await writing
      if (!ends && items.length === 0) continue // an empty page, yet rows lie past it: ask again
      range.rows += items.length
      if (ends) {
        range.cursor = to + 1
        return commitCovering(items, cursor, to)
      }
      const last = lastKey(items)
      if (last > cursor) {
        writing = commitCovering(items, cursor, last - 1)
        // Awaited on the next turn; this only keeps a failure from counting as unhandled meanwhile.
        writing.catch(() => {})
        range.cursor = last
      } else {
        await options.commit(items)
        await sweepBusySecond(cursor)
        range.cursor = cursor + 1
      }
    }
    await writing
  }

  /**
   * Runs a walk; when it ends while fewer walks than wanted are left, splits the remaining range
   * of the walk with the most rows still ahead (estimated from the rows it met per key so far),
   * so the last minutes of a sweep keep the quota busy too.
   */
  async function runWalk(range: Walk): Promise<void> {
    walking.add(range)
    try {
      await walk(range)
    } finally {
      walking.delete(range)
    }
    const splits: Array<Promise<void>> = []
    while (walking.size + splits.length < targetWalks) {
      const split = splitBusiestWalk()
      if (!split) break
      splits.push(runWalk(split))
    }
    await settleAll(splits)
  }

  function splitBusiestWalk(): Walk | null {
    let best: { walk: Walk; ahead: number } | null = null
    for (const w of walking) {
      const done = Math.max(1, w.cursor - w.start)
      const ahead = ((w.to - w.cursor) * w.rows) / done
      if (!best || ahead > best.ahead) best = { walk: w, ahead }
    }
    if (!best || best.ahead < 4 * MAX_PAGE_SIZE) return null
    const { walk: w } = best
    const middle = w.cursor + Math.floor((w.to - w.cursor) / 2)
    const split: Walk = { start: middle + 1, cursor: middle + 1, to: w.to, rows: 0 }
    w.to = middle
    return split
  }

  /**
   * How many keyset walks to run side by side. Each walk ends in a partial page, so no more than
   * the quota can use: requests per second times round-trip time, with headroom, shared among
   * the sweeps running at once. Without rate headers (no quota), as many as allowed.
   */
  function walksFor(roundTripMs: number): number {
    const { quota, windowMs } = client.pacer.snapshot()
    if (!quota || !windowMs) return concurrency
    const inFlight = (quota / windowMs) * Math.max(roundTripMs, 50)
    const wanted = Math.ceil((1.5 * inFlight) / Math.max(1, options.parallelSweeps ?? 1))
    return Math.min(concurrency, Math.max(2, wanted))
  }

  async function sweepGap(from: number, to: number): Promise<void> {
    const requestedAt = Date.now()
    const first = await fetchRange({ lo: from, hi: to, page: 1, withTotal: true })
    const roundTripMs = Date.now() - requestedAt
    if (first.total !== undefined) options.onTotal?.(first.total)
    if (await endsHere(first, from, to)) return commitCovering(first.items, from, to)
    if (first.items.length > 0) await commitCovering(first.items, from, lastKey(first.items) - 1)

    const totalPages = first.total === undefined ? 1 : Math.ceil(first.total / MAX_PAGE_SIZE)
    targetWalks = walksFor(roundTripMs)
    const stride = Math.max(2, Math.ceil(totalPages / targetWalks))
    const probes: Array<Promise<void>> = []
    for (let page = 1 + stride; page <= totalPages; page += stride) {
      probes.push(
        fetchRange({ lo: from, hi: to, page }).then((answer) => {
          const { items } = answer
          if (items.length === 0) return
          const start = firstKey(items)
          // v2 pages carry no total: the first page's count stands in (if rows left meanwhile, the
          // page merely counts as full, and the walks cover the rest).
          const last = endsRange({ ...answer, total: answer.total ?? first.total }, page)
          const end = last ? to : lastKey(items) - 1
          return commitCovering(items, start + 1, end)
        }),
      )
    }
    await settleAll(probes)
    await settleAll(
      coverage.gaps(from, to).map(([a, b]) => runWalk({ start: a, cursor: a, to: b, rows: 0 })),
    )
  }

  await settleAll(coverage.gaps(lo, hi).map(([a, b]) => sweepGap(a, b)))
  if (!coverage.covers(lo, hi)) {
    throw new SweepIncompleteError(
      `${resource.name}: the sweep ended with gaps ${JSON.stringify(coverage.gaps(lo, hi))}`,
    )
  }
}

function idOrUndefined(item: unknown): number | undefined {
  const id = item && typeof item === 'object' && 'id' in item ? item.id : undefined
  return typeof id === 'number' ? id : undefined
}

function keyOrUndefined(resource: ResourceDefinition, item: unknown): number | undefined {
  try {
    return resource.keyOf(item)
  } catch {
    return undefined
  }
}

/** A page full of objects without a key gives the sweep nowhere to go on from. */
function noKeyOnPage(
  resource: ResourceDefinition,
  items: unknown[],
  what: string,
): SweepIncompleteError {
  const found = `none of the ${items.length} objects on a page had a usable ${what}`
  return new SweepIncompleteError(
    `${resource.name}: ${found}, so the sweep cannot tell where the page ends; run the sync again, and if it recurs, check the store's data`,
  )
}

/** The key of the first or last object of a page that has one (pages are sorted by key). */
function edgeKey(resource: ResourceDefinition, items: unknown[], edge: 'first' | 'last'): number {
  const ordered = edge === 'first' ? items : [...items].reverse()
  for (const item of ordered) {
    const key = keyOrUndefined(resource, item)
    if (key !== undefined) return key
  }
  throw noKeyOnPage(resource, items, resource.sweepKey)
}

/** The id of the last object of a page (sorted by id) that has one. */
function edgeId(resource: ResourceDefinition, items: unknown[]): number {
  for (let i = items.length - 1; i >= 0; i -= 1) {
    const id = idOrUndefined(items[i])
    if (id !== undefined) return id
  }
  throw noKeyOnPage(resource, items, 'id')
}
