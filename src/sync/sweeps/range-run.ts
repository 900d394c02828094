// The state one sweepRange call shares with its steps (probes, walks, busy seconds), apart from
// range-sweep.ts so that the steps and the sequencing import it without importing each other.
import type { BigCommerceClient } from '../../bigcommerce/client.ts'
import type { ResourceDefinition } from '../../resources/types.ts'
import type { Coverage } from './coverage.ts'
import type { PageSizeReduced, RangeFetcher } from './range-fetch.ts'
import { clampToWindow, type PageSize, type WalkProgress } from './range-steps.ts'

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
  /** Called when the list showed fewer rows than the store counts (see walk). */
  onShortfall?: (message: string) => void
  /** Called when an answer over the client's size limit made a walk ask for fewer rows. */
  onPageSizeReduced?: (event: PageSizeReduced) => void
  /** How many requests this sweep keeps in flight at most; the pacer decides the real rate. */
  concurrency?: number
  /** How many ranges are swept at the same time (they share the quota). Default 1. */
  parallelSweeps?: number
  /** Rows a page asks for; default (and the API's maximum) 250. */
  pageSize?: number
  /** Pause before asking an odd list answer again (times the attempt). Default 250 ms. */
  listRetryMs?: number
  signal?: AbortSignal
}

/** One walk: its progress and its own page size (halved after an answer that was too large). */
export interface Walk extends WalkProgress {
  size: { current: PageSize }
}

/** What the steps of one sweepRange call share. */
export interface RangeRun {
  lo: number
  hi: number
  options: RangeSweepOptions
  fetch: RangeFetcher
  normalPageSize: number
  concurrency: number
  walking: Set<Walk>
  targetWalks: number
  /** Rows committed so far. */
  read: number
}

/** Commits rows, then marks [from, to] (within the window) covered. */
export async function commitCovering(run: RangeRun, items: unknown[], from: number, to: number) {
  if (items.length > 0) await run.options.commit(items)
  run.read += items.length
  const cover = clampToWindow(from, to, run.lo, run.hi)
  if (cover) {
    run.options.coverage.add(...cover)
    run.options.onCovered?.()
  }
}
