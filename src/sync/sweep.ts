// `bc-mirror sync`: reconciling the mirror with the store, table by table, all tables at once
// (they share the store's one request quota through the client's pacer).
//
// - Incremental (customers, orders, products): the window [cursor - overlap, run start], frozen
//   when the run starts; the first run starts at the start date. The cursor advances only when
//   every row of the window is committed.
// - Coupons have no date_modified: every run sweeps all of them by id and deletes the ones gone.
// - Full: every chosen table from the start date; rows the sweep did not see are confirmed gone
//   by id (one request per 250 for products and customers) before they are deleted.
// - Since: from a given date; moves the cursor only if that window reaches back to it.
// A killed run resumes from its checkpoint (the intervals already committed).
import { sql } from 'drizzle-orm'
import type { BigCommerceClient } from '../bigcommerce/client.ts'
import type { Database } from '../db/database.ts'
import { resourceTables, type ResourceName } from '../db/schema.ts'
import { withLease } from '../db/lease.ts'
import { deleteRows, deleteRowsNotSeen } from '../db/write.ts'
import { writeItems, type RejectedItem } from '../db/write-items.ts'
import { RESOURCES } from '../resources/index.ts'
import type { ResourceDefinition } from '../resources/types.ts'
import { Coverage } from './coverage.ts'
import { describeProblem } from './failure.ts'
import { KEY_MAX, KEY_MIN, sweepRange } from './range-sweep.ts'
import { countRequests, type ClientEventHub, type RequestCounts } from './request-stats.ts'
import { kindOfSweep, recordRun, runFromSweep } from './runs.ts'
import {
  markRunCompleted,
  markRunFailed,
  markRunStarted,
  readTableState,
  saveCheckpoint,
  type Checkpoint,
  type SweepMode,
} from './sync-state.ts'

export const SYNC_TABLES: readonly ResourceName[] = ['coupons', 'customers', 'orders', 'products']

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
  /** Requests each table keeps in flight at most (the pacer sets the real rate). Default 16. */
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
  signal?: AbortSignal
}

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
  seconds: number
  error?: string
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
  const locked = await withLease(ctx.db, `sync:${ctx.storeHash}`, () => runTables(ctx, options, tables), {
    wait: options.wait ?? false,
    holder: ctx.lease?.holder,
    isGone: ctx.lease?.isGone,
  })
  if (!locked.acquired) throw new SyncBusyError(ctx.storeHash)
  return locked.value
}

async function runTables(ctx: SyncContext, options: SyncOptions, tables: readonly ResourceName[]) {
  const now = ctx.now ?? (() => new Date())
  const startedAt = now()
  const counter = countRequests(ctx.clientEvents)
  try {
    const results = await Promise.all(
      tables.map(async (table) => [table, await runTable(ctx, options, RESOURCES[table], startedAt, counter.of, tables.length)] as const),
    )
    const summary: SyncSummary = {
      ok: results.every(([, r]) => r.status === 'completed'),
      storeHash: ctx.storeHash,
      startedAt: startedAt.toISOString(),
      seconds: (now().getTime() - startedAt.getTime()) / 1000,
      tables: Object.fromEntries(results),
    }
    await recordRun(ctx.db, ctx.storeHash, runFromSweep(kindOfSweep(options, tables), summary, now()))
    return summary
  } finally {
    counter.stop()
  }
}

const toSeconds = (date: Date) => Math.floor(date.getTime() / 1000)
const keyToIso = (key: number) => (key === KEY_MIN || key === KEY_MAX ? null : new Date(key * 1000).toISOString())

