// One table's part of a sweep run: plan its window (or resume a checkpoint), sweep it page by page
// with each page committed and checkpointed, delete what a whole full listing proves gone, and
// record how the run ended in sync_state. A failure ends this table only; the others go on.
import type { ResourceName } from '../../db/schema.ts'
import { writeItems, type RejectedItem } from '../../db/write-items.ts'
import { addChildReadStats } from '../../resources/child-stats.ts'
import type { ChildReadStats, ResourceDefinition } from '../../resources/types.ts'
import { settleHeldEvents } from '../events/inbox.ts'
import { describeProblem } from '../failure.ts'
import type { RequestCounts } from '../request-stats.ts'
import {
  markRunCompleted,
  markRunFailed,
  markRunStarted,
  readTableState,
  type Checkpoint,
} from '../sync-state.ts'
import { checkResumedRead, createCheckpointSaver } from './checkpoint.ts'
import { Coverage } from './coverage.ts'
import { evidenceOf, idsToIntervals, intervalsToIds } from './evidence.ts'
import { createRecentlyAccepted } from './listed-again.ts'
import { createPageSizeLog } from './range-fetch.ts'
import { KEY_MIN, sweepRange } from './range-sweep.ts'
import { createListedCount, DeletionRefusedError, removeGone } from './remove-gone.ts'
import {
  MAX_REJECTED_LISTED,
  type SyncContext,
  type SyncOptions,
  type TableProgress,
  type TableSummary,
} from './sweep-types.ts'
import { cursorAfter, keyToIso, planWindow, toSeconds } from './sweep-window.ts'
import { childSummary, withNotes } from './summary-notes.ts'

/**
 * List requests one run keeps in flight at most, its tables together. Each answer is a page of up
 * to 250 objects held until its rows are committed, so this bounds a sweep's memory whatever the
 * store's size. It is far above what a quota lets through (the pacer sets the real rate), and
 * without a quota the database's writes, not the requests, set the pace.
 */
export const SYNC_LIST_REQUESTS_IN_FLIGHT = 8

/**
 * Tables a run sweeps at once: each needs at least 2 requests in flight, so more would break the
 * run's bound; the others wait for a table to finish (runSync).
 */
export const SYNC_PARALLEL_TABLES = Math.floor(SYNC_LIST_REQUESTS_IN_FLIGHT / 2)

/** A table's share of the run's list requests in flight (at least 2: a walk and a probe). */
export function tableConcurrency(parallelTables: number): number {
  return Math.max(2, Math.floor(SYNC_LIST_REQUESTS_IN_FLIGHT / Math.max(1, parallelTables)))
}

/** Everything one table's run keeps while it works. */
interface TableRun {
  ctx: SyncContext
  options: SyncOptions
  resource: ResourceDefinition
  table: ResourceName
  runStart: Date
  began: number
  mode: TableSummary['mode']
  advancesCursor: boolean
  checkpoint: Checkpoint
  coverage: Coverage
  /** Whether this run may delete: a full sweep of the whole window, not a resumed one. */
  deletes: boolean
  /** A resumed run: the key ranges its checkpoint had left to read. */
  resumedGaps?: Array<[number, number]>
  /** A chunk of a chunked full sweep: saves what it listed when its budget stops it. */
  chunked: boolean
  /** Set once the listing ran to its end: a failure after it leaves nothing worth resuming. */
  listedWhole?: boolean
  /** Keys below this (the start date) are not mirrored. */
  startKey: number
  totals: { fetched: number; upserted: number; unchanged: number; deleted: number }
  /** Rows the window holds, when the API said. */
  total?: number
  wouldDelete?: number
  rejected: RejectedItem[]
  rejectedCount: number
  rejectedIds: Set<number>
  /** What the run tells the user besides its counts (e.g. a listing that fell short). */
  notes: string[]
  children: ChildReadStats
  /** Ids the listing returned (only when the run deletes: it would grow with the store). */
  seen: Set<number>
  listed: ReturnType<typeof createListedCount>
  pageSizes: ReturnType<typeof createPageSizeLog>
  /** Objects accepted lately: one listed again unchanged is not prepared and written twice. */
  recent: ReturnType<typeof createRecentlyAccepted>
  counts: () => RequestCounts
}

