// Opening the embedded database (PGlite, PostgreSQL in WASM) in a directory, or in memory for
// tests. One process owns it (the host locks DATA_DIR).
import { PGlite } from '@electric-sql/pglite'
import { drizzle } from 'drizzle-orm/pglite'
import { wrapExecutor, type Database } from './database.ts'

export interface PgliteOptions {
  /** A directory to persist to; omitted means in memory. */
  dataDir?: string
  /** A data directory tarball (from dumpDataDir) to start from. */
  loadDataDir?: Blob | File
}

/**
 * PostgreSQL's settings for the embedded database. shared_buffers defaults to 128 MB, which
 * PGlite allocates and touches at start inside its WASM heap (a heap that never shrinks): 16 MB
 * takes ~125 MB off the resident size of every process that opens it. The mirror's writes are
 * batches of at most 500 rows; the operating system's page cache holds what the buffers do not.
 */
export const PGLITE_START_PARAMS: readonly string[] = [
  ...PGlite.defaultStartParams,
  '-c',
  'shared_buffers=16MB',
]

export async function openPglite(options: PgliteOptions = {}): Promise<Database> {
  const client = await PGlite.create({
    dataDir: options.dataDir,
    loadDataDir: options.loadDataDir,
    startParams: [...PGLITE_START_PARAMS],
  })
  return wrapPglite(client)
}

export interface WrapOptions {
  /**
   * Other clients share PGlite's one session (serve's PGLITE_PORT). A statement of ours issued
   * while one of theirs has a transaction open would join it, and be undone by its ROLLBACK; so
   * ours wait for it to end, up to this long, then fail (a webhook gets 503 and comes again).
   */
  sharedSessionWaitMs?: number
}

export class SessionBusyError extends Error {
  override readonly name = 'SessionBusyError'
}

export function wrapPglite(client: PGlite, options: WrapOptions = {}): Database {
  const orm = drizzle({ client })
  const executor = wrapExecutor(orm)
  const waitMs = options.sharedSessionWaitMs
  let ours = 0
  // Between our own transaction's statements the session is in a transaction too: that is ours.
  const foreignTransactionEnds = async () => {
    if (waitMs === undefined || ours > 0) return
    const until = Date.now() + waitMs
    while (client.isInTransaction()) {
      if (Date.now() > until) {
        throw new SessionBusyError(
          `a client on PGLITE_PORT has held a transaction open for over ${waitMs / 1000} s; the mirror's writes wait for it`,
        )
      }
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }
  return {
    kind: 'pglite',
    orm,
    async execute(query) {
      await foreignTransactionEnds()
      return executor.execute(query)
    },
    async transaction(fn) {
      await foreignTransactionEnds()
      ours += 1
      try {
        return await orm.transaction((tx) => fn(wrapExecutor(tx)))
      } finally {
        ours -= 1
      }
    },
    // One process owns the embedded database (the DATA_DIR lock): there is no one to exclude.
    withLock: async (_name, fn) => ({ acquired: true, value: await fn() }),
    // PGlite's one session hears its own notifications, at the commit of the statement's transaction.
    async listen(channel, onPayload) {
      await foreignTransactionEnds()
      const unlisten = await client.listen(channel, onPayload)
      return async () => {
        if (!client.closed) await unlisten()
      }
    },
    close: () => client.close(),
  }
}
