// `bc-mirror sync`: reconciling the mirror with the store, table by table, all tables at once
// (they share the store's one request quota through the client's pacer).
//
// - Incremental (customers, orders, products): the window [cursor - overlap, run start], frozen
//   when the run starts; the first run starts at the start date. The cursor advances only when
//   every row of the window is committed.
// - Coupons have no date_modified: every run sweeps all of them by id and deletes the ones gone.
// - Full: every chosen table from the start date. Rows the sweep did not see are deleted only
//   when the listing was whole (it returned as many rows as the store counts), after each is
//   confirmed gone by id (one request per 250 for products and customers), and only up to a
//   safety share of the table unless the caller allows more (see removeGone).
// - Since: from a given date; moves the cursor only if that window reaches back to it.
// A killed run resumes from its checkpoint (the intervals already committed).
import { sql } from 'drizzle-orm'
import type { BigCommerceClient } from '../../bigcommerce/client.ts'
import type { Database } from '../../db/database.ts'
import { resourceTables, type ResourceName } from '../../db/schema.ts'
import { withLease } from '../../db/lease.ts'
import { deleteRows } from '../../db/write.ts'
import { writeItems, type RejectedItem } from '../../db/write-items.ts'
import { RESOURCES, SNAPSHOT_TABLES, SYNC_TABLES } from '../../resources/index.ts'
import { addChildReadStats, emptyChildReadStats } from '../../resources/order-children-read.ts'
import type { ChildReadStats, ResourceDefinition, ResourceRow } from '../../resources/types.ts'
import { Coverage } from './coverage.ts'
import { describeProblem } from '../failure.ts'
import { KEY_MAX, KEY_MIN, sweepRange } from './range-sweep.ts'
import { createPageSizeLog } from './range-fetch.ts'
import { countRequests, type ClientEventHub, type RequestCounts } from '../request-stats.ts'
import { kindOfSweep, recordRun, runFromSweep } from '../status/runs.ts'
import {
  markRunCompleted,
  markRunFailed,
  markRunStarted,
  readTableState,
  saveCheckpoint,
  type Checkpoint,
  type SweepMode,
} from '../sync-state.ts'

export { SYNC_TABLES }

/**
 * List requests one run keeps in flight at most, its tables together. Each answer is a page of up
 * to 250 objects held until its rows are committed, so this bounds a sweep's memory whatever the
 * store's size. It is far above what a quota lets through (the pacer sets the real rate), and
 * without a quota the database's writes, not the requests, set the pace.
 */
export const SYNC_LIST_REQUESTS_IN_FLIGHT = 8

/** A table's share of the run's list requests in flight (at least 2: a walk and a probe). */
export function tableConcurrency(parallelTables: number): number {
  return Math.max(2, Math.floor(SYNC_LIST_REQUESTS_IN_FLIGHT / Math.max(1, parallelTables)))
}

/** Re-read this much before the cursor: late-visible writes and clock skew stay covered. */
export const DEFAULT_OVERLAP_SECONDS = 5 * 60

export interface SyncContext {
  db: Database
  client: BigCommerceClient
  storeHash: string
  /** Rows last modified before this are not mirrored. */
  startDate?: Date
  /** The client's events, for per-table request counts. */
  clientEvents?: ClientEventHub
  onProgress?: (progress: TableProgress) => void
  /**
   * Requests each table keeps in flight at most (the pacer sets the real rate). Default: the
   * tables share SYNC_LIST_REQUESTS_IN_FLIGHT (see tableConcurrency).
   */
  concurrency?: number
  overlapSeconds?: number
  now?: () => Date
  /** Who this sweep is, for the store's sweep lease, and how to tell a dead holder (see lease.ts). */
  lease?: { holder: string; isGone(holder: string): boolean }
}

export interface SyncOptions {
  tables?: readonly ResourceName[]
  full?: boolean
  since?: Date
  /** Wait for a sweep already running for this store instead of failing at once. */
  wait?: boolean
  /** Let a full sweep delete more than the safety share of a table (see MASS_DELETE). */
  allowMassDelete?: boolean
  signal?: AbortSignal
}

/**
 * A full sweep deletes at most this share of a table's rows (or this many rows, whichever is
 * larger) unless allowMassDelete is set: a store does not lose a tenth of a table between two
 * sweeps, but a broken listing can look exactly like that.
 */
