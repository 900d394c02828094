// What `bc-mirror status` reports: per table its rows, cursor and last sweep; the inbox's depth;
// the hooks' and the store API's state; rejected rows; recent runs; and what needs a person, each
// with the command that fixes it (the status page and `status`'s exit code both read `problems`).
// A table whose run is recorded as running while nobody holds the store's sweep lease (the process
// died) is reported as interrupted.
import { sql } from 'drizzle-orm'
import type { PgTable } from 'drizzle-orm/pg-core'
import type { Executor } from '../../db/database.ts'
import {
  leases,
  childTables,
  rejectedRows,
  resourceTables,
  syncState,
  webhookEvents,
  type ResourceName,
} from '../../db/schema.ts'
import { isResourceName, RESOURCES, SYNC_TABLES } from '../../resources/index.ts'
import { findProblems, type Problem, type StoreAccess } from './problems.ts'
import { iso, readApi, readHooks, type ApiStatus, type HooksStatus } from './recorded-state.ts'
import { readRecentRuns, readRunNotes, type RunNote, type RunRow } from './runs.ts'

export { findProblems, type Problem, type StoreAccess } from './problems.ts'
export type { ApiStatus, HooksStatus } from './recorded-state.ts'

export interface TableStatus {
  rows: number
  /** Rows of the tables written with this one (orders: line items, addresses, coupons). */
  children: Record<string, number>
  /** Objects the API returned that the mirror could not store (bigcommerce.rejected_rows). */
  rejected: number
  cursor: string | null
  lastSuccessAt: string | null
  /** When its last run ended (how it ended: lastStatus). */
  lastFinishedAt: string | null
  lastStatus: string | null
  lastError: string | null
}

export interface InboxStatus {
  pending: number
  failed: number
  /** Failed events whose rows no sweep has covered since (see readUnresolvedFailures). */
  unresolvedFailed: number
  /** The most common reasons of the unresolved failures, most frequent first. */
  failureReasons: Array<{ resource: string | null; reason: string; count: number }>
  /** Deletions waiting above the event processor's deletion valve, per table, with why. */
  held: Array<{ resource: string; reason: string; count: number }>
  oldestPendingAt: string | null
  lastReceivedAt: string | null
}

/** Objects the API returned that the mirror could not store (bigcommerce.rejected_rows). */
export interface RejectedStatus {
  total: number
  byTable: Partial<Record<ResourceName, { count: number; reason: string }>>
}

export interface MirrorStatus {
  storeHash: string
  tables: Record<ResourceName, TableStatus>
  inbox: InboxStatus
  hooks: HooksStatus | null
  rejected: RejectedStatus
  runs: RunRow[]
  /** What the latest runs told the user besides their counts: information, nothing to fix. */
  notes: RunNote[]
  problems: Problem[]
  api: ApiStatus | null
  /** The Worker's jobs that failed every retry (its dead-letter queue), with their last error. */
  deadJobs: Array<{ job: string; error: string | null }>
  /** What the API said of the store hash and token just now, when the caller asked it. */
  access?: StoreAccess
}

export interface StatusOptions {
  /** The answer to a check made just now (bc-mirror status asks the API once). */
  access?: StoreAccess
  /** Whether a lease holder is known to be gone (Node: a pid on this host that no longer runs). */
  isGone?: (holder: string) => boolean
}

/** Whether someone alive holds the store's sweep lease (sweep.ts takes `sync:<store>`). */
async function sweepHeld(db: Executor, storeHash: string, options: StatusOptions) {
  const [lease] = await db.execute<{ holder: string }>(
    sql`select holder from ${leases} where name = ${`sync:${storeHash}`} and expires_at > now()`,
  )
  return lease !== undefined && !(options.isGone?.(lease.holder) ?? false)
}

export async function readStatus(
  db: Executor,
  storeHash: string,
  options: StatusOptions = {},
): Promise<MirrorStatus> {
  const states = await db.execute<{
    table_name: string
    cursor: string | null
    last_success_at: string | null
    last_started_at: string | null
    last_finished_at: string | null
    last_status: string | null
    last_error: string | null
  }>(sql`select table_name, cursor, last_success_at, last_started_at, last_finished_at,
                last_status, last_error
         from ${syncState}
         where store_hash = ${storeHash}`)
  const rejected = await readRejected(db, storeHash)
  const tables = {} as Record<ResourceName, TableStatus>
  const running = states.some((s) => s.last_status === 'running')
  const interrupted = running && !(await sweepHeld(db, storeHash, options))
  for (const name of SYNC_TABLES) {
    const state = states.find((s) => s.table_name === name)
    tables[name] = {
      rows: await countRows(db, resourceTables[name], storeHash),
      children: await countChildRows(db, name, storeHash),
      rejected: rejected.byTable[name]?.count ?? 0,
      cursor: iso(state?.cursor),
      lastSuccessAt: iso(state?.last_success_at),
      lastFinishedAt: iso(state?.last_finished_at),
      lastStatus:
        state?.last_status === 'running' && interrupted
          ? 'interrupted'
          : (state?.last_status ?? null),
      lastError: state?.last_error ?? null,
    }
  }
  const inbox = await readInbox(db, storeHash, coveredSince(tables, states))
  const hooks = await readHooks(db, storeHash)
  const runs = await readRecentRuns(db, storeHash, 10)
  const notes = await readRunNotes(db, storeHash)
  const api = await readApi(db, storeHash)
  const access = options.access ? { access: options.access } : {}
  const deadJobs = states
    .filter((s) => s.table_name.startsWith('job:') && s.last_status === 'dead')
    .map((s) => ({ job: s.table_name.slice('job:'.length), error: s.last_error }))
  const partial = {
    storeHash,
    tables,
    inbox,
    hooks,
    rejected,
    runs,
    notes,
    api,
    deadJobs,
    ...access,
  }
  return { ...partial, problems: findProblems(partial) }
}

