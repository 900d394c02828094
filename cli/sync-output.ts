// What `bc-mirror sync` shows: a live progress line per table on a terminal, a log line per table
// per batch of pages otherwise, and a summary table at the end.
import type { ResourceName } from '../src/db/schema.ts'
import type { SyncSummary, TableProgress } from '../src/sync/sweeps/sweep.ts'

const number = (n: number) => n.toLocaleString('en-US')

function describeProgress(p: TableProgress): string {
  const seconds = p.elapsedMs / 1000
  const rate = seconds > 0 ? p.fetched / seconds : 0
  const of = p.total !== undefined ? `/${number(p.total)}` : ''
  const eta =
    p.total !== undefined && rate > 0 && !p.done
      ? `, ETA ${Math.max(0, Math.ceil((p.total - p.fetched) / rate))}s`
      : ''
  return `${p.table.padEnd(9)} ${number(p.fetched)}${of} rows, ${number(p.requests)} requests, ${number(Math.round(rate))} rows/s${eta}${p.done ? ', done' : ''}`
}

/** Renders progress to `out` (stderr): redrawn lines on a TTY, periodic log lines elsewhere. */
export function createProgressReporter(out: NodeJS.WriteStream, tables: readonly ResourceName[]) {
  const latest = new Map<ResourceName, TableProgress>()
  const lastLogged = new Map<ResourceName, number>()
  let drawn = 0
  let lastDraw = 0

  function redraw() {
    const lines = tables.map((t) => {
      const p = latest.get(t)
      return p ? describeProgress(p) : `${t.padEnd(9)} starting`
    })
    if (drawn > 0) out.write(`\x1b[${drawn}A`)
    out.write(lines.map((l) => `\x1b[2K${l}\n`).join(''))
    drawn = lines.length
    lastDraw = Date.now()
  }

  return {
    update(progress: TableProgress) {
      latest.set(progress.table, progress)
      if (out.isTTY) {
        if (progress.done || Date.now() - lastDraw > 200) redraw()
        return
      }
      const last = lastLogged.get(progress.table) ?? 0
      if (progress.done || Date.now() - last >= 5000) {
        lastLogged.set(progress.table, Date.now())
        out.write(`${describeProgress(progress)}\n`)
      }
    },
    finish() {
      if (out.isTTY && latest.size > 0) redraw()
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
    .filter(([, t]) => t.status === 'failed')
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
    .join('\n')
    .concat('\n')
}

/** `table: message`, without naming the table twice when the message already starts with it. */
function namedOnce(table: string, message: string): string {
  return message.startsWith(`${table}: `) ? message : `${table}: ${message}`
}