export const MASS_DELETE = { share: 0.1, rows: 1000 }

export interface TableProgress {
  table: ResourceName
  fetched: number
  /** Rows the window holds, when the API said. */
  total?: number
  requests: number
  elapsedMs: number
  done: boolean
}

export interface TableSummary extends RequestCounts {
  status: 'completed' | 'failed'
  mode: SweepMode
  window: { from: string | null; to: string | null }
  fetched: number
  upserted: number
  unchanged: number
  deleted: number
  /** Objects set aside in rejected_rows this run (the first MAX_REJECTED_LISTED, with why). */
  rejected: RejectedItem[]
  /** How many were set aside in all. */
  rejectedCount: number
  /** Rows a full sweep found gone but did not delete (above the safety share). */
  wouldDelete?: number
  seconds: number
  error?: string
  /** Orders: requests spent on line items, addresses and coupons, and the per-order fallback. */
  children?: ChildReadStats
  /** Things worth telling the user about the run (e.g. that the per-order fallback ran). */
  notes?: string[]
}

/** Rejected objects a summary lists by id; the rest are counted (rejected_rows has them all). */
export const MAX_REJECTED_LISTED = 100

export interface SyncSummary {
  ok: boolean
  storeHash: string
  startedAt: string
  seconds: number
  tables: Partial<Record<ResourceName, TableSummary>>
}

export class SyncBusyError extends Error {
  constructor(storeHash: string) {
    super(
      `Another sync of store ${storeHash} is running on this database. Wait for it to finish, or pass --wait to queue behind it.`,
    )
    this.name = 'SyncBusyError'
  }
}

export async function runSync(ctx: SyncContext, options: SyncOptions = {}): Promise<SyncSummary> {
  const tables = options.tables ?? SYNC_TABLES
  // A lease, not a session advisory lock: it holds behind transaction-mode poolers (PgBouncer,
  // Hyperdrive), where a session lock could be taken and released on different connections.
  const locked = await withLease(
    ctx.db,
    `sync:${ctx.storeHash}`,
    () => runTables(ctx, options, tables),
    {
      wait: options.wait ?? false,
      holder: ctx.lease?.holder,
      isGone: ctx.lease?.isGone,
    },
  )
  if (!locked.acquired) throw new SyncBusyError(ctx.storeHash)
  return locked.value
}

async function runTables(ctx: SyncContext, options: SyncOptions, tables: readonly ResourceName[]) {
  const now = ctx.now ?? (() => new Date())
  const startedAt = now()
  const counter = countRequests(ctx.clientEvents)
  try {
    const results = await Promise.all(
      tables.map(
        async (table) =>
          [
            table,
            await runTable(ctx, options, RESOURCES[table], startedAt, counter.of, tables.length),
          ] as const,
      ),
    )
    const summary: SyncSummary = {
      ok: results.every(([, r]) => r.status === 'completed'),
      storeHash: ctx.storeHash,
      startedAt: startedAt.toISOString(),
      seconds: (now().getTime() - startedAt.getTime()) / 1000,
      tables: Object.fromEntries(results),
    }
    await recordRun(
      ctx.db,
      ctx.storeHash,
      runFromSweep(kindOfSweep(options, tables), summary, now()),
    )
    return summary
  } finally {
    counter.stop()
  }
}

const toSeconds = (date: Date) => Math.floor(date.getTime() / 1000)
const keyToIso = (key: number) =>
  key === KEY_MIN || key === KEY_MAX ? null : new Date(key * 1000).toISOString()

/** The window a run sweeps, in sweep keys, and the cursor it may set when it completes. */
function planWindow(
  resource: ResourceDefinition,
  options: SyncOptions,
  ctx: SyncContext,
  cursor: Date | null,
  runStart: Date,
): { mode: SweepMode; lo: number; hi: number; advancesCursor: boolean } {
  if (resource.sweepKey === 'id')
    return { mode: 'full', lo: KEY_MIN, hi: KEY_MAX, advancesCursor: false }
  const start = ctx.startDate ? toSeconds(ctx.startDate) : KEY_MIN
  const hi = toSeconds(runStart)
  if (options.full) return { mode: 'full', lo: start, hi, advancesCursor: true }
  if (options.since) {
    const lo = Math.max(start, toSeconds(options.since))
    // Only a window that reaches back to the cursor (or to the start, on a first run) may move it.
    const reaches = cursor ? lo <= toSeconds(cursor) : lo <= start
    return { mode: 'since', lo, hi, advancesCursor: reaches }
  }
  if (!cursor) return { mode: 'incremental', lo: start, hi, advancesCursor: true }
  const overlap = ctx.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS
  return {
    mode: 'incremental',
    lo: Math.max(start, toSeconds(cursor) - overlap),
    hi,
    advancesCursor: true,
  }
}

