import { defineCommand } from 'citty'
import { checkStoreAccess } from '../src/bigcommerce/preflight.ts'
import { parseStartDate } from '../src/config.ts'
import type { ResourceName } from '../src/db/schema.ts'
import { connectStore, syncStore } from '../src/node/store-operations.ts'
import { SYNC_TABLES } from '../src/resources/index.ts'
import type { Config } from '../src/config.ts'
import {
  configFor,
  loadStoresConfig,
  runForStores,
  severalJson,
  startDateOf,
  storeArg,
  type OpenDatabase,
} from './_stores.ts'
import { CommandFailed, CommandStopped, printJson, UsageError } from './_shared.ts'
import { createProgressReporter, formatSummary } from './sync-output.ts'

const SYNC_ARGS = {
  tables: {
    type: 'string',
    description: 'Comma-separated tables (default: all)',
    valueHint: SYNC_TABLES.join(','),
  },
  full: {
    type: 'boolean',
    description:
      'Sweep every chosen table from the start date and delete rows the store no longer has',
  },
  since: {
    type: 'string',
    description:
      'Sweep from this date (MM/DD/YYYY, YYYY-MM-DD or an ISO timestamp); the saved cursor never moves back',
    valueHint: 'DATE',
  },
  json: { type: 'boolean', description: 'Print the summary as one JSON object' },
  wait: {
    type: 'boolean',
    description: 'If a sync of this store is running, wait for it instead of exiting',
  },
  'allow-mass-delete': {
    type: 'boolean',
    description:
      'Let a full sweep delete more than half of a table (above 2,000 rows: more than 10% or 1,000 rows)',
  },
} as const

export default defineCommand({
  meta: {
    name: 'sync',
    description:
      'Reconcile the mirror with the store: incremental date_modified sweeps (customers, orders, products) and a full coupon sweep; the first run backfills from the start date',
  },
  args: {
    ...SYNC_ARGS,
    ...storeArg,
  },
  async run({ args }) {
    // Said between progress lines by the store's reporter at work, if any.
    const voice = { say: (line: string) => void process.stderr.write(`${line}\n`) }
    const abort = stopOnSignals((line) => voice.say(line))
    await syncStores(loadStoresConfig(), args, { signal: abort.signal, voice })
    if (abort.signal.aborted) throw new CommandStopped(STOPPED_EXIT_CODE)
  },
})

export interface SyncArgs {
  tables?: string
  full?: boolean
  since?: string
  json?: boolean
  wait?: boolean
  'allow-mass-delete'?: boolean
  store?: string
}

/**
 * Syncs `--store H` or every active store in turn, printing each summary (`--json`: today's
 * object for one store, `{stores: [{store_hash, ...summary}]}` for several).
 */
export async function syncStores(
  config: Config,
  args: SyncArgs,
  options: {
    signal?: AbortSignal
    openDatabase?: OpenDatabase
    /** Where a Ctrl-C notice goes: set to the running store's progress reporter. */
    voice?: { say: (line: string) => void }
  } = {},
): Promise<void> {
  const tables = parseTables(args.tables)
  const since = args.since === undefined ? undefined : parseSince(args.since)
  const { outcomes, several } = await runForStores(
    config,
    'bc-mirror sync',
    args.store,
    async ({ store, db }) => {
      const startDate = startDateOf(config, store)
      if (since && startDate && since < startDate) {
        throw new UsageError(
          `--since ${args.since} is before ${store.source === 'settings' ? 'BIGCOMMERCE_START_DATE' : `store ${store.storeHash}'s start date`} (${startDate.toISOString().slice(0, 10)}); rows before the start date are not mirrored. Use a later date.`,
        )
      }
      const storeConfig = configFor(config, store)
      const connection = connectStore(storeConfig)
      const reporter = createProgressReporter(process.stderr, tables)
      if (options.voice) options.voice.say = reporter.interject
      // A wrong store hash or a refused token is said once, here, not once per table.
      await checkStoreAccess(connection.client, options.signal)
      const summary = await syncStore(storeConfig, await db(), connection, {
        tables,
        full: args.full,
        since,
        wait: args.wait,
        allowMassDelete: args['allow-mass-delete'],
        signal: options.signal,
        onProgress: reporter.update,
      })
      reporter.finish()
      return summary
    },
    (outcomes, several) => {
      if (args.json) printJson(several ? severalJson(outcomes) : outcomes[0]?.value)
      else
        for (const o of outcomes)
          if (o.value)
            process.stdout.write(
              `${several ? `Store ${o.store.storeHash}\n` : ''}${formatSummary(o.value)}`,
            )
    },
    { openDatabase: options.openDatabase },
  )
  const summary = outcomes[0]?.value
  if (several || options.signal?.aborted || !summary || summary.ok) return
  const failed = Object.entries(summary.tables)
    .filter(([, t]) => t.status !== 'completed')
    .map(([name]) => name)
  throw new CommandFailed(
    `sync did not complete for ${failed.join(', ')}; the next run resumes where it stopped.`,
  )
}

/** A shell's code for a command ended by SIGINT (128 + 2). */
const STOPPED_EXIT_CODE = 130

/**
 * Ctrl-C (or SIGTERM) stops the run: said at once, every request aborted, the checkpoint (saved
 * after each committed page) kept. A second Ctrl-C quits at once; the checkpoint is kept as well.
 */
function stopOnSignals(say: (line: string) => void): AbortController {
  const abort = new AbortController()
  const stop = () => {
    if (abort.signal.aborted) {
      say('bc-mirror: quitting now; the next sync resumes from the last checkpoint.')
      process.exit(STOPPED_EXIT_CODE)
    }
    say(
      'bc-mirror: stopping; the checkpoint is kept and the next sync resumes from it. Press Ctrl-C again to quit now.',
    )
    abort.abort(new Error('interrupted'))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  return abort
}

export function parseTables(text: string | undefined): ResourceName[] {
  if (text === undefined) return [...SYNC_TABLES]
  const names = text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
  const unknown = names.filter((n) => !SYNC_TABLES.includes(n as ResourceName))
  if (unknown.length > 0 || names.length === 0) {
    throw new UsageError(
      `--tables ${unknown.length > 0 ? `has unknown table ${unknown.map((u) => `"${u}"`).join(', ')}` : 'is empty'}. Expected a comma-separated list of ${SYNC_TABLES.join(', ')}, e.g. --tables orders,products`,
    )
  }
  return [...new Set(names)] as ResourceName[]
}

function parseSince(text: string): Date {
  const date = parseStartDate(text) ?? (/^\d{4}-\d{2}-\d{2}T/.test(text) ? new Date(text) : null)
  if (!date || Number.isNaN(date.getTime())) {
    throw new UsageError(
      `--since "${text}" is not a date. Expected MM/DD/YYYY, YYYY-MM-DD or an ISO timestamp, e.g. --since 2024-01-31`,
    )
  }
  if (date.getTime() > Date.now())
    throw new UsageError(
      `--since ${text} is in the future. Expected a past date, e.g. --since 2024-01-31`,
    )
  return date
}