export async function runTable(
  ctx: SyncContext,
  options: SyncOptions,
  resource: ResourceDefinition,
  runStart: Date,
  countsOf: (table: ResourceName) => RequestCounts,
  parallelTables: number,
): Promise<TableSummary> {
  const run = await openTableRun(ctx, options, resource, runStart, countsOf)
  const saver = createCheckpointSaver(ctx, run)
  try {
    await markRunStarted(ctx.db, ctx.storeHash, run.table, saver.current())
    await sweepRange(run.checkpoint.lo, run.checkpoint.hi, {
      resource,
      client: ctx.client,
      coverage: run.coverage,
      commit: (items) => commitPage(run, items),
      concurrency: ctx.concurrency ?? tableConcurrency(parallelTables),
      parallelSweeps: parallelTables,
      signal: options.signal,
      onCovered: saver.saveSoon,
      onPageSizeReduced: run.pageSizes.note,
      onShortfall: (message) => run.notes.push(message.replace(`${run.table}: `, '')),
      onTotal: (rows) => {
        run.total = (run.total ?? 0) + rows
      },
    })
    await saver.settled()
    run.listedWhole = true
    if (run.resumedGaps && run.totals.fetched === 0)
      await checkResumedRead(ctx, resource, { gaps: run.resumedGaps, runStart })
    if (run.deletes) await removeGoneRows(run)
    return await completeTable(run)
  } catch (error) {
    await saver.settled()
    return await failTable(run, saver.current(), error)
  }
}

async function openTableRun(
  ctx: SyncContext,
  options: SyncOptions,
  resource: ResourceDefinition,
  runStart: Date,
  countsOf: (table: ResourceName) => RequestCounts,
): Promise<TableRun> {
  const table = resource.name
  const before = { ...countsOf(table) }
  const state = await readTableState(ctx.db, ctx.storeHash, table)
  const plan = planWindow(resource, options, ctx, state.cursor, runStart)
  // Resume an interrupted run of the same kind over the same start: its frozen upper bound and
  // what it already committed carry over.
  const resumable =
    state.checkpoint && state.checkpoint.mode === plan.mode && state.checkpoint.lo === plan.lo
  const saved = resumable ? state.checkpoint : null
  // The checkpoint kept while the run works is its window and coverage only; evidence is saved
  // apart, when a chunk stops (failTable).
  const checkpoint: Checkpoint = saved
    ? { mode: saved.mode, lo: saved.lo, hi: saved.hi, covered: saved.covered }
    : { mode: plan.mode, lo: plan.lo, hi: plan.hi, covered: [] }
  const chunked = options.chunked === true && plan.mode === 'full'
  const evidence = chunked && saved ? evidenceOf(saved) : undefined
  const dated = resource.sweepKey === 'date_modified'
  return {
    ctx,
    options,
    resource,
    table,
    // A chunk goes on with its first chunk's start: rows written since are spared (findGone).
    runStart: evidence ? new Date(evidence.runStart) : runStart,
    began: Date.now(),
    mode: plan.mode,
    advancesCursor: plan.advancesCursor,
    checkpoint,
    coverage: new Coverage(checkpoint.covered),
    // A resumed run saw only part of the window, so it cannot show that its listing was whole,
    // unless the chunks before it saved what they listed: else the next full run deletes instead.
    deletes: plan.mode === 'full' && (!saved || evidence !== undefined),
    chunked,
    resumedGaps: resumable
      ? new Coverage(checkpoint.covered).gaps(checkpoint.lo, checkpoint.hi)
      : undefined,
    startKey: dated && ctx.startDate ? toSeconds(ctx.startDate) : KEY_MIN,
    totals: { fetched: 0, upserted: 0, unchanged: 0, deleted: 0 },
    rejected: [],
    rejectedCount: 0,
    rejectedIds: new Set<number>(),
    notes: [],
    children: resource.emptyChildStats?.() ?? {},
    seen: new Set<number>(evidence ? intervalsToIds(evidence.seen) : []),
    listed: createListedCount(resource, checkpoint, evidence?.listed),
    pageSizes: createPageSizeLog(),
    recent: createRecentlyAccepted(),
    counts: () => countsSince(before, countsOf(table)),
  }
}

const countsSince = (before: RequestCounts, now: RequestCounts): RequestCounts => ({
  requests: now.requests - before.requests,
  throttled: now.throttled - before.throttled,
  retries: now.retries - before.retries,
})

/** Writes one page: rows before the start date are left out, odd objects set aside. */
async function commitPage(run: TableRun, items: unknown[]): Promise<void> {
  const { ctx, resource } = run
  if (run.deletes) run.listed.note(items)
  // An object without a readable key goes on to be rejected with its reason rather than stopping
  // the page.
  const kept = items.filter((item) => {
    try {
      return resource.keyOf(item) >= run.startKey
    } catch {
      return true
    }
  })
  run.totals.fetched += items.length
  // Listed again unchanged (overlapping pages): accepted already, so unchanged by this page.
  const fresh = kept.filter((item) => !run.recent.has(item))
  run.totals.unchanged += kept.length - fresh.length
  // Tombstones stop only reads that began before the deletion; this run's reads began at its start.
  const result = await writeItems(ctx.db, resource, ctx.storeHash, fresh, {
    fetchedAt: run.runStart,
    prepare: async (rows) =>
      addChildReadStats(run.children, await resource.prepareRows?.(ctx, rows)),
  })
  run.recent.note(fresh, result.ids)
  if (run.deletes) for (const id of result.ids) run.seen.add(id)
  noteRejected(run, result.rejected)
  run.totals.upserted += result.written
  run.totals.unchanged += result.unchanged
  reportProgress(run, 'running')
}

