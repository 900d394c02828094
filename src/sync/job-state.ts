// When each scheduled job of `serve` last ran, kept in `sync_state` (one row per job, named
// `job:<name>`, beside the tables' rows), so that the schedule survives restarts: a restart does
// not rerun a job that ran recently, and the daily full reconciliation runs once a day however
// often the process restarts. Several processes on one database share these rows.
import { sql } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { syncState } from '../db/schema.ts'

export interface JobRecord {
  lastStartedAt: Date | null
  lastFinishedAt: Date | null
  /** When a job that has never run was first planned (its first interval counts from here). */
  plannedAt: Date | null
}

export const jobStateName = (job: string) => `job:${job}`

const date = (value: unknown) => (value ? new Date(String(value)) : null)

type JobRow = {
  store_hash: string
  table_name: string
  last_started_at: string | null
  last_finished_at: string | null
  last_summary: { plannedAt?: string } | null
}

const recordOf = (row: JobRow): JobRecord => ({
  lastStartedAt: date(row.last_started_at),
  lastFinishedAt: date(row.last_finished_at),
  plannedAt: date(row.last_summary?.plannedAt),
})

export async function readJob(
  db: Executor,
  storeHash: string,
  job: string,
): Promise<JobRecord | null> {
  const [row] = await db.execute<JobRow>(sql`
    select store_hash, table_name, last_started_at, last_finished_at, last_summary
    from ${syncState} where store_hash = ${storeHash} and table_name = ${jobStateName(job)}`)
  return row ? recordOf(row) : null
}

/**
 * Every job record of these stores in one statement (serve starting a thousand stores reads them
 * once, not four statements a store): store hash → job name → record; a job never planned is absent.
 */
export async function readJobsOf(
  db: Executor,
  storeHashes: readonly string[],
): Promise<Map<string, Map<string, JobRecord>>> {
  const found = new Map<string, Map<string, JobRecord>>()
  // In chunks: a statement's parameters are bounded (65,535 in PostgreSQL's protocol).
  for (let i = 0; i < storeHashes.length; i += JOBS_READ_CHUNK) {
    const hashes = sql.join(
      storeHashes.slice(i, i + JOBS_READ_CHUNK).map((h) => sql`${h}`),
      sql`, `,
    )
    const rows = await db.execute<JobRow>(sql`
      select store_hash, table_name, last_started_at, last_finished_at, last_summary
      from ${syncState}
      where store_hash in (${hashes}) and table_name like 'job:%'`)
    for (const row of rows) {
      const jobs = found.get(row.store_hash) ?? new Map<string, JobRecord>()
      jobs.set(row.table_name.slice('job:'.length), recordOf(row))
      found.set(row.store_hash, jobs)
    }
  }
  return found
}

const JOBS_READ_CHUNK = 10_000

/** Notes the first plan of a job that never ran; keeps an earlier note (another process's). */
export async function notePlanned(db: Executor, storeHash: string, job: string, at: Date) {
  const planned = JSON.stringify({ plannedAt: at.toISOString() })
  await db.execute(sql`
    insert into ${syncState} (store_hash, table_name, last_status, last_summary)
    values (${storeHash}, ${jobStateName(job)}, 'planned', ${planned}::jsonb)
    on conflict (store_hash, table_name) do nothing`)
}

export async function noteStarted(db: Executor, storeHash: string, job: string, at: Date) {
  await db.execute(sql`
    insert into ${syncState} (store_hash, table_name, last_started_at, last_status)
    values (${storeHash}, ${jobStateName(job)}, ${at.toISOString()}::timestamptz, 'running')
    on conflict (store_hash, table_name) do update set
      last_started_at = excluded.last_started_at, last_status = 'running'`)
}

/** A run that ended; `counts`: it is the job's last run (its interval starts again). */
export async function noteFinished(
  db: Executor,
  storeHash: string,
  job: string,
  outcome: { at: Date; status: string; error?: string; counts: boolean },
) {
  const at = outcome.at.toISOString()
  await db.execute(sql`
    update ${syncState} set
      last_status = ${outcome.status}, last_error = ${outcome.error ?? null},
      last_finished_at = case when ${outcome.counts} then ${at}::timestamptz
                              else last_finished_at end,
      last_success_at = case when ${outcome.status} = 'done' then ${at}::timestamptz
                             else last_success_at end
    where store_hash = ${storeHash} and table_name = ${jobStateName(job)}`)
}

/** One job's record as the Worker's planner reads them, for every store at once. */
export interface StoreJobRecord extends JobRecord {
  storeHash: string
  job: string
  /** When a message for the job was last sent (the Worker's queue). */
  queuedAt: Date | null
  lastStatus: string | null
}

/** Every store's job records, in one query (the cron's planning reads nothing per store). */
export async function readAllJobs(db: Executor): Promise<StoreJobRecord[]> {
  const rows = await db.execute<{
    store_hash: string
    table_name: string
    last_started_at: string | null
    last_finished_at: string | null
    last_status: string | null
    last_summary: { plannedAt?: string; queuedAt?: string } | null
  }>(sql`select store_hash, table_name, last_started_at, last_finished_at, last_status, last_summary
         from ${syncState} where table_name like 'job:%'`)
  return rows.map((row) => ({
    storeHash: row.store_hash,
    job: row.table_name.slice('job:'.length),
    lastStartedAt: date(row.last_started_at),
    lastFinishedAt: date(row.last_finished_at),
    plannedAt: date(row.last_summary?.plannedAt),
    queuedAt: date(row.last_summary?.queuedAt),
    lastStatus: row.last_status,
  }))
}

/**
 * Notes that messages were sent for these jobs (one statement for all), and for a job never
 * planned before, its first plan; `planned` jobs are only noted as planned, not sent.
 */
export async function noteQueued(
  db: Executor,
  jobs: ReadonlyArray<{ storeHash: string; job: string; planned?: boolean }>,
  at: Date,
): Promise<void> {
  if (jobs.length === 0) return
  const stores = jobs.map((j) => j.storeHash)
  const names = jobs.map((j) => jobStateName(j.job))
  const fields = jobs.map((j) => (j.planned ? 'plannedAt' : 'queuedAt'))
  await db.execute(sql`
    insert into ${syncState} (store_hash, table_name, last_status, last_summary)
    select s, n, 'planned', jsonb_build_object(f, ${at.toISOString()}::text)
    from unnest(${textArray(stores)}::text[], ${textArray(names)}::text[], ${textArray(fields)}::text[])
      as t(s, n, f)
    on conflict (store_hash, table_name) do update set
      last_summary = coalesce(${syncState.last_summary}, '{}'::jsonb) || excluded.last_summary`)
}

/** A job whose message failed every retry: set aside (the dead-letter queue) until it next runs. */
export async function noteDead(db: Executor, storeHash: string, job: string, attempts: number) {
  await db.execute(sql`
    insert into ${syncState} (store_hash, table_name, last_status, last_error)
    values (${storeHash}, ${jobStateName(job)}, 'dead', ${`failed ${attempts} times`})
    on conflict (store_hash, table_name) do update set
      last_status = 'dead',
      last_error = coalesce(${syncState.last_error}, excluded.last_error),
      last_finished_at = now()`)
}

/** A PostgreSQL array literal of text values, every value quoted. */
function textArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`
}