async function runTable(
  ctx: SyncContext,
  options: SyncOptions,
  resource: ResourceDefinition,
  runStart: Date,
  countsOf: (table: ResourceName) => RequestCounts,
  parallelTables: number,
): Promise<TableSummary> {
  const table = resource.name
  const began = Date.now()
  const before = { ...countsOf(table) }
  const state = await readTableState(ctx.db, ctx.storeHash, table)
  const plan = planWindow(resource, options, ctx, state.cursor, runStart)
  // Resume an interrupted run of the same kind over the same start: its frozen upper bound and
  // what it already committed carry over.
  const resumable =
    state.checkpoint && state.checkpoint.mode === plan.mode && state.checkpoint.lo === plan.lo
  const checkpoint: Checkpoint =
    resumable && state.checkpoint
      ? state.checkpoint
      : { mode: plan.mode, lo: plan.lo, hi: plan.hi, covered: [] }
  const coverage = new Coverage(checkpoint.covered)
  const startKey =
    resource.sweepKey === 'date_modified' && ctx.startDate ? toSeconds(ctx.startDate) : KEY_MIN
  const totals = {
    fetched: 0,
    upserted: 0,
    unchanged: 0,
    deleted: 0,
    total: undefined as number | undefined,
    wouldDelete: undefined as number | undefined,
  }
  const rejected: RejectedItem[] = []
  let rejectedCount = 0
  const rejectedIds = new Set<number>()
  const children = emptyChildReadStats()
  // What the listing returned, one entry per row: only a full sweep that may delete needs it, and
  // in a backfill of millions of rows it would be the one thing that grows with the store.
  const deletes = plan.mode === 'full' && !resumable
  const seen = new Set<number>()
  const listed = createListedCount(resource, checkpoint)
  const pageSizes = createPageSizeLog()

  const counts = () => {
    const now = countsOf(table)
    return {
      requests: now.requests - before.requests,
      throttled: now.throttled - before.throttled,
      retries: now.retries - before.retries,
    }
  }
  const progress = (done: boolean) =>
    ctx.onProgress?.({
      table,
      fetched: totals.fetched,
      total: totals.total,
      requests: counts().requests,
      elapsedMs: Date.now() - began,
      done,
    })
  const summary = (status: TableSummary['status'], error?: string): TableSummary => ({
    status,
    mode: plan.mode,
    window: {
      from: resource.sweepKey === 'id' ? null : keyToIso(checkpoint.lo),
      to: resource.sweepKey === 'id' ? null : keyToIso(checkpoint.hi),
    },
    fetched: totals.fetched,
    upserted: totals.upserted,
    unchanged: totals.unchanged,
    deleted: totals.deleted,
    rejected: [...rejected],
    rejectedCount,
    ...(totals.wouldDelete === undefined ? {} : { wouldDelete: totals.wouldDelete }),
    seconds: (Date.now() - began) / 1000,
    ...counts(),
    ...(error ? { error } : {}),
    ...withNotes(resource.prepareRows ? childSummary(children) : {}, pageSizes.describe()),
  })

  // The checkpoint follows coverage closely (a small update per committed page), one write at a
  // time, so a run killed at any point loses at most the pages in flight.
  const current = (): Checkpoint => ({ ...checkpoint, covered: coverage.toJSON() })
  let saving: Promise<void> | null = null
  let dirty = false
  async function flushCheckpoint() {
    while (dirty) {
      dirty = false
      await saveCheckpoint(ctx.db, ctx.storeHash, table, current()).catch(() => {})
    }
    saving = null
  }
  const saveSoon = () => {
    dirty = true
    saving ??= flushCheckpoint()
  }

  async function commit(items: unknown[]) {
    // Before the start date: not mirrored. An object without a readable key goes on to be
    // rejected with its reason rather than stopping the page.
    const kept = items.filter((item) => {
      try {
        return resource.keyOf(item) >= startKey
      } catch {
        return true
      }
    })
    totals.fetched += items.length
    // Tombstones stop only reads that began before the deletion; this run's reads began at its start.
    const result = await writeItems(ctx.db, resource, ctx.storeHash, kept, {
      fetchedAt: runStart,
      prepare: async (rows) => addChildReadStats(children, await resource.prepareRows?.(ctx, rows)),
    })
    if (deletes) for (const id of result.ids) seen.add(id)
    // A rejected row exists in the store all the same: never deleted for being unstorable.
    // Overlapping pages can show one object twice: each is listed and counted once.
    for (const item of result.rejected) {
      if (item.id !== null && rejectedIds.has(item.id)) continue
      if (item.id !== null) {
        rejectedIds.add(item.id)
        if (deletes) seen.add(item.id)
      }
      rejectedCount += 1
      if (rejected.length < MAX_REJECTED_LISTED) rejected.push(item)
    }
    totals.upserted += result.written
    totals.unchanged += result.unchanged
    progress(false)
  }

  try {
    await markRunStarted(ctx.db, ctx.storeHash, table, current())
    await sweepRange(checkpoint.lo, checkpoint.hi, {
      resource,
      client: ctx.client,
      coverage,
      commit: (items) => {
        if (deletes) listed.note(items)
        return commit(items)
      },
      concurrency: ctx.concurrency ?? tableConcurrency(parallelTables),
      parallelSweeps: parallelTables,
      signal: options.signal,
      onCovered: saveSoon,
      onPageSizeReduced: pageSizes.note,
      onTotal: (rows) => {
        totals.total = (totals.total ?? 0) + rows
      },
    })
    await saving
    // A resumed run saw only part of the window, so it cannot show that its listing was whole:
    // the next full run deletes instead.
    if (deletes) {
      const sweep = { seen, listed, countedAtStart: totals.total, runStart, checkpoint }
      totals.deleted = await removeGone(ctx, resource, options, sweep)
    }
    progress(true)
    const result = summary('completed')
    const cursor = plan.advancesCursor ? new Date(checkpoint.hi * 1000) : null
    await markRunCompleted(ctx.db, ctx.storeHash, table, { cursor, summary: result })
    return result
  } catch (error) {
    await saving
    // One line that names the status, what it means and what to do (not the bare error text);
    // the table is named by where it is kept (its sync_state row, its summary line).
    const message = describeProblem(error)
    if (error instanceof DeletionRefusedError) totals.wouldDelete = error.wouldDelete
    const result = summary('failed', message)
    // After a listing that ran to its end, nothing is worth resuming: the next run lists afresh.
    const resume = error instanceof DeletionRefusedError ? null : current()
    await markRunFailed(ctx.db, ctx.storeHash, table, {
      error: message,
      checkpoint: resume,
      summary: result,
    }).catch(() => {})
    progress(true)
    return result
  }
}

