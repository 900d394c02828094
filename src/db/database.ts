// The mirror's handle on its database: the same small interface over PGlite (embedded) and
// postgres.js (any PostgreSQL), so everything above it is written once. Queries are drizzle `sql`
// templates run raw: the write path is set-based SQL, and raw results are the same shape on both
// drivers (drizzle leaves timestamps as strings on both; cast numbers in SQL where they matter).
import type { SQL } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'

export interface Executor {
  /** Runs one statement and returns its rows. */
  execute<T = Record<string, unknown>>(query: SQL): Promise<T[]>
}

export interface Database extends Executor {
  readonly kind: 'pglite' | 'postgres'
  /** drizzle, for the migrator and the odd typed query. */
  readonly orm: PgDatabase<PgQueryResultHKT>
  transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T>
  /**
   * Runs `fn` while holding the named lock across every process on this database, or returns
   * `{ acquired: false }` at once when another holder has it (unless `wait` is set).
   */
  withLock<T>(
    name: string,
    fn: () => Promise<T>,
    options?: { wait?: boolean },
  ): Promise<LockResult<T>>
  /**
   * LISTENs on `channel` and calls `onPayload` with each notification's payload, delivered after
   * the sending transaction commits; resolves, once listening, to the function that stops it.
   */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>
  close(): Promise<void>
}

export type LockResult<T> = { acquired: true; value: T } | { acquired: false }

/** drizzle's raw results are an array on postgres.js and `{ rows }` on PGlite. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[]
  const rows = (result as { rows?: unknown }).rows
  return Array.isArray(rows) ? (rows as T[]) : []
}

export function wrapExecutor(orm: Pick<PgDatabase<PgQueryResultHKT>, 'execute'>): Executor {
  return {
    async execute<T>(query: SQL) {
      return rowsOf<T>(await orm.execute(query))
    },
  }
}

/** A stable 32-bit key for pg_advisory_lock from a lock name. */
export function advisoryKey(name: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash | 0
}
