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

export async function openPglite(options: PgliteOptions = {}): Promise<Database> {
  const client = await PGlite.create({ dataDir: options.dataDir, loadDataDir: options.loadDataDir })
  return wrapPglite(client)
}

export function wrapPglite(client: PGlite): Database {
  const orm = drizzle({ client })
  const executor = wrapExecutor(orm)
  return {
    kind: 'pglite',
    orm,
    execute: executor.execute,
    transaction: (fn) => orm.transaction((tx) => fn(wrapExecutor(tx))),
    // One process owns the embedded database (the DATA_DIR lock): there is no one to exclude.
    withLock: async (_name, fn) => ({ acquired: true, value: await fn() }),
    close: () => client.close(),
  }
}
