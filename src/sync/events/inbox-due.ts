// Which stores have due events, and for which tables: the fleet's one query per poll (node/fleet.ts).
import { sql, type SQL } from 'drizzle-orm'
import type { Executor } from '../../db/database.ts'
import { webhookEvents } from '../../db/schema.ts'

/** A (store, table) pair as webhook_events_due_idx keys it: events of no table under ''. */
export interface DuePair {
  storeHash: string
  resource: string
}

/**
 * The (store, table) pairs with a due pending event, at most `limit`, in index order after
 * `after` (from the start without). A skip scan over webhook_events_due_idx: each step jumps to
 * the next pair and reads its oldest event only, so the poll reads one index entry per pair
 * however many events wait (a `select distinct` read every pending event: thousands a second
 * under load, millions behind a store whose API is out).
 */
export function dueTablesQuery(limit: number, after?: DuePair): SQL {
  const start = after
    ? sql`and (store_hash, coalesce(resource, '')) > (${after.storeHash}, ${after.resource})`
    : sql``
  return sql`
    with recursive pairs as (
      (select store_hash, coalesce(resource, '') as resource, available_at from ${webhookEvents}
       where status = 'pending' ${start}
       order by store_hash, coalesce(resource, ''), available_at
       limit 1)
      union all
      select next.* from pairs cross join lateral (
        select e.store_hash, coalesce(e.resource, '') as resource, e.available_at
        from ${webhookEvents} e
        where e.status = 'pending'
          and (e.store_hash, coalesce(e.resource, '')) > (pairs.store_hash, pairs.resource)
        order by e.store_hash, coalesce(e.resource, ''), e.available_at
        limit 1) next
    )
    select store_hash, resource from pairs
    where available_at <= now()
    limit ${limit}`
}

export interface DueTables {
  /** Store hash → the tables (null: no table) it has due events for. */
  due: Map<string, Array<string | null>>
  /** Where the next poll goes on from when this one stopped at its limit; null: it did not. */
  next: DuePair | null
}

/**
 * At most `limit` pairs with due events, after `after`. A poll that stops at its limit says where
 * the next one goes on, so that stores late in the order are not left to wait behind the others.
 */
export async function findDueTables(
  db: Executor,
  limit: number,
  after?: DuePair,
): Promise<DueTables> {
  const rows = await db.execute<{ store_hash: string; resource: string }>(
    dueTablesQuery(limit, after),
  )
  const due = new Map<string, Array<string | null>>()
  for (const row of rows)
    due.set(row.store_hash, [...(due.get(row.store_hash) ?? []), row.resource || null])
  const last = rows.at(-1)
  const next =
    rows.length >= limit && last ? { storeHash: last.store_hash, resource: last.resource } : null
  return { due, next }
}
