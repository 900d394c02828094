// `bc-mirror changes --follow`: prints the change feed (NOTIFY bigcommerce_mirror) as commits
// happen, one readable line or one JSON object per change, until Ctrl-C (exit 0). On the embedded
// database it listens through the `serve` that holds DATA_DIR with PGLITE_PORT (src/node/wire-listen.ts):
// the changes are made in that process, and only there can they be heard.
import { existsSync } from 'node:fs'
import { defineCommand } from 'citty'
import type { Config } from '../src/config.ts'
import { CHANGES_CHANNEL, listenForChanges, type Change } from '../src/db/changes.ts'
import type { Database } from '../src/db/database.ts'
import { DataDirLockedError, lockDataDir } from '../src/node/data-dir-lock.ts'
import { openConfiguredDatabase, type OpenedDatabase } from '../src/node/open-database.ts'
import { printableLine } from '../src/util/printable.ts'
import { loadConfig, UsageError } from './_shared.ts'

export default defineCommand({
  meta: {
    name: 'changes',
    description:
      'Print the rows the mirror changes as they are committed (the bigcommerce_mirror change feed), until Ctrl-C',
  },
  args: {
    follow: {
      type: 'boolean',
      description: 'Keep listening and print each change as it happens (required)',
    },
    json: {
      type: 'boolean',
      description: 'One JSON object per line: {store_hash, table, op, ids}',
    },
  },
  async run({ args }) {
    if (!args.follow) {
      throw new UsageError(
        'changes keeps no history: it prints changes as they are committed. ' +
          'Run `bc-mirror changes --follow` (add --json for one JSON object per line)',
      )
    }
    const config = loadConfig()
    const json = Boolean(args.json)
    const opened = await openForChanges(config)
    try {
      await followChanges(opened.db, {
        json,
        write: (line) => process.stdout.write(line),
        onListening: () =>
          process.stderr.write(`bc-mirror: following ${CHANGES_CHANNEL}; Ctrl-C stops\n`),
        stopped: untilSignal(),
      })
    } finally {
      await opened.close()
    }
  },
})

const EMBEDDED_NEEDS_SERVE =
  'changes --follow on the embedded database listens through `bc-mirror serve` with PGLITE_PORT set: ' +
  'the changes are made in the one process that holds DATA_DIR, and heard there. ' +
  'Start serve with PGLITE_PORT, or use PostgreSQL (DATABASE_URL)'

/** PostgreSQL, or the embedded database through the serve that holds DATA_DIR with PGLITE_PORT. */
async function openForChanges(config: Config): Promise<OpenedDatabase> {
  if (!config.databaseUrl && servePort(config.dataDir) === undefined)
    throw new UsageError(EMBEDDED_NEEDS_SERVE)
  const opened = await openConfiguredDatabase(config, 'bc-mirror changes', { viaServe: true })
  // serve stopped between the look and the opening: this process now holds DATA_DIR, alone.
  if (!config.databaseUrl && opened.via !== 'serve') {
    await opened.close()
    throw new UsageError(EMBEDDED_NEEDS_SERVE)
  }
  return opened
}

/** The PGLITE_PORT of the serve holding `dataDir`, if one does; nothing is created or kept. */
function servePort(dataDir: string): number | undefined {
  if (!existsSync(dataDir)) return undefined
  try {
    lockDataDir(dataDir, 'bc-mirror changes')()
    return undefined
  } catch (error) {
    if (error instanceof DataDirLockedError) return error.owner.pgPort
    throw error
  }
}

export interface FollowOptions {
  json: boolean
  write: (text: string) => void
  onListening?: () => void
  /** Resolves when following should end. */
  stopped: Promise<void>
}

/** Writes each change heard until `stopped` resolves, then stops listening. */
export async function followChanges(
  db: Pick<Database, 'listen'>,
  options: FollowOptions,
): Promise<void> {
  const unsubscribe = await listenForChanges(
    db,
    (change) => options.write(`${formatChange(change, options.json)}\n`),
    // Someone else's NOTIFY on the channel: said, and listening goes on.
    { onError: (error) => process.stderr.write(`bc-mirror: ${printableLine(String(error))}\n`) },
  )
  options.onListening?.()
  try {
    await options.stopped
  } finally {
    await unsubscribe()
  }
}

/** How many ids a readable line names before it says how many more there are. */
const IDS_SHOWN = 20

/** One change on one line: JSON (escaped by JSON itself), or words with store data made printable. */
export function formatChange(change: Change, json: boolean): string {
  if (json) return JSON.stringify(change)
  const { ids } = change
  const shown = ids.slice(0, IDS_SHOWN).join(', ')
  const more = ids.length > IDS_SHOWN ? ` and ${ids.length - IDS_SHOWN} more` : ''
  const rows = `${ids.length} row${ids.length === 1 ? '' : 's'}`
  return [
    new Date().toISOString(),
    printableLine(change.store_hash),
    printableLine(change.table),
    change.op,
    `${rows}: ${shown}${more}`,
  ].join('  ')
}

/** Resolves at the first SIGINT or SIGTERM (Ctrl-C ends following; it is not a failure). */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}
