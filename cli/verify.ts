// `bc-mirror verify`: the read-only drift report (src/sync/sweeps/verify.ts). Exit 0 when the mirror
// matches the store, 1 when it drifts (with the command that repairs each table).
import { defineCommand } from 'citty'
import { SYNC_TABLES } from '../src/resources/index.ts'
import { connectStore, verifyStore } from '../src/node/store-operations.ts'
import type { IdDrift, VerifyReport } from '../src/sync/sweeps/verify.ts'
import { printable } from '../src/util/printable.ts'
import type { Config } from '../src/config.ts'
import {
  commandsFor,
  configFor,
  loadStoresConfig,
  runForStores,
  severalJson,
  storeArg,
  type OpenDatabase,
} from './_stores.ts'
import { CommandFailed, printJson } from './_shared.ts'
import { parseTables } from './sync.ts'

export default defineCommand({
  meta: {
    name: 'verify',
    description:
      'Read-only drift report: the mirror against the store (counts; with --ids, missing, extra and stale ids). Exit 1 on drift',
  },
  args: {
    tables: {
      type: 'string',
      description: 'Comma-separated tables (default: all)',
      valueHint: SYNC_TABLES.join(','),
    },
    ids: {
      type: 'boolean',
      description:
        'Compare id sets too (id-only pages on v3; v2 lists, orders and coupons, cost full pages)',
    },
    json: { type: 'boolean', description: 'Print the report as one JSON object' },
    ...storeArg,
  },
  async run({ args }) {
    await verifyStores(loadStoresConfig(), args)
  },
})

/**
 * The drift report of `--store H` or of every active store (`--json`: today's object for one
 * store, `{stores: [{store_hash, ...report}]}` for several).
 */
export async function verifyStores(
  config: Config,
  args: { tables?: string; ids?: boolean; json?: boolean; store?: string },
  options: { openDatabase?: OpenDatabase } = {},
): Promise<void> {
  const tables = parseTables(args.tables)
  const { outcomes, several } = await runForStores(
    config,
    'bc-mirror verify',
    args.store,
    async ({ store, db }) => {
      const storeConfig = configFor(config, store)
      const report = await verifyStore(storeConfig, await db(), connectStore(storeConfig), {
        tables,
        ids: args.ids,
      })
      for (const t of Object.values(report.tables))
        if (t?.repair) t.repair = commandsFor(store, t.repair)
      return report
    },
    (outcomes, several) => {
      if (args.json) printJson(several ? severalJson(outcomes) : outcomes[0]?.value)
      else
        for (const o of outcomes)
          if (o.value) process.stdout.write(printable(formatReport(o.value)))
    },
    { openDatabase: options.openDatabase },
  )
  const report = outcomes[0]?.value
  if (several || !report || report.ok) return
  const drifting = Object.entries(report.tables)
    .filter(([, t]) => t?.drift)
    .map(([name]) => name)
  throw new CommandFailed(
    `the mirror drifts from the store in ${drifting.join(', ')}; run the repair command shown above.`,
  )
}

const ids = (label: string, drift: IdDrift | undefined) =>
  drift && drift.count > 0
    ? [
        `    ${label}: ${drift.count}${drift.count > drift.ids.length ? ` (first ${drift.ids.length})` : ''}: ${drift.ids.join(', ')}`,
      ]
    : []

function formatReport(report: VerifyReport): string {
  const lines = [
    `Store ${report.storeHash}, checked ${report.checkedAt}${report.ids ? ' (counts and ids)' : ' (counts)'}`,
    '',
  ]
  lines.push('table        store   mirror  drift')
  for (const [name, t] of Object.entries(report.tables)) {
    if (!t) continue
    lines.push(
      `${name.padEnd(10)} ${String(t.store).padStart(7)}  ${String(t.mirror).padStart(7)}  ${t.drift ? 'yes' : 'no'}`,
    )
    lines.push(
      ...ids('missing from the mirror', t.missing),
      ...ids('extra in the mirror', t.extra),
      ...ids('older in the mirror', t.stale),
    )
    if (t.note) lines.push(`    note: ${t.note}`)
    if (t.repair) lines.push(`    repair: ${t.repair}`)
  }
  const quota = report.quota
    ? ` (store quota ${report.quota.requests} per ${report.quota.windowSeconds} s)`
    : ''
  lines.push(
    '',
    `cost: ${report.requests} requests${report.throttled > 0 ? `, ${report.throttled} of them answered 429` : ''}${quota}`,
  )
  lines.push(report.ok ? 'no drift' : 'drift found')
  return `${lines.join('\n')}\n`
}