/** Why a full sweep deleted nothing although it ran to its end; the table's run fails. */
export class DeletionRefusedError extends Error {
  /** How many rows were found gone (known when the safety share refused them). */
  readonly wouldDelete: number | undefined

  constructor(message: string, wouldDelete?: number) {
    super(message)
    this.name = 'DeletionRefusedError'
    this.wouldDelete = wouldDelete
  }
}

/**
 * After a full sweep that ran to its end: deletes the rows the store no longer has, when the
 * listing was whole, each is confirmed gone by id, and they are within the safety share. Throws
 * DeletionRefusedError (nothing deleted) when the listing was not whole or the share is exceeded.
 */
async function removeGone(
  ctx: SyncContext,
  resource: ResourceDefinition,
  options: SyncOptions,
  sweep: {
    seen: Set<number>
    listed: ListedCount
    countedAtStart: number | undefined
    runStart: Date
    checkpoint: Checkpoint
  },
): Promise<number> {
  await checkWhole(ctx, resource, sweep.checkpoint, sweep.listed, sweep.countedAtStart)
  const gone = await findGone(ctx, resource, sweep.seen, sweep.runStart, sweep.checkpoint)
  await checkMassDelete(ctx, resource, gone.length, options)
  return deleteRows(ctx.db, resource.name, ctx.storeHash, gone)
}

