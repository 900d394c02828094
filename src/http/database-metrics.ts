// The `/metrics` figures read from the database at scrape time, so every process (and the Worker)
// tells the same truth: rows per table, inbox depth and oldest pending age, last successful sweep
// per table, sweep durations and outcomes from the run history, rejected rows, the hooks' state,
// and the event-to-row latency histogram over the events the inbox still keeps.
import { sql } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { syncRuns, webhookEvents } from '../db/schema.ts'
import { SYNC_TABLES } from '../resources/index.ts'
import {
  readStatus,
  type InboxStatus,
  type MirrorStatus,
  type TableStatus,
} from '../sync/status/status.ts'

/** Upper bounds (seconds) of the event-to-row latency histogram. */
export const LATENCY_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600]

type Labels = Record<string, string>

const escapeLabel = (value: string) =>
  value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')

function sample(name: string, labels: Labels, value: number): string {
  const entries = Object.entries(labels)
  const text =
    entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`
  return `${name}${text} ${Number.isFinite(value) ? value : value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN'}`
}

class TextWriter {
  private lines: string[] = []
  family(name: string, type: 'gauge' | 'histogram', help: string, samples: string[]) {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples)
  }
  toString() {
    return `${this.lines.join('\n')}\n`
  }
}

const seconds = (iso: string | null) => (iso ? new Date(iso).getTime() / 1000 : null)

/** Every figure read from the database, for the `/metrics` exposition. */
export async function renderDatabaseMetrics(db: Executor, storeHash: string): Promise<string> {
  const status = await readStatus(db, storeHash)
  const now = Date.now() / 1000
  const out = new TextWriter()
  const tables = SYNC_TABLES.map((t) => [t, status.tables[t]] as const)
  renderTableFigures(out, tables)
  await renderSweepRuns(db, storeHash, out)
  renderInbox(out, status.inbox, now)
  await renderLatency(db, storeHash, out)
  renderAttention(out, tables, status)
  return out.toString()
}

type TableStatuses = ReadonlyArray<readonly [string, TableStatus]>

/** Rows held, and how each table's sweeps last went. */
function renderTableFigures(out: TextWriter, tables: TableStatuses) {
  out.family(
    'bcmirror_rows',
    'gauge',
    'Rows the mirror holds per table',
    tables.map(([t, s]) => sample('bcmirror_rows', { table: t }, s.rows)),
  )
  out.family(
    'bcmirror_last_successful_sweep_timestamp_seconds',
    'gauge',
    'When the last sweep of each table completed (Unix seconds); absent until one has',
    tables.flatMap(([t, s]) => {
      const at = seconds(s.lastSuccessAt)
      return at === null
        ? []
        : [sample('bcmirror_last_successful_sweep_timestamp_seconds', { table: t }, at)]
    }),
  )
  out.family(
    'bcmirror_sweep_last_failed',
    'gauge',
    "1 when a table's last sweep failed, else 0",
    tables.map(([t, s]) =>
      sample('bcmirror_sweep_last_failed', { table: t }, s.lastStatus === 'failed' ? 1 : 0),
    ),
  )
}

/** The inbox's depth and how long its oldest pending event has waited. */
/** `now` in Unix seconds. */
function renderInbox(out: TextWriter, inbox: InboxStatus, now: number) {
  out.family(
    'bcmirror_inbox_events',
    'gauge',
    'Webhook events in the inbox by status (pending, failed, held at the deletion valve)',
    [
      sample('bcmirror_inbox_events', { status: 'pending' }, inbox.pending),
      sample('bcmirror_inbox_events', { status: 'failed' }, inbox.failed),
      sample(
        'bcmirror_inbox_events',
        { status: 'held' },
        inbox.held.reduce((sum, h) => sum + h.count, 0),
      ),
    ],
  )
  const oldest = seconds(inbox.oldestPendingAt)
  out.family(
    'bcmirror_inbox_oldest_pending_age_seconds',
    'gauge',
    'Age of the oldest pending webhook event (0 when none)',
    [
      sample(
        'bcmirror_inbox_oldest_pending_age_seconds',
        {},
        oldest === null ? 0 : Math.max(0, now - oldest),
      ),
    ],
  )
}

