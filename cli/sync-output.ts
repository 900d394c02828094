// What `bc-mirror sync` shows: a live progress line per table on a terminal, a log line per table
// per batch of pages otherwise, and a summary table at the end.
import type { ResourceName } from '../src/db/schema.ts'
import type { SyncSummary, TableProgress } from '../src/sync/sweeps/sweep.ts'
import { printable } from '../src/util/printable.ts'

const number = (n: number) => n.toLocaleString('en-US')

/** The rate is measured over this much of the recent past, so the ETA follows the real pace. */
const RATE_WINDOW_MS = 30_000
/** No ETA before this much has been measured: the first pages arrive faster than the quota. */
const MIN_MEASURED_MS = 5_000

/** Rows fetched at a moment of one table's run. */
interface Sample {
  atMs: number
  fetched: number
}

/** Rows a second over the samples' span (the last RATE_WINDOW_MS), or undefined when too short. */
export function measuredRate(samples: readonly Sample[]): number | undefined {
  const first = samples[0]
  const last = samples[samples.length - 1]
  if (!first || !last || last.atMs - first.atMs < MIN_MEASURED_MS) return undefined
  return ((last.fetched - first.fetched) * 1000) / (last.atMs - first.atMs)
}

const ENDINGS: Record<TableProgress['state'], string> = {
  running: '',
  completed: ', done',
  failed: ', failed',
  interrupted: ', interrupted',
}

/**
 * One table's line. The total is the store's count when the table started; rows changed during
 * the run and rows read twice at page edges can take the fetched count past it, so the total
 * shown grows with it (never over 100%), and then no ETA is given: what is left is unknown.
 */
export function describeProgress(p: TableProgress, rate: number | undefined): string {
  const total = p.total === undefined ? undefined : Math.max(p.total, p.fetched)
  const of = total !== undefined ? `/${number(total)}` : ''
  const left = total === undefined ? 0 : total - p.fetched
  const eta =
    p.state === 'running' && rate !== undefined && rate > 0 && left > 0
      ? `, ETA ${formatSeconds(left / rate)}`
      : ''
  const pace = rate === undefined ? '' : `, ${number(Math.round(rate))} rows/s`
  return `${p.table.padEnd(9)} ${number(p.fetched)}${of} rows, ${number(p.requests)} requests${pace}${eta}${ENDINGS[p.state]}`
}

function formatSeconds(seconds: number): string {
  const s = Math.ceil(seconds)
  return s < 120 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
}

/**
 * Renders progress to `out` (stderr): redrawn lines on a TTY, periodic log lines elsewhere.
 * `now` is the clock the rate is measured with.
 */
export function createProgressReporter(
  out: Pick<NodeJS.WriteStream, 'write' | 'isTTY'>,
  tables: readonly ResourceName[],
  now: () => number = Date.now,
) {
  const latest = new Map<ResourceName, TableProgress>()
  const samples = new Map<ResourceName, Sample[]>()
  const lastLogged = new Map<ResourceName, number>()
  let drawn = 0
  let lastDraw = 0

  function note(progress: TableProgress) {
    const at = now()
    const kept = (samples.get(progress.table) ?? []).filter((s) => at - s.atMs <= RATE_WINDOW_MS)
    kept.push({ atMs: at, fetched: progress.fetched })
    samples.set(progress.table, kept)
    latest.set(progress.table, progress)
  }

  const lineOf = (p: TableProgress) => describeProgress(p, measuredRate(samples.get(p.table) ?? []))

  function redraw() {
    const lines = tables.map((t) => {
      const p = latest.get(t)
      return p ? lineOf(p) : `${t.padEnd(9)} starting`
    })
    if (drawn > 0) out.write(`\x1b[${drawn}A`)
    out.write(lines.map((l) => `\x1b[2K${l}\n`).join(''))
    drawn = lines.length
    lastDraw = now()
  }

  return {
    update(progress: TableProgress) {
      note(progress)
      const ended = progress.state !== 'running'
      if (out.isTTY) {
        if (ended || now() - lastDraw > 200) redraw()
        return
      }
      const last = lastLogged.get(progress.table)
      if (ended || last === undefined || now() - last >= 5000) {
        lastLogged.set(progress.table, now())
        out.write(`${lineOf(progress)}\n`)
      }
    },
    finish() {
      if (out.isTTY && latest.size > 0) redraw()
    },
    /** A line of its own (Ctrl-C's answer), below the progress lines, which redraw under it. */
    interject(line: string) {
      out.write(`${line}\n`)
      drawn = 0
    },
  }
}

/** "customers: 2 rows rejected (ids 17, 23) ..." — ids only: reasons can be long, rows private. */
function describeRejections(
  table: string,
  rejected: Array<{ id: number | null }>,
  count: number,
): string {
  const ids = rejected.map((r) => (r.id === null ? 'no id' : String(r.id)))
  const more = count > rejected.length ? ` and ${number(count - rejected.length)} more` : ''
  return `${table}: ${number(count)} row(s) rejected (ids ${ids.join(', ')}${more}); reasons in bigcommerce.rejected_rows`
}

export function formatSummary(summary: SyncSummary): string {
  const header = [
    'table',
    'status',
    'fetched',
    'upserted',
    'unchanged',
    'deleted',
    'rejected',
    'seconds',
    'requests',
    'throttled',
  ]
  const rows = Object.entries(summary.tables).map(([table, t]) => [
    table,
    t.status,
    number(t.fetched),
    number(t.upserted),
    number(t.unchanged),
    number(t.deleted),
    number(t.rejectedCount),
    t.seconds.toFixed(1),
    number(t.requests),
    number(t.throttled),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)))
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')
  const failures = Object.entries(summary.tables)
    .filter(([, t]) => t.status !== 'completed')
    .map(([table, t]) => namedOnce(table, t.error ?? 'failed for an unknown reason'))
  const rejections = Object.entries(summary.tables)
    .filter(([, t]) => t.rejectedCount > 0)
    .map(([table, t]) => describeRejections(table, t.rejected, t.rejectedCount))
  const notes = Object.entries(summary.tables).flatMap(([table, t]) =>
    (t.notes ?? []).map((n) => `${table}: ${n}`),
  )
  return [
    line(header),
    ...rows.map(line),
    '',
    ...failures,
    ...rejections,
    ...notes,
    `${summary.ok ? 'Completed' : 'Incomplete'} in ${summary.seconds.toFixed(1)}s.`,
  ]
    .filter((l, i, all) => l !== '' || i < all.length - 1)
    .map(printable)
    .join('\n')
    .concat('\n')
}

/** `table: message`, without naming the table twice when the message already starts with it. */
function namedOnce(table: string, message: string): string {
  return message.startsWith(`${table}: `) ? message : `${table}: ${message}`
}
