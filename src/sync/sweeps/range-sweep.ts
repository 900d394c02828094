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
//    API cannot filter by id, by offset, repeated until two counts agree: busy-second.ts).
//
// So a row that existed before the run and did not change during it is always seen; the covered
// intervals are the checkpoint, recorded only after their rows are committed.
//
// "Fewer rows than a page" ends a range only when no total says more rows follow: only catalog
// products document pages of 250, so another list may serve shorter ones. Such a page is read as
// a full one (the walk goes on from its last key). Where no total exists (coupons within id
// bounds), one more request past the page's last key must come back empty. An answer that is not
// a list, or an empty page while its total says rows exist, is asked again a few times and then
// fails the sweep: it never counts as an empty range. An answer over the client's size limit
// halves the walk's page size (range-fetch.ts); a probe that is too large is skipped (the walks
// cover its part).
//
// Every decision is a pure step in range-steps.ts; this file only sequences the requests.
import { MAX_PAGE_SIZE } from '../../bigcommerce/paging.ts'
import { sweepBusySecond } from './busy-second.ts'
import { probe } from './range-probe.ts'
import { commitCovering, type RangeRun, type RangeSweepOptions, type Walk } from './range-run.ts'
import { createLimiter } from '../../util/collections.ts'
import {
  createRangeFetcher,
  EmptyPageError,
  keyOrUndefined,
  SweepIncompleteError,
} from './range-fetch.ts'
import {
  decideEnd,
  decideWalk,
  firstPageCover,
  needsExactLo,
  pageEnds,
  pageSizeOf,
  pastPageHasRows,
  pickSplit,
  probePages,
  walksWanted,
  type PageSize,
  type PageView,
} from './range-steps.ts'

export {
  EmptyPageError,
  KEY_MAX,
  KEY_MIN,
  LIST_ATTEMPTS,
  ObjectTooLargeError,
  SweepIncompleteError,
  type PageSizeReduced,
} from './range-fetch.ts'
export { endsRange } from './range-steps.ts'
export type { RangeSweepOptions } from './range-run.ts'

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
  const concurrency = Math.max(1, options.concurrency ?? 16)
  const run: RangeRun = {
    lo,
    hi,
    options,
    fetch: createRangeFetcher(options, createLimiter(concurrency)),
    normalPageSize: Math.min(MAX_PAGE_SIZE, Math.max(1, options.pageSize ?? MAX_PAGE_SIZE)),
    concurrency,
    walking: new Set(),
    targetWalks: concurrency,
    read: 0,
  }
  const { coverage } = options
  await settleAll(coverage.gaps(lo, hi).map(([a, b]) => sweepGap(run, a, b)))
  if (!coverage.covers(lo, hi)) {
    throw new SweepIncompleteError(
      `${options.resource.name}: the sweep ended with gaps ${JSON.stringify(coverage.gaps(lo, hi))}`,
    )
  }
}

/**
 * Whether a page (the first of a query over [from, to]) ends its range. A list that can count
 * neither in the answer nor by a count request (coupons within id bounds) is asked once more,
 * from just past the page's last key: only when that finds nothing is the short page the end.
 */
async function endsHere(
  run: RangeRun,
  view: PageView,
  pageSize: number,
  range: { from: number; to: number; size: { current: PageSize } },
): Promise<boolean> {
  const { resource } = run.options
  const decision = decideEnd(view, pageSize, resource.sweepKey === 'id', range.to, range.from)
  if (decision.kind !== 'ask-past') return decision.kind === 'ends'
  const request = { lo: decision.after, hi: range.to, page: 1 }
  const { answer } = await run.fetch.fetchSized(request, range.size)
  const keys = answer.items.map((item) => keyOrUndefined(resource, item))
  return !pastPageHasRows(keys, decision.after, range.to)
}

/** One walk page at the cursor, asked again with the exact lower bound when the widening filled it. */
async function walkPage(run: RangeRun, walk: Walk) {
  const { cursor, to } = walk
  let { answer, pageSize } = await run.fetch.fetchSized(
    { lo: cursor, hi: to, page: 1 },
    walk.size,
    true,
  )
  let view = run.fetch.viewOf(answer)
  if (!pageEnds(view, 1, pageSize)) run.fetch.requireEdges(view, answer)
  if (needsExactLo(view, cursor, pageSize)) {
    const exact = { lo: cursor, hi: to, page: 1, exactLo: true }
    ;({ answer, pageSize } = await run.fetch.fetchSized(exact, walk.size, true))
    view = run.fetch.viewOf(answer)
  }
  const ends = await endsHere(run, view, pageSize, { from: cursor, to, size: walk.size })
  if (!ends) run.fetch.requireEdges(view, answer)
  return { answer, view, ends }
}