/** Rejected rows, the hooks' state and the problem count: what needs a person. */
function renderAttention(out: TextWriter, tables: TableStatuses, status: MirrorStatus) {
  out.family(
    'bcmirror_rejected_rows',
    'gauge',
    'Objects the API returned that the mirror could not store, per table',
    tables.map(([t, s]) => sample('bcmirror_rejected_rows', { table: t }, s.rejected)),
  )
  const hookState = status.hooks?.status ?? 'unchecked'
  out.family(
    'bcmirror_hooks_state',
    'gauge',
    '1 for the state of the last webhook check (ok, partial, missing, failed, unchecked)',
    ['ok', 'partial', 'missing', 'failed', 'unchecked'].map((s) =>
      sample('bcmirror_hooks_state', { state: s }, s === hookState ? 1 : 0),
    ),
  )
  out.family(
    'bcmirror_hooks_refused',
    'gauge',
    'Scopes the store refused at the last webhook check (their changes arrive only by sweeps)',
    [sample('bcmirror_hooks_refused', {}, status.hooks?.refused.length ?? 0)],
  )
  out.family(
    'bcmirror_hooks_blocked_destinations',
    'gauge',
    'Destinations BigCommerce was blocking (domain blocklist) at the last webhook check',
    [sample('bcmirror_hooks_blocked_destinations', {}, status.hooks?.blocked.length ?? 0)],
  )
  out.family(
    'bcmirror_problems',
    'gauge',
    'Things that need a person (what `bc-mirror status` lists; it exits 1 when above 0)',
    [sample('bcmirror_problems', {}, status.problems.length)],
  )
}

/** Sweep outcomes and the last duration per table, from the run history (kept 30 days). */
async function renderSweepRuns(db: Executor, storeHash: string, out: TextWriter) {
  const rows = await db.execute<{
    table_name: string
    status: string
    n: number
    last_seconds: number | null
  }>(sql`
    select t.key as table_name, t.value->>'status' as status, count(*)::int as n,
           (array_agg((t.value->>'seconds')::float8 order by r.started_at desc))[1] as last_seconds
    from ${syncRuns} r, jsonb_each(r.tables) t
    where r.store_hash = ${storeHash} and r.kind <> 'hooks'
    group by t.key, t.value->>'status'`)
  out.family(
    'bcmirror_sweeps_recorded',
    'gauge',
    'Sweeps of each table in the run history (the last 30 days), by outcome',
    rows.map((r) =>
      sample('bcmirror_sweeps_recorded', { table: r.table_name, outcome: r.status }, r.n),
    ),
  )
  const last = await db.execute<{ table_name: string; seconds: number }>(sql`
    select distinct on (t.key) t.key as table_name, (t.value->>'seconds')::float8 as seconds
    from ${syncRuns} r, jsonb_each(r.tables) t
    where r.store_hash = ${storeHash} and r.kind <> 'hooks'
    order by t.key, r.started_at desc`)
  out.family(
    'bcmirror_sweep_last_duration_seconds',
    'gauge',
    'How long the last sweep of each table took',
    last.map((r) =>
      sample('bcmirror_sweep_last_duration_seconds', { table: r.table_name }, r.seconds),
    ),
  )
}

/** Received to written, over the processed events the inbox still keeps (pruned after days). */
async function renderLatency(db: Executor, storeHash: string, out: TextWriter) {
  const buckets = JSON.stringify(LATENCY_BUCKETS)
  const rows = await db.execute<{ le: number; n: number }>(sql`
    select b.le, count(e.id) filter (where extract(epoch from e.processed_at - e.received_at) <= b.le)::int as n
    from (select value::float8 as le from jsonb_array_elements_text(${buckets}::jsonb)) b
    left join ${webhookEvents} e on e.store_hash = ${storeHash} and e.status = 'done' and e.processed_at is not null
    group by b.le order by b.le`)
  const [total] = await db.execute<{ n: number; sum: number | null }>(sql`
    select count(*)::int as n, sum(extract(epoch from processed_at - received_at))::float8 as sum
    from ${webhookEvents} where store_hash = ${storeHash} and status = 'done' and processed_at is not null`)
  const name = 'bcmirror_event_to_row_seconds'
  out.family(
    name,
    'histogram',
    'Seconds from a webhook event received to its row written, over the done events the inbox keeps',
    [
      ...rows.map((r) => sample(`${name}_bucket`, { le: String(Number(r.le)) }, r.n)),
      sample(`${name}_bucket`, { le: '+Inf' }, total?.n ?? 0),
      sample(`${name}_sum`, {}, total?.sum ?? 0),
      sample(`${name}_count`, {}, total?.n ?? 0),
    ],
  )
}
