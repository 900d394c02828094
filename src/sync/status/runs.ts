// Run history (`sync_runs`): one row per sweep and per hook check, so "did last night's
// reconciliation run, and what did it change?" has an answer. Rows older than the kept age are
// pruned whenever a run is recorded; recording never fails the run it records.
import { sql } from 'drizzle-orm'
import type { Executor } from '../../db/database.ts'
import { syncRuns, type ResourceName } from '../../db/schema.ts'
import { SNAPSHOT_TABLES } from '../../resources/index.ts'
import type { SyncOptions, SyncSummary, TableSummary } from '../sweeps/sweep-types.ts'

/** The kinds of run this version records; `snapshot`: the tables listed whole (no date_modified). */
export type RunKind = 'incremental' | 'full' | 'snapshot' | 'since' | 'hooks'

/**
 * A kind as the history holds it: also those of older versions, which recorded snapshot runs
 * under the name of the one table they then listed.
 */
export type RecordedRunKind = RunKind | (string & {})

/** How long runs are kept. */
export const RUN_HISTORY_DAYS = 30

export interface RunTableCounts {
  status: string
  fetched: number
  written: number
  deleted: number
  rejected: number
  requests: number
  throttled: number
  seconds: number
  error?: string
  /** What the run told the user besides its counts (e.g. a listing that fell short). */
  notes?: string[]
}

export interface RunRecord {
  kind: RunKind
  startedAt: Date
  finishedAt: Date
  /** 'completed' | 'failed' | 'interrupted' for sweeps; 'ok' | 'missing' | 'failed' for hook checks. */
  outcome: string
  tables: Partial<Record<ResourceName, RunTableCounts>>
  requests: number
  throttled: number
  error: string | null
}

export interface RunRow extends Omit<RunRecord, 'kind'> {
  id: number
  kind: RecordedRunKind
}

/** What kind of run a sweep's options make, for the history. */
export function kindOfSweep(options: SyncOptions, tables: readonly ResourceName[]): RunKind {
  if (options.full) return 'full'
  if (options.since) return 'since'
  const snapshot = tables.length > 0 && tables.every((t) => SNAPSHOT_TABLES.includes(t))
  return snapshot ? 'snapshot' : 'incremental'
}

/** The history row of a finished sweep. */
export function runFromSweep(kind: RunKind, summary: SyncSummary, finishedAt: Date): RunRecord {
  const tables: RunRecord['tables'] = {}
  let requests = 0
  let throttled = 0
  const errors: string[] = []
  for (const [name, t] of Object.entries(summary.tables) as Array<
    [ResourceName, TableSummary | undefined]
  >) {
    if (!t) continue
    tables[name] = {
      status: t.status,
      fetched: t.fetched,
      written: t.upserted,
      deleted: t.deleted,
      rejected: t.rejectedCount,
      requests: t.requests,
      throttled: t.throttled,
      seconds: t.seconds,
      ...(t.error ? { error: t.error } : {}),
      ...(t.notes && t.notes.length > 0 ? { notes: t.notes.map(shorten) } : {}),
    }
    requests += t.requests
    throttled += t.throttled
    if (t.error) errors.push(`${name}: ${t.error}`)
  }
  return {
    kind,
    startedAt: new Date(summary.startedAt),
    finishedAt,
    outcome: runOutcome(summary),
    tables,
    requests,
    throttled,
    error: errors.length > 0 ? shorten(errors.join('; ')) : null,
  }
}

/** A run with a failed table failed; one only stopped before the end was interrupted. */
function runOutcome(summary: SyncSummary): string {
  if (summary.ok) return 'completed'
  const statuses = Object.values(summary.tables).map((t) => t?.status)
  return statuses.includes('failed') ? 'failed' : 'interrupted'
}

const shorten = (text: string) => (text.length > 300 ? `${text.slice(0, 297)}...` : text)

/** Records one run and prunes the ones older than `keepDays`. Never throws. */
export async function recordRun(
  db: Executor,
  storeHash: string,
  run: RunRecord,
  keepDays = RUN_HISTORY_DAYS,
): Promise<boolean> {
  try {
    await db.execute(sql`
      insert into ${syncRuns} (store_hash, kind, started_at, finished_at, outcome, tables, requests, throttled, error)
      values (${storeHash}, ${run.kind}, ${run.startedAt.toISOString()}::timestamptz,
              ${run.finishedAt.toISOString()}::timestamptz, ${run.outcome}, ${JSON.stringify(run.tables)}::jsonb,
              ${run.requests}, ${run.throttled}, ${run.error === null ? null : shorten(run.error)})`)
    await db.execute(sql`
      delete from ${syncRuns}
      where store_hash = ${storeHash}
        and started_at < ${run.finishedAt.toISOString()}::timestamptz - make_interval(days => ${keepDays})`)
    return true
  } catch {
    // The history is for people; a run whose record could not be written still did its work.
    return false
  }
}

/** Something a finished run told the user, worth showing in `status` (not a problem to fix). */
export interface RunNote {
  table: ResourceName
  kind: RecordedRunKind
  at: string
  note: string
}

/**
 * The notes of the latest run of each kind (a full sweep's listing that fell short stays
 * visible while incremental sweeps run every minute), newest first.
 */
export async function readRunNotes(db: Executor, storeHash: string): Promise<RunNote[]> {
  const rows = await db.execute<{
    kind: RecordedRunKind
    started_at: string
    tables: RunRecord['tables']
  }>(
    sql`
    select distinct on (kind) kind, started_at, tables from ${syncRuns}
    where store_hash = ${storeHash} and kind <> 'hooks'
    order by kind, started_at desc, id desc`,
  )
  const notes: RunNote[] = []
  for (const row of rows) {
    const at = new Date(row.started_at).toISOString()
    const tables = Object.entries(row.tables ?? {}) as Array<[ResourceName, RunTableCounts]>
    for (const [table, t] of tables)
      for (const note of t?.notes ?? []) notes.push({ table, kind: row.kind, at, note })
  }
  return notes.sort((a, b) => b.at.localeCompare(a.at))
}

/** The most recent runs, newest first. */
export async function readRecentRuns(
  db: Executor,
  storeHash: string,
  limit = 10,
): Promise<RunRow[]> {
  const rows = await db.execute<{
    id: number
    kind: RecordedRunKind
    started_at: string
    finished_at: string
    outcome: string
    tables: RunRecord['tables'] | null
    requests: number
    throttled: number
    error: string | null
  }>(sql`
    select id::float8 as id, kind, started_at, finished_at, outcome, tables, requests, throttled, error
    from ${syncRuns} where store_hash = ${storeHash}
    order by started_at desc, id desc limit ${limit}`)
  return rows.map((r) => ({
    id: Number(r.id),
    kind: r.kind,
    startedAt: new Date(r.started_at),
    finishedAt: new Date(r.finished_at),
    outcome: r.outcome,
    tables: r.tables ?? {},
    requests: r.requests,
    throttled: r.throttled,
    error: r.error,
  }))
}