/**
 * Keyset walk from `cursor` to `to`; a page's rows are written while the next is read. A page
 * that stays empty while the store counts rows from the cursor on, after the list has shown rows,
 * ends the walk with a note: the list shows fewer rows than the count, for a reason the API never
 * gives (docs/bigcommerce-api.md "The orders listing and its count"). A list that showed nothing
 * at all still fails the sweep.
 */
async function walk(run: RangeRun, range: Walk): Promise<void> {
  let writing: Promise<void> = Promise.resolve()
  while (range.cursor <= range.to) {
    const page = await walkPage(run, range).catch((error: unknown) => {
      if (!(error instanceof EmptyPageError) || run.read === 0) throw error
      run.options.onShortfall?.(error.message)
      return null
    })
    await writing
    if (!page) {
      const from = range.cursor
      range.cursor = range.to + 1
      return commitCovering(run, [], from, range.to)
    }
    const { answer, view, ends } = page
    const decision = decideWalk(range, view, ends)
    if (decision.kind === 'ask-again') continue
    range.rows += answer.items.length
    if (decision.kind === 'finish') {
      range.cursor = range.to + 1
      return commitCovering(run, answer.items, ...decision.cover)
    }
    if (decision.kind === 'advance') {
      writing = commitCovering(run, answer.items, ...decision.cover)
      // Awaited on the next turn; this only keeps a failure from counting as unhandled meanwhile.
      writing.catch(() => {})
      range.cursor = decision.cursor
    } else {
      await run.options.commit(answer.items)
      await sweepBusySecond(run, decision.second, range.size)
      range.cursor = decision.second + 1
    }
  }
  await writing
}

const newWalk = (from: number, to: number, normal: number): Walk => ({
  start: from,
  cursor: from,
  to,
  rows: 0,
  size: { current: pageSizeOf(normal) },
})

/**
 * Runs a walk; when it ends while fewer walks than wanted are left, splits the remaining range
 * of the walk with the most rows still ahead, so the last minutes of a sweep keep the quota busy.
 */
async function runWalk(run: RangeRun, range: Walk): Promise<void> {
  run.walking.add(range)
  try {
    await walk(run, range)
  } finally {
    run.walking.delete(range)
  }
  const splits: Array<Promise<void>> = []
  while (run.walking.size + splits.length < run.targetWalks) {
    const split = pickSplit(run.walking, run.normalPageSize)
    if (!split) break
    const rest = newWalk(split.middle + 1, split.walk.to, run.normalPageSize)
    split.walk.to = split.middle
    splits.push(runWalk(run, rest))
  }
  await settleAll(splits)
}

/** One uncovered gap: its first page, probes across it, then walks over what they left. */
async function sweepGap(run: RangeRun, from: number, to: number): Promise<void> {
  const { options } = run
  const size = { current: pageSizeOf(run.normalPageSize) }
  const requestedAt = Date.now()
  const request = { lo: from, hi: to, page: 1, withTotal: true }
  const { answer: first, pageSize } = await run.fetch.fetchSized(request, size)
  const roundTripMs = Date.now() - requestedAt
  if (first.total !== undefined) options.onTotal?.(first.total)
  const view = run.fetch.viewOf(first)
  const ends = await endsHere(run, view, pageSize, { from, to, size })
  if (!ends) run.fetch.requireEdges(view, first)
  const cover = firstPageCover(view, from, to, ends)
  if (cover) await commitCovering(run, first.items, ...cover)
  if (ends) return

  const pacer = options.client.pacer.snapshot()
  run.targetWalks = walksWanted(pacer, roundTripMs, run.concurrency, options.parallelSweeps ?? 1)
  const gap = { from, to, pageSize, firstTotal: first.total }
  await settleAll(probePages(first.total, pageSize, run.targetWalks).map((p) => probe(run, gap, p)))
  const walks = options.coverage.gaps(from, to).map(([a, b]) => newWalk(a, b, run.normalPageSize))
  await settleAll(walks.map((w) => runWalk(run, w)))
}
