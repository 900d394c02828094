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
  const stored = await db.execute(sql`
    insert into ${webhookEvents} as e (store_hash, hash, scope, resource, resource_id, payload)
    select r.store_hash, r.hash, r.scope, r.resource, r.resource_id, r.payload
    from jsonb_to_recordset(${rowsLiteral(unique, storeHash)}) as r(
      store_hash text, hash text, scope text, resource text, resource_id bigint, payload jsonb)
    on conflict (store_hash, hash, scope, resource_id) do update
      set status = 'pending', attempts = 0, received_at = now(), available_at = now(),
          locked_until = null, processed_at = null, last_error = null, rechecks = 0
      where e.status <> 'pending' or e.locked_until is not null
    returning 1 as stored`)
  return stored.length
}

/**
 * The rows as one JSON literal, not as parameters: postgres.js (with prepared statements off, for
 * PgBouncer) sends a statement with parameters in two round trips, one to describe it, and this
 * insert is on every webhook's acknowledgement path. Dollar quoting takes its text verbatim (no
 * escapes); the tag is one the text does not hold.
 */
function rowsLiteral(events: InboxEvent[], storeHash: string) {
  const rows = events.map(
    (e) =>
      `{"store_hash":${JSON.stringify(e.storeHash ?? storeHash)},"hash":${JSON.stringify(e.hash)},` +
      `"scope":${JSON.stringify(e.scope)},"resource":${JSON.stringify(e.resource)},` +
      `"resource_id":${JSON.stringify(e.resourceId)},` +
      `"payload":${e.payloadJson ?? JSON.stringify(e.payload)}}`,
  )
  const json = `[${rows.join(',')}]`
  return sql.raw(`${dollarQuoted(json)}::jsonb`)
}

/** `text` between `$tag$` delimiters, with a tag that closes nowhere before the end of `text`. */
export function dollarQuoted(text: string): string {
  for (let n = 0; ; n++) {
    const tag = `$rows${n || ''}$`
    if ((text + tag).indexOf(tag) === text.length) return `${tag}${text}${tag}`
  }
}