/**
 * Keys whose rows a whole listing must have returned, compared with the store's count of them
 * afterwards: dated rows up to a minute before the run started, which the sweep sees unless they
 * changed meanwhile (and then the count no longer holds them either). Rows modified or created
 * during the run, and a store clock a little behind this one, stay out of the comparison.
 */
const WHOLENESS_MARGIN_SECONDS = 60

function wholenessWindow(checkpoint: Checkpoint): { lo: number; hi: number } {
  return { lo: checkpoint.lo, hi: checkpoint.hi - WHOLENESS_MARGIN_SECONDS }
}

/**
 * What the listing returned: every distinct row (ids; objects without a usable id still count),
 * and the distinct rows whose key lay in `window` when they were listed. An object whose key is
 * unreadable or outside anything the sweep asked for (a far-future date) was still listed inside
 * the window, where the store counts it: it counts as inside (and is set aside as rejected).
 */
function createListedCount(resource: ResourceDefinition, checkpoint: Checkpoint) {
  const window = wholenessWindow(checkpoint)
  const asked = { lo: checkpoint.lo - 1, hi: checkpoint.hi + 1 }
  const ids = new Set<number>()
  const inside = new Set<number>()
  let withoutId = 0
  let maxId = 0
  const keyOf = (item: unknown) => {
    try {
      return resource.keyOf(item)
    } catch {
      return null // an odd object (no date_modified): the write path deals with it
    }
  }
  return {
    note(items: unknown[]) {
      for (const item of items) {
        const id = item && typeof item === 'object' && 'id' in item ? item.id : undefined
        if (typeof id !== 'number') {
          withoutId += 1
          continue
        }
        ids.add(id)
        maxId = Math.max(maxId, id)
        const key = keyOf(item)
        const placed = key !== null && key >= asked.lo && key <= asked.hi
        if (!placed || (key >= window.lo && key <= window.hi)) inside.add(id)
      }
    },
    all: () => ids.size + withoutId,
    inside: () => inside.size + withoutId,
    maxId: () => maxId,
  }
}

type ListedCount = ReturnType<typeof createListedCount>

/**
 * A listing is whole when it returned at least as many rows as the store counts. Dated tables
 * compare the rows listed inside the wholeness window with the store's count of that window,
 * asked after the sweep: exact whatever changed during the run. Coupons (no dates; the count
 * covers the whole table only) compare every listed row with the count at the start or, failing
 * that, with the count now plus the coupons created after the sweep passed the top of the id
 * range (new coupons get higher ids; they are asked for after the count, so none is missed).
 */
async function checkWhole(
  ctx: SyncContext,
  resource: ResourceDefinition,
  checkpoint: Checkpoint,
  listed: ListedCount,
  countedAtStart: number | undefined,
): Promise<void> {
  let rows: number
  let counted: number | undefined
  if (resource.sweepKey === 'id') {
    rows = listed.all()
    if (countedAtStart !== undefined && rows >= countedAtStart) return
    counted = await resource.countRange(ctx.client, {})
    if (counted !== undefined && rows < counted)
      rows += await countCreatedSince(ctx, resource, listed.maxId())
  } else {
    const window = wholenessWindow(checkpoint)
    if (window.hi <= window.lo + 2) return
    rows = listed.inside()
    // Bounds moved in by one: countRange widens them, so the count stays inside the window.
    const lo = checkpoint.lo === KEY_MIN ? undefined : window.lo + 1
    counted = await resource.countRange(ctx.client, { lo, hi: window.hi - 1 })
  }
  if (counted !== undefined && rows >= counted) return
  const said =
    counted === undefined
      ? 'the store did not say how many rows it holds, so it could not be checked'
      : `it returned ${rows} rows but the store counts ${counted}`
  throw new DeletionRefusedError(
    `${resource.name}: the listing was not whole (${said}); nothing deleted, the next full sync checks again`,
  )
}

/** Coupons with ids above `maxId`: created after the sweep passed the top of the id range. */
async function countCreatedSince(
  ctx: SyncContext,
  resource: ResourceDefinition,
  maxId: number,
): Promise<number> {
  const tail = await resource.listRange(ctx.client, { lo: maxId + 1, page: 1 })
  return tail.items.filter((item) => resource.keyOf(item) > maxId).length
}