/** The window a run sweeps, in sweep keys, and the cursor it may set when it completes. */
function planWindow(
  resource: ResourceDefinition,
  options: SyncOptions,
  ctx: SyncContext,
  cursor: Date | null,
  runStart: Date,
): { mode: SweepMode; lo: number; hi: number; advancesCursor: boolean } {
  if (resource.sweepKey === 'id') return { mode: 'full', lo: KEY_MIN, hi: KEY_MAX, advancesCursor: false }
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
  return { mode: 'incremental', lo: Math.max(start, toSeconds(cursor) - overlap), hi, advancesCursor: true }
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
  const resumable = state.checkpoint && state.checkpoint.mode === plan.mode && state.checkpoint.lo === plan.lo
  const checkpoint: Checkpoint = resumable && state.checkpoint ? state.checkpoint : { mode: plan.mode, lo: plan.lo, hi: plan.hi, covered: [] }
  const coverage = new Coverage(checkpoint.covered)
  const startKey = resource.sweepKey === 'date_modified' && ctx.startDate ? toSeconds(ctx.startDate) : KEY_MIN
  const totals = { fetched: 0, upserted: 0, unchanged: 0, deleted: 0, total: undefined as number | undefined }
  const rejected: RejectedItem[] = []
  let rejectedCount = 0
  const seen = new Set<number>()

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
    window: { from: resource.sweepKey === 'id' ? null : keyToIso(checkpoint.lo), to: resource.sweepKey === 'id' ? null : keyToIso(checkpoint.hi) },
    fetched: totals.fetched,
    upserted: totals.upserted,
    unchanged: totals.unchanged,
    deleted: totals.deleted,
    rejected: [...rejected],
    rejectedCount,
    seconds: (Date.now() - began) / 1000,
    ...counts(),
    ...(error ? { error } : {}),
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
    const result = await writeItems(ctx.db, resource, ctx.storeHash, kept, { fetchedAt: runStart })
    for (const id of result.ids) seen.add(id)
    // A rejected row exists in the store all the same: never deleted for being unstorable.
    for (const item of result.rejected) if (item.id !== null) seen.add(item.id)
    rejectedCount += result.rejected.length
    rejected.push(...result.rejected.slice(0, MAX_REJECTED_LISTED - rejected.length))
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
      commit,
      concurrency: ctx.concurrency,
      parallelSweeps: parallelTables,
      signal: options.signal,
      onCovered: saveSoon,
      onTotal: (rows) => {
        totals.total = (totals.total ?? 0) + rows
      },
    })
    await saving
    if (plan.mode === 'full') totals.deleted = await removeGone(ctx, resource, seen, runStart, checkpoint, resumable === true)
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
    const result = summary('failed', message)
    await markRunFailed(ctx.db, ctx.storeHash, table, { error: message, checkpoint: current(), summary: result }).catch(
      () => {},
    )
    progress(true)
    return result
  }
}

/**
 * After a complete full sweep: deletes rows the store no longer has. Rows the sweep did not see
 * are asked for by id first (a row modified during the sweep may have moved past the window
 * unseen); only the ones the API no longer has are deleted. Coupons need no asking: their sweep
 * covers every id, so an unseen coupon is gone (unless the run resumed, and saw only part).
 */
async function removeGone(
  ctx: SyncContext,
  resource: ResourceDefinition,
  seen: Set<number>,
  runStart: Date,
  checkpoint: Checkpoint,
  resumed: boolean,
): Promise<number> {
  if (resource.sweepKey === 'id' && !resumed) {
    return deleteRowsNotSeen(ctx.db, resource.name, ctx.storeHash, seen, runStart)
  }
  // A resumed run did not see what the killed one committed; asking for each of those orders
  // would cost a request per order, so the next full run finds deleted orders instead.
  if (resumed && resource.name === 'orders') return 0
  const table = resourceTables[resource.name]
  const from = checkpoint.lo === KEY_MIN || resource.sweepKey === 'id' ? null : new Date(checkpoint.lo * 1000).toISOString()
  const held = await ctx.db.execute<{ id: number }>(sql`
    select id::float8 as id from ${table}
    where store_hash = ${ctx.storeHash} and synced_at < ${runStart.toISOString()}::timestamptz
      and (${from}::timestamptz is null or date_modified >= ${from}::timestamptz)`)
  const unseen = held.map((r) => Number(r.id)).filter((id) => !seen.has(id))
  if (unseen.length === 0) return 0
  const readAt = new Date()
  const answer = await resource.fetchByIds(ctx.client, unseen)
  const present = [...answer.found.values(), ...answer.unidentified]
  if (present.length > 0) await writeItems(ctx.db, resource, ctx.storeHash, present, { fetchedAt: readAt })
  // Only an id the answer is sure about counts as gone (see IdAnswer).
  const gone = unseen.filter((id) => !answer.found.has(id) && !answer.unanswered.has(id))
  return deleteRows(ctx.db, resource.name, ctx.storeHash, gone)
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
    }
  }
  return { ok: summary.ok, seconds: summary.seconds, tables }
}