/**
 * A rejected row exists in the store all the same: never deleted for being unstorable.
 * Overlapping pages can show one object twice: each is listed and counted once.
 */
function noteRejected(run: TableRun, rejected: RejectedItem[]) {
  for (const item of rejected) {
    if (item.id !== null && run.rejectedIds.has(item.id)) continue
    if (item.id !== null) {
      run.rejectedIds.add(item.id)
      if (run.deletes) run.seen.add(item.id)
    }
    run.rejectedCount += 1
    if (run.rejected.length < MAX_REJECTED_LISTED) run.rejected.push(item)
  }
}

function reportProgress(run: TableRun, state: TableProgress['state']) {
  run.ctx.onProgress?.({
    table: run.table,
    fetched: run.totals.fetched,
    total: run.total,
    requests: run.counts().requests,
    elapsedMs: Date.now() - run.began,
    state,
  })
}

/** Deletes what the listing proves gone; a listing that fell short leaves a note instead. */
async function removeGoneRows(run: TableRun): Promise<void> {
  const { seen, listed, runStart, checkpoint } = run
  // A resumed run's total counts only the gaps it listed: the store is asked for its count instead.
  const countedAtStart = run.resumedGaps ? undefined : run.total
  const sweep = { seen, listed, countedAtStart, runStart, checkpoint }
  const removal = await removeGone(run.ctx, run.resource, run.options, sweep)
  run.totals.deleted = removal.deleted
  if (removal.shortfall) run.notes.push(removal.shortfall)
}

async function completeTable(run: TableRun): Promise<TableSummary> {
  reportProgress(run, 'completed')
  const result = summarize(run, 'completed')
  const { hi } = run.checkpoint
  const cursor = run.advancesCursor ? cursorAfter(hi, run.runStart, run.ctx.client.apiClock) : null
  await markRunCompleted(run.ctx.db, run.ctx.storeHash, run.table, { cursor, summary: result })
  // A whole listing that deleted what it proved gone settles the event processor's held deletions.
  if (run.deletes) await settleHeldEvents(run.ctx.db, run.ctx.storeHash, run.table, run.runStart)
  return result
}

async function failTable(run: TableRun, reached: Checkpoint, error: unknown) {
  // One line that names the status, what it means and what to do (not the bare error text);
  // the table is named by where it is kept (its sync_state row, its summary line).
  // A stop asked for (Ctrl-C, a budget) is no failure: the table says so, and resumes next run.
  const stopped = run.options.signal?.aborted === true
  const status: 'failed' | 'interrupted' = stopped ? 'interrupted' : 'failed'
  const message = stopped
    ? 'interrupted: stopped before the end; the next run resumes from its checkpoint'
    : describeProblem(error)
  if (error instanceof DeletionRefusedError) run.wouldDelete = error.wouldDelete
  const result = summarize(run, status, message)
  // After a listing that ran to its end, nothing is worth resuming: the next run lists afresh.
  const checkpoint = run.listedWhole ? null : withEvidence(run, reached, stopped)
  const failure = { status, error: message, checkpoint, summary: result }
  await markRunFailed(run.ctx.db, run.ctx.storeHash, run.table, failure).catch(() => {})
  reportProgress(run, status)
  return result
}

/** A chunk stopped by its budget keeps what it listed, so the chunk that ends the run may delete. */
function withEvidence(run: TableRun, reached: Checkpoint, stopped: boolean): Checkpoint {
  if (!run.chunked || !run.deletes || !stopped) return reached
  const evidence = {
    runStart: run.runStart.toISOString(),
    seen: idsToIntervals(run.seen),
    listed: run.listed.toJSON(),
  }
  return { ...reached, evidence }
}

function summarize(run: TableRun, status: TableSummary['status'], error?: string): TableSummary {
  const byId = run.resource.sweepKey === 'id'
  const { lo, hi } = run.checkpoint
  return {
    status,
    mode: run.mode,
    window: { from: byId ? null : keyToIso(lo), to: byId ? null : keyToIso(hi) },
    ...run.totals,
    rejected: [...run.rejected],
    rejectedCount: run.rejectedCount,
    ...(run.wouldDelete === undefined ? {} : { wouldDelete: run.wouldDelete }),
    seconds: (Date.now() - run.began) / 1000,
    ...run.counts(),
    ...(error ? { error } : {}),
    ...withNotes(run.resource.prepareRows ? childSummary(run.children, run.resource.name) : {}, [
      ...run.pageSizes.describe(),
      ...run.notes,
    ]),
  }
}
