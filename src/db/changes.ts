// The change feed: every statement that changes mirrored rows also sends `NOTIFY bigcommerce_mirror`
// with the ids it changed, from inside the statement (pg_notify in a CTE). PostgreSQL (and PGlite,
// which is PostgreSQL) delivers a notification only when its transaction commits, and never when it
// rolls back, so a listener that reads the row on hearing of it finds it. Only rows a statement
// really wrote or removed are named: a guarded upsert that changed nothing sends nothing.
import { sql, type SQL } from 'drizzle-orm'
import type { Database } from './database.ts'

export const CHANGES_CHANNEL = 'bigcommerce_mirror'

/** `upsert`: the rows were inserted or replaced; `delete`: they are gone from the table. */
export type ChangeOp = 'upsert' | 'delete'

/** One notification: rows of one table of one store that one transaction changed. */
export interface Change {
  store_hash: string
  /** The table's name in the `bigcommerce` schema, e.g. `orders` or `order_products`. */
  table: string
  op: ChangeOp
  /** The rows' `id` column, ascending. */
  ids: number[]
}

/**
 * How many bytes of ids (digits and commas) one notification carries at most. PostgreSQL refuses a
 * payload of 8000 bytes or more; the rest of the object (a store hash of at most 64 characters, a
 * table name, the op) takes under 200, so a larger set of ids is split over several notifications.
 */
export const MAX_ID_BYTES_PER_CHANGE = 7000

/**
 * A query sending one notification per MAX_ID_BYTES_PER_CHANGE of the ids that `source` (a CTE
 * with an `id` column) holds, none when it is empty. Use it as a CTE that the statement's final
 * select reads (e.g. counts): PostgreSQL runs a plain CTE only when it is read.
 */
export function notifyChanges(storeHash: string, table: string, op: ChangeOp, source: SQL): SQL {
  return sql`
    select pg_notify(${CHANGES_CHANNEL}::text, json_build_object(
      'store_hash', ${storeHash}::text, 'table', ${table}::text, 'op', ${op}::text,
      'ids', json_agg(c.id order by c.id))::text)
    from (
      select u.id, sum(length(u.id::text) + 1) over (order by u.id) / ${MAX_ID_BYTES_PER_CHANGE}::int as part
      from (select distinct id from ${source}) u
    ) c
    group by c.part`
}

export type ChangeListener = (change: Change) => void | Promise<void>

export interface ListenOptions {
  /**
   * Told of a listener that threw (or whose promise rejected), and of a notification on the channel
   * that is not a change (someone else's NOTIFY). Either way, listening goes on.
   */
  onError?: (error: unknown) => void
}

/** An unsubscribe function: stops listening (LISTEN's connection closes with the last one). */
export type Unsubscribe = () => Promise<void>

/**
 * Calls `listener` with each change committed to the database by any process, in commit order
 * (within a transaction, in the order its statements ran). Resolves once LISTEN is in place:
 * changes committed after that are heard. Notifications are not stored: a change committed while
 * nothing listens is not heard later (read `synced_at` and `deletions` to catch up).
 */
export async function listenForChanges(
  db: Pick<Database, 'listen'>,
  listener: ChangeListener,
  options: ListenOptions = {},
): Promise<Unsubscribe> {
  const report = options.onError ?? (() => {})
  return db.listen(CHANGES_CHANNEL, (payload) => {
    const change = parseChange(payload)
    if (!change) {
      report(
        new Error(
          `a notification on ${CHANGES_CHANNEL} that is not a change: ${payload.slice(0, 200)}`,
        ),
      )
      return
    }
    try {
      Promise.resolve(listener(change)).catch(report)
    } catch (error) {
      report(error)
    }
  })
}

/** The change a payload carries, or null when it is not one. */
export function parseChange(payload: string): Change | null {
  let value: unknown
  try {
    value = JSON.parse(payload)
  } catch {
    return null
  }
  if (!value || typeof value !== 'object') return null
  const { store_hash, table, op, ids } = value as Record<string, unknown>
  if (typeof store_hash !== 'string' || typeof table !== 'string') return null
  if (op !== 'upsert' && op !== 'delete') return null
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'number')) return null
  return { store_hash, table, op, ids }
}
