// `bc-mirror status`: what the mirror holds and how its sweeps, events and hooks are doing. It asks
// the API once whether it knows the store hash and accepts the token. Exits 2 when it does not (a
// setting is wrong), 1 when something else needs a person (no completed sweep yet, failed sweeps,
// failed events, missing hooks, rejected rows), so a cron job can alert on it; each problem comes
// with the command that fixes it. Store and database text is printed without control characters.
import { defineCommand } from 'citty'
import type { Config } from '../src/config.ts'
import { readStoreStatus } from '../src/node/store-operations.ts'
import type { StoreAccess as AccessResult } from '../src/sync/status/problems.ts'
import {
  commandsFor,
  configFor,
  loadStoresConfig,
  runForStores,
  severalJson,
  storeArg,
  type OpenDatabase,
  type StoreOutcome,
} from './_stores.ts'
import { printable, printableLine } from '../src/util/printable.ts'
import { describeError } from '../src/util/log.ts'
import type { MirrorStatus } from '../src/sync/status/status.ts'
import type { RunRow } from '../src/sync/status/runs.ts'
import { CommandFailed, printJson, UsageError } from './_shared.ts'

export default defineCommand({
  meta: {
    name: 'status',
    description:
      'Rows, cursors and last sweep per table; inbox; hooks; recent runs. Exit 1 when something needs a person, 2 when the API does not know the store hash or refuses the token',
  },
  args: {
    json: { type: 'boolean', description: 'Print one JSON object' },
    ...storeArg,
  },
  async run({ args }) {
    await statusStores(loadStoresConfig(), args)
  },
})

interface StoreStatusResult {
  status: MirrorStatus
  access: AccessResult | undefined
}

/**
 * Status of `--store H` or of every active store (`--json`: today's object for one store,
 * `{stores: [{store_hash, ...status}]}` for several).
 */
export async function statusStores(
  config: Config,
  args: { json?: boolean; store?: string },
  options: { openDatabase?: OpenDatabase } = {},
): Promise<void> {
  const { outcomes, several } = await runForStores<StoreStatusResult>(
    config,
    'bc-mirror status',
    args.store,
    async ({ store, db }) => {
      // The database first: a database that cannot be used is said before anything else.
      const status = await readStoreStatus(configFor(config, store), await db())
      for (const problem of status.problems) problem.fix = commandsFor(store, problem.fix)
      return { status, access: status.access }
    },
    (outcomes, several) => {
      const shown: StoreOutcome<MirrorStatus>[] = outcomes.map((o) => ({
        ...o,
        value: o.value?.status,
      }))
      if (args.json)
        printJson(several ? { ...severalJson(shown), total: storesTotal(shown) } : shown[0]?.value)
      else {
        for (const o of shown) if (o.value) process.stdout.write(printable(formatStatus(o.value)))
        if (several) process.stdout.write(printable(formatStoresTotal(shown)))
      }
    },
    {
      allowInactive: true,
      openDatabase: options.openDatabase,
      failed: (value: StoreStatusResult) => value.status.problems.length > 0,
    },
  )
  const result = outcomes[0]?.value
  if (several || !result) return
  const count = result.status.problems.length
  const needs = `${count} problem${count === 1 ? '' : 's'} need${count === 1 ? 's' : ''} attention (listed above)`
  if (result.access?.result === 'unknown-store' || result.access?.result === 'token-refused')
    throw new UsageError(`${needs}; exit code 2: a setting is wrong`)
  if (count > 0) throw new CommandFailed(needs)
}

interface StoresTotal {
  stores: number
  rows: number
  pending: number
  failed: number
  /** Stores with a problem, or whose status could not be read. */
  needing_attention: number
}

/** Every store's figures added up, for `status` over several stores. */
function storesTotal(outcomes: StoreOutcome<MirrorStatus>[]): StoresTotal {
  const total = { stores: outcomes.length, rows: 0, pending: 0, failed: 0, needing_attention: 0 }
  for (const { value } of outcomes) {
    if (!value || value.problems.length > 0) total.needing_attention += 1
    if (!value) continue
    total.rows += Object.values(value.tables).reduce((n, t) => n + t.rows, 0)
    total.pending += value.inbox.pending
    total.failed += value.inbox.failed
  }
  return total
}

