// Opening the embedded database (PGlite, PostgreSQL in WASM) in a directory, or in memory for
// tests. One process owns it (the host locks DATA_DIR), so locks here are in-process.
import { PGlite } from '@electric-sql/pglite'
import { drizzle } from 'drizzle-orm/pglite'
import { wrapExecutor, type Database, type LockResult } from './database.ts'

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
  const held = new Map<string, Promise<unknown>>()

  async function withLock<T>(name: string, fn: () => Promise<T>, wait = false): Promise<LockResult<T>> {
    while (held.has(name)) {
      if (!wait) return { acquired: false }
      await held.get(name)?.catch(() => undefined)
    }
    const running = fn()
    held.set(name, running)
    try {
      return { acquired: true, value: await running }
    } finally {
      held.delete(name)
    }
  }

  return {
    kind: 'pglite',
    orm,
    execute: executor.execute,
    transaction: (fn) => orm.transaction((tx) => fn(wrapExecutor(tx))),
    withLock: (name, fn, options) => withLock(name, fn, options?.wait ?? false),
    close: () => client.close(),
  }
}
