// Storing webhook events in the inbox, with deduplication on what an event targets (see inbox.ts).
import { sql } from 'drizzle-orm'
import type { Executor } from '../../db/database.ts'
import { webhookEvents } from '../../db/schema.ts'
import type { InboxEvent } from './inbox-types.ts'

/**
 * Stores events in one statement; returns how many rows were inserted or re-armed (the rest were
 * identical deliveries of an event still waiting).
 */
export async function insertEvents(
  db: Executor,
  storeHash: string,
  events: InboxEvent[],
): Promise<number> {
  // One statement may not touch a row twice, so identical deliveries in one batch go in once.
  const unique = [
    ...new Map(
      events.map((e) => [`${e.storeHash ?? storeHash}\n${e.hash}\n${e.scope}\n${e.resourceId}`, e]),
    ).values(),
  ]
  if (unique.length === 0) return 0
  const rows = unique.map(
    (e) =>
      sql`(${e.storeHash ?? storeHash}, ${e.hash}, ${e.scope}, ${e.resource}, ${e.resourceId}, ${e.payloadJson ?? JSON.stringify(e.payload)}::jsonb)`,
  )
  const stored = await db.execute(sql`
    insert into ${webhookEvents} as e (store_hash, hash, scope, resource, resource_id, payload)
    values ${sql.join(rows, sql`, `)}
    on conflict (store_hash, hash, scope, resource_id) do update
      set status = 'pending', attempts = 0, received_at = now(), available_at = now(),
          locked_until = null, processed_at = null, last_error = null, rechecks = 0
      where e.status <> 'pending' or e.locked_until is not null
    returning 1 as stored`)
  return stored.length
}