/** One line per store (rows, inbox, its first problem and fix), then the total. */
function formatStoresTotal(outcomes: StoreOutcome<MirrorStatus>[]): string {
  const lines = ['', 'All stores', '', 'store                     rows  pending  failed  needs']
  for (const { store, value, error } of outcomes) {
    const rows = value ? Object.values(value.tables).reduce((n, t) => n + t.rows, 0) : 0
    const first = value?.problems[0]
    const needs = error
      ? `status not read: ${printableLine(describeError(error))}`
      : first
        ? `${first.what} (fix: ${first.fix})${value.problems.length > 1 ? ` and ${value.problems.length - 1} more` : ''}`
        : '-'
    lines.push(
      `${store.storeHash.padEnd(22)} ${String(rows).padStart(7)}  ${String(value?.inbox.pending ?? 0).padStart(7)}  ${String(value?.inbox.failed ?? 0).padStart(6)}  ${needs}`,
    )
  }
  const t = storesTotal(outcomes)
  lines.push(
    `${`total (${t.stores} stores)`.padEnd(22)} ${String(t.rows).padStart(7)}  ${String(t.pending).padStart(7)}  ${String(t.failed).padStart(6)}  ${t.needing_attention} need${t.needing_attention === 1 ? 's' : ''} attention`,
    '',
  )
  return lines.join('\n')
}

function formatStatus(status: MirrorStatus): string {
  const lines = [
    `Store ${status.storeHash}`,
    '',
    'table       rows  rejected  cursor                    last success              last run',
  ]
  for (const [name, t] of Object.entries(status.tables)) {
    lines.push(
      `${name.padEnd(10)} ${String(t.rows).padStart(6)}  ${String(t.rejected).padStart(8)}  ${(t.cursor ?? '-').padEnd(24)}  ${(t.lastSuccessAt ?? '-').padEnd(24)}  ${t.lastStatus ?? 'never'}${t.lastError ? `: ${printableLine(t.lastError)}` : ''}`,
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
  lines.push(...formatHooks(status.hooks))
  lines.push(formatApi(status.api))
  if (status.access?.result === 'unreachable')
    lines.push(`store API just now: no answer (${status.access.message ?? 'unknown'})`)
  lines.push('', 'recent runs:')
  if (status.runs.length === 0) lines.push('  none yet')
  for (const run of status.runs) lines.push(`  ${formatRun(run)}`)
  if (status.notes.length > 0) {
    lines.push('', 'notes (information; nothing needs doing):')
    for (const n of status.notes)
      lines.push(`  - ${n.table} (${n.kind} sync of ${n.at}): ${n.note}`)
  }
  if (status.problems.length > 0) {
    lines.push('', 'needs attention:')
    for (const p of status.problems)
      lines.push(`  - ${printableLine(p.what)}`, `    fix: ${printableLine(p.fix)}`)
  }
  return `${lines.join('\n')}\n`
}

const OFF_BECAUSE = {
  inactivity: 'off after 90 days without events',
  failures: 'off after 48 hours of failed deliveries',
}

function formatHooks(hooks: MirrorStatus['hooks']): string[] {
  if (!hooks)
    return [
      'hooks: not checked yet (bc-mirror serve checks them; bc-mirror webhooks list shows them)',
    ]
  const lines = [
    `hooks: ${hooks.status}${hooks.destination ? ` (to ${hooks.destination})` : ''}, checked ${hooks.checkedAt ?? '-'}` +
      `${hooks.repaired.length > 0 ? `; repaired ${hooks.repaired.join('; ')}` : ''}${hooks.error ? `; ${hooks.error}` : ''}`,
  ]
  const ensure = `bc-mirror webhooks ensure --url ${hooks.destination ?? 'URL'}`
  for (const d of hooks.deactivated) {
    const state = d.reactivated
      ? 'switched back on by the last check, nothing to do'
      : `still off: run ${ensure}`
    lines.push(`  ${d.scope}: ${OFF_BECAUSE[d.cause]} (BigCommerce); ${state}`)
  }
  for (const r of hooks.refused) lines.push(`  ${r.scope}: refused by the store: ${r.reason}`)
  for (const b of hooks.blocked)
    lines.push(`  deliveries to ${b.destination} blocked until ${b.until}`)
  return lines.map(printableLine)
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
  return printableLine(`store API: ${words}${since}${error}`)
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
    `${run.error ? `; ${printableLine(run.error)}` : ''}`
  )
}
