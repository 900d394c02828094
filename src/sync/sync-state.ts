// Reading and writing `sync_state`: per store and table, the cursor (the upper bound of the last
// completed incremental window), the checkpoint of a run in progress, and the last run's outcome.
import { sql } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { syncState, type ResourceName } from '../db/schema.ts'
import type { Interval } from './sweeps/coverage.ts'
import type { DeletionEvidence } from './sweeps/evidence.ts'

export type SweepMode = 'incremental' | 'full' | 'since'

/** Where an interrupted run stood: its frozen window and the key intervals already committed. */
export interface Checkpoint {
  mode: SweepMode
  lo: number
  hi: number
  covered: Interval[]
  /** A chunked full sweep stopped by its budget: what it listed so far (sweeps/evidence.ts). */
  evidence?: DeletionEvidence
}

export interface TableState {
  cursor: Date | null
  checkpoint: Checkpoint | null
}

function isCheckpoint(value: unknown): value is Checkpoint {
  if (!value || typeof value !== 'object') return false
  const c = value as Record<string, unknown>
  return (
    typeof c.mode === 'string' &&
    typeof c.lo === 'number' &&
    typeof c.hi === 'number' &&
    Array.isArray(c.covered) &&
    c.covered.every(
      (i) => Array.isArray(i) && i.length === 2 && i.every((n) => typeof n === 'number'),
    )
  )
}

export async function readTableState(
  db: Executor,
  storeHash: string,
  table: ResourceName,
): Promise<TableState> {
  const [row] = await db.execute<{ cursor: string | null; checkpoint: unknown }>(
    sql`select cursor, checkpoint from ${syncState} where store_hash = ${storeHash} and table_name = ${table}`,
  )
  return {
    cursor: row?.cursor ? new Date(row.cursor) : null,
    checkpoint: isCheckpoint(row?.checkpoint) ? row.checkpoint : null,
  }
}

export async function markRunStarted(
  db: Executor,
  storeHash: string,
  table: ResourceName,
  checkpoint: Checkpoint,
) {
  await db.execute(sql`
    insert into ${syncState} (store_hash, table_name, checkpoint, last_started_at, last_status, last_error)
    values (${storeHash}, ${table}, ${JSON.stringify(checkpoint)}::jsonb, now(), 'running', null)
    on conflict (store_hash, table_name) do update set
      checkpoint = excluded.checkpoint, last_started_at = excluded.last_started_at,
      last_status = 'running', last_error = null`)
}

export async function saveCheckpoint(
  db: Executor,
  storeHash: string,
  table: ResourceName,
  checkpoint: Checkpoint,
) {
  await db.execute(sql`
    update ${syncState} set checkpoint = ${JSON.stringify(checkpoint)}::jsonb
    where store_hash = ${storeHash} and table_name = ${table}`)
}

/** Records a completed run; the cursor only ever moves forward. */
export async function markRunCompleted(
  db: Executor,
  storeHash: string,
  table: ResourceName,
  outcome: { cursor: Date | null; summary: unknown },
) {
  const cursor = outcome.cursor?.toISOString() ?? null
  await db.execute(sql`
    update ${syncState} set
      cursor = case when ${cursor}::timestamptz is null then cursor
                    else greatest(cursor, ${cursor}::timestamptz) end,
      checkpoint = null, last_finished_at = now(), last_success_at = now(),
      last_status = 'completed', last_error = null, last_summary = ${JSON.stringify(outcome.summary)}::jsonb
    where store_hash = ${storeHash} and table_name = ${table}`)
}

/** Records a failed or interrupted run; its checkpoint stays, so the next run resumes. */
export async function markRunFailed(
  db: Executor,
  storeHash: string,
  table: ResourceName,
  outcome: {
    status?: 'failed' | 'interrupted'
    error: string
    checkpoint: Checkpoint | null
    summary: unknown
  },
) {
  await db.execute(sql`
    update ${syncState} set
      checkpoint = ${outcome.checkpoint ? JSON.stringify(outcome.checkpoint) : null}::jsonb,
      last_finished_at = now(), last_status = ${outcome.status ?? 'failed'},
      last_error = ${outcome.error},
      last_summary = ${JSON.stringify(outcome.summary)}::jsonb
    where store_hash = ${storeHash} and table_name = ${table}`)
}