/**
 * Per table, the time after which a failed event no longer matters because a completed sweep read
 * its row since: the cursor (the start of the last completed incremental window), or for a table
 * listed whole, which has none, the start of its last run when that run completed.
 */
function coveredSince(
  tables: Record<ResourceName, TableStatus>,
  states: ReadonlyArray<{ table_name: string; last_started_at: string | null }>,
): Record<string, string | null> {
  return Object.fromEntries(
    Object.entries(tables).map(([name, t]) => {
      if (!isResourceName(name) || RESOURCES[name].sweepKey !== 'id') return [name, t.cursor]
      const started = states.find((s) => s.table_name === name)?.last_started_at
      return [name, t.lastStatus === 'completed' ? iso(started) : null]
    }),
  )
}

async function readInbox(
  db: Executor,
  storeHash: string,
  covered: Record<string, string | null>,
): Promise<InboxStatus> {
  const [inbox] = await db.execute<{
    pending: number
    failed: number
    oldest_pending: string | null
    last_received: string | null
  }>(sql`
    select count(*) filter (where status = 'pending')::int as pending,
           count(*) filter (where status = 'failed')::int as failed,
           min(received_at) filter (where status = 'pending') as oldest_pending,
           max(received_at) as last_received
    from ${webhookEvents} where store_hash = ${storeHash}`)
  // A failed event stops mattering once a sweep's window has covered its row (see coveredSince).
  const cursors = JSON.stringify(covered)
  const reasons = await db.execute<{
    resource: string | null
    reason: string | null
    n: number
  }>(sql`
    select resource, last_error as reason, count(*)::int as n from ${webhookEvents}
    where store_hash = ${storeHash} and status = 'failed'
      and (resource is null or processed_at is null
           or (${cursors}::jsonb ->> resource) is null
           or processed_at > (${cursors}::jsonb ->> resource)::timestamptz)
    group by resource, last_error order by n desc`)
  const held = await db.execute<{ resource: string; reason: string | null; n: number }>(sql`
    select resource, max(last_error) as reason, count(*)::int as n from ${webhookEvents}
    where store_hash = ${storeHash} and status = 'held' and resource is not null
    group by resource order by resource`)
  return {
    held: held.map((h) => ({ resource: h.resource, reason: h.reason ?? 'unknown', count: h.n })),
    pending: inbox?.pending ?? 0,
    failed: inbox?.failed ?? 0,
    unresolvedFailed: reasons.reduce((sum, r) => sum + r.n, 0),
    failureReasons: reasons.slice(0, 5).map((r) => ({
      resource: r.resource,
      reason: r.reason ?? 'unknown',
      count: r.n,
    })),
    oldestPendingAt: iso(inbox?.oldest_pending),
    lastReceivedAt: iso(inbox?.last_received),
  }
}

async function countRows(db: Executor, table: PgTable, storeHash: string): Promise<number> {
  const [count] = await db.execute<{ n: number }>(
    sql`select count(*)::int as n from ${table} where store_hash = ${storeHash}`,
  )
  return count?.n ?? 0
}

async function countChildRows(db: Executor, name: ResourceName, storeHash: string) {
  const counts: Record<string, number> = {}
  for (const child of RESOURCES[name].childTables)
    counts[child] = await countRows(db, childTables[child], storeHash)
  return counts
}

/** Rejected rows per table, with one of their reasons. */
async function readRejected(db: Executor, storeHash: string): Promise<RejectedStatus> {
  const rows = await db.execute<{ resource: string; n: number; reason: string | null }>(sql`
    select resource, count(*)::int as n, max(reason) as reason
    from ${rejectedRows} where store_hash = ${storeHash} group by resource`)
  const byTable: RejectedStatus['byTable'] = {}
  for (const r of rows) {
    if (isResourceName(r.resource)) {
      byTable[r.resource as ResourceName] = { count: r.n, reason: r.reason ?? 'unknown' }
    }
  }
  return { total: rows.reduce((sum, r) => sum + r.n, 0), byTable }
}
