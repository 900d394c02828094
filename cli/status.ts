// `bc-mirror status`: what the mirror holds and how its sweeps, events and hooks are doing. Exits 1
// when something needs a person (failed sweeps, failed events, missing hooks, rejected rows), so a
// cron job can alert on it; each problem comes with the command that fixes it.
import { defineCommand } from 'citty'
import { nodeLeaseIdentity } from '../src/node/lease-identity.ts'
import { readStatus, type MirrorStatus } from '../src/sync/status/status.ts'
import type { RunRow } from '../src/sync/status/runs.ts'
import { CommandFailed, loadConfig, printJson, withDatabase } from './_shared.ts'

export default defineCommand({
  meta: {
    name: 'status',
    description:
      'Rows, cursors and last sweep per table; inbox; hooks; recent runs. Exit 1 when something needs a person',
  },
  args: {
    json: { type: 'boolean', description: 'Print one JSON object' },
  },
  async run({ args }) {
    const config = loadConfig({ store: true })
    const status = await withDatabase(config, 'bc-mirror status', (db) =>
      readStatus(db, config.storeHash, { isGone: nodeLeaseIdentity().isGone }),
    )
    if (args.json) printJson(status)
    else process.stdout.write(formatStatus(status))
    const count = status.problems.length
    if (count > 0)
      throw new CommandFailed(
        `${count} problem${count === 1 ? '' : 's'} need${count === 1 ? 's' : ''} attention (listed above)`,
      )
  },
})

function formatStatus(status: MirrorStatus): string {
  const lines = [
    `Store ${status.storeHash}`,
    '',
    'table       rows  rejected  cursor                    last success              last run',
  ]
  for (const [name, t] of Object.entries(status.tables)) {
    lines.push(
      `${name.padEnd(10)} ${String(t.rows).padStart(6)}  ${String(t.rejected).padStart(8)}  ${(t.cursor ?? '-').padEnd(24)}  ${(t.lastSuccessAt ?? '-').padEnd(24)}  ${t.lastStatus ?? 'never'}${t.lastError ? `: ${t.lastError}` : ''}`,
    )
    for (const [child, rows] of Object.entries(t.children))
      lines.push(`  ${child} ${String(rows).padStart(Math.max(1, 25 - child.length))}`)
  }
  const rejected = Object.values(status.tables).reduce((n, t) => n + t.rejected, 0)
  if (rejected > 0) {
    lines.push(
      '',
      `${rejected} object(s) from the API could not be stored; see bigcommerce.rejected_rows (reason, raw). The next read of each id retries it.`,
    )
  }
  const inbox = status.inbox
  lines.push(
    '',
    `inbox: ${inbox.pending} pending, ${inbox.failed} failed; oldest pending ${inbox.oldestPendingAt ?? '-'}; last event received ${inbox.lastReceivedAt ?? '-'}`,
  )
  const hooks = status.hooks
  lines.push(
    hooks
      ? `hooks: ${hooks.status}${hooks.destination ? ` (to ${hooks.destination})` : ''}, checked ${hooks.checkedAt ?? '-'}` +
          `${hooks.repaired.length > 0 ? `; repaired ${hooks.repaired.join('; ')}` : ''}${hooks.error ? `; ${hooks.error}` : ''}`
      : 'hooks: not checked yet (bc-mirror serve checks them; bc-mirror webhooks list shows them)',
  )
  lines.push(formatApi(status.api))
  lines.push('', 'recent runs:')
  if (status.runs.length === 0) lines.push('  none yet')
  for (const run of status.runs) lines.push(`  ${formatRun(run)}`)
  if (status.notes.length > 0) {
    lines.push('', 'notes (information; nothing needs doing):')
    for (const n of status.notes) lines.push(`  - ${n.table} (${n.kind} sync of ${n.at}): ${n.note}`)
  }
  if (status.problems.length > 0) {
    lines.push('', 'needs attention:')
    for (const p of status.problems) lines.push(`  - ${p.what}`, `    fix: ${p.fix}`)
  }
  return `${lines.join('\n')}\n`
}

const API_WORDS: Record<string, string> = {
  ok: 'answering',
  refused: 'refuses the access token (check BIGCOMMERCE_ACCESS_TOKEN and the API account)',
  outage: 'unavailable (5xx or no answer); serve retries with growing waits',
}

function formatApi(api: MirrorStatus['api']): string {
  if (!api) return 'store API: not seen yet (bc-mirror serve records its state)'
  const words = API_WORDS[api.state] ?? api.state
  const since = api.since ? ` since ${api.since}` : ''
  const error = api.state !== 'ok' && api.lastError ? `; last error: ${api.lastError}` : ''
  return `store API: ${words}${since}${error}`
}

function formatRun(run: RunRow): string {
  const seconds = ((run.finishedAt.getTime() - run.startedAt.getTime()) / 1000).toFixed(1)
  const counts = Object.entries(run.tables)
    .map(([name, t]) =>
      t
        ? `${name} ${t.fetched}/${t.written}/${t.deleted}${t.rejected ? `/${t.rejected}r` : ''}`
        : '',
    )
    .filter(Boolean)
    .join(', ')
  return (
    `${run.startedAt.toISOString()}  ${run.kind.padEnd(11)} ${run.outcome.padEnd(9)} ${seconds.padStart(6)} s` +
    `  ${run.requests} requests, ${run.throttled} 429s${counts ? `; fetched/written/deleted ${counts}` : ''}` +
    `${run.error ? `; ${run.error}` : ''}`
  )
}