/**
 * Rows the mirror holds in the window that the sweep did not see and that the store, asked for
 * them by id, no longer has. Rows written since the run started are spared: a webhook or another
 * writer put them there after the sweep passed. An unseen row the store still has (modified
 * during the sweep, it moved past the window) is written instead.
 */
async function findGone(
  ctx: SyncContext,
  resource: ResourceDefinition,
  seen: Set<number>,
  runStart: Date,
  checkpoint: Checkpoint,
): Promise<number[]> {
  const table = resourceTables[resource.name]
  const from =
    checkpoint.lo === KEY_MIN || resource.sweepKey === 'id'
      ? null
      : new Date(checkpoint.lo * 1000).toISOString()
  const held = await ctx.db.execute<{ id: number }>(sql`
    select id::float8 as id from ${table}
    where store_hash = ${ctx.storeHash} and synced_at < ${runStart.toISOString()}::timestamptz
      and (${from}::timestamptz is null or date_modified >= ${from}::timestamptz)`)
  const unseen = held.map((r) => Number(r.id)).filter((id) => !seen.has(id))
  if (unseen.length === 0) return []
  const readAt = new Date()
  const answer = await resource.fetchByIds(ctx.client, unseen)
  const present = [...answer.found.values(), ...answer.unidentified]
  const prepare = async (rows: ResourceRow[]) => {
    await resource.prepareRows?.(ctx, rows)
  }
  if (present.length > 0)
    await writeItems(ctx.db, resource, ctx.storeHash, present, { fetchedAt: readAt, prepare })
  // Only an id the answer is sure about counts as gone (see IdAnswer).
  return unseen.filter((id) => !answer.found.has(id) && !answer.unanswered.has(id))
}

/** Refuses a deletion above the safety share unless the caller allowed it. */
async function checkMassDelete(
  ctx: SyncContext,
  resource: ResourceDefinition,
  gone: number,
  options: SyncOptions,
): Promise<void> {
  if (gone <= MASS_DELETE.rows || options.allowMassDelete) return
  const [row] = await ctx.db.execute<{ rows: number }>(sql`
    select count(*)::float8 as rows from ${resourceTables[resource.name]} where store_hash = ${ctx.storeHash}`)
  const rows = Number(row?.rows ?? 0)
  if (gone <= Math.max(MASS_DELETE.rows, Math.ceil(rows * MASS_DELETE.share))) return
  const table = resource.name
  const command = `bc-mirror sync${SNAPSHOT_TABLES.includes(table) ? '' : ' --full'} --tables ${table} --allow-mass-delete`
  throw new DeletionRefusedError(
    `${table}: would delete ${gone} of ${rows} rows, more than the safety share (${MASS_DELETE.share * 100}% of the table or ${MASS_DELETE.rows} rows, whichever is larger); nothing deleted. If the store really lost them, run: ${command}`,
    gone,
  )
}

/** A summary part with more notes added (none: unchanged). */
function withNotes<T extends { notes?: string[] }>(part: T, more: string[]): T {
  return more.length === 0 ? part : { ...part, notes: [...(part.notes ?? []), ...more] }
}

/** Child request counts and, when the store ignored include, a note saying so. */
function childSummary(children: ChildReadStats): Pick<TableSummary, 'children' | 'notes'> {
  const notes: string[] = []
  if (children.fallbackOrders > 0) {
    notes.push(
      `the store sent consignments as a link (include ignored): line items and addresses of ${children.fallbackOrders} orders were read per order (${children.productRequests + children.addressRequests} requests)`,
    )
  }
  if (children.unreadable > 0) {
    notes.push(
      `${children.unreadable} orders had a child item the mirror could not read; their children were left as stored`,
    )
  }
  return { children: { ...children }, ...(notes.length > 0 ? { notes } : {}) }
}

/** The fields of a summary worth one structured log line per sweep (serve, the Worker). */
export function summarizeSweepForLog(summary: SyncSummary) {
  const tables: Record<string, unknown> = {}
  for (const [name, t] of Object.entries(summary.tables)) {
    if (!t) continue
    tables[name] = {
      status: t.status,
      mode: t.mode,
      fetched: t.fetched,
      upserted: t.upserted,
      deleted: t.deleted,
      rejected: t.rejected.map((r) => r.id),
      error: t.error,
      ...(t.notes ? { notes: t.notes } : {}),
    }
  }
  return { ok: summary.ok, seconds: summary.seconds, tables }
}
