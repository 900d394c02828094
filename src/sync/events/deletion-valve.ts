// The event processor's deletion valve (docs/reliability.md, "The mass-delete valve"): per store
// and table, rows read by id as gone are deleted only while the table has lost few rows lately.
// Above that they wait, held, for a full sweep to confirm them with a whole listing (reads by id
// that miss are the evidence a store that answers nothing gives for every row), and while any
// wait, every later deletion of that table waits too, so the valve is not a slow drain.
import { sql } from 'drizzle-orm'
import type { Executor } from '../../db/database.ts'
import { deletions, resourceTables, webhookEvents, type ResourceName } from '../../db/schema.ts'

/**
 * In any window of this many minutes a table loses at most `rows` rows or `share` of itself,
 * whichever is larger, through the event processor. Deletions by sweeps in the window count too:
 * together they are what the table lost.
 */
export const EVENT_DELETE = { windowMinutes: 10, rows: 10, share: 0.01 }

/** Deletions a table of `rows` rows (counted before the window's deletions) may take per window. */
export function eventDeleteLimit(rows: number): number {
  return Math.max(EVENT_DELETE.rows, Math.ceil(rows * EVENT_DELETE.share))
}

export interface ValveDecision {
  /** Ids to delete now (those the mirror does not hold only leave a tombstone). */
  admitted: number[]
  /** Ids the mirror holds whose deletion waits for a full sweep. */
  held: number[]
  /** Why they wait, with the command that lets a full sweep delete them. */
  reason?: string
}

/** Splits ids read as gone into those deleted now and those held above the valve. */
export async function admitDeletions(
  db: Executor,
  storeHash: string,
  resource: ResourceName,
  ids: number[],
): Promise<ValveDecision> {
  if (ids.length === 0) return { admitted: [], held: [] }
  const table = resourceTables[resource]
  const minutes = EVENT_DELETE.windowMinutes
  const asked = JSON.stringify(ids)
  const [row] = await db.execute<{
    present: unknown
    rows: number
    recent: number
    waiting: boolean
  }>(sql`
    select
      (select coalesce(jsonb_agg(id::float8 order by id), '[]'::jsonb) from ${table}
        where store_hash = ${storeHash}
          and id in (select value::bigint from jsonb_array_elements_text(${asked}::jsonb))
      ) as present,
      (select count(*)::int from ${table} where store_hash = ${storeHash}) as rows,
      (select count(*)::int from ${deletions} where store_hash = ${storeHash}
        and resource = ${resource} and deleted_at > now() - make_interval(mins => ${minutes})
      ) as recent,
      exists (select 1 from ${webhookEvents} where store_hash = ${storeHash}
        and resource = ${resource} and status = 'held') as waiting`)
  const present = (readIds(row?.present) ?? []).map(Number)
  const held = new Set(present)
  const rows = Number(row?.rows ?? 0)
  const recent = Number(row?.recent ?? 0)
  const limit = eventDeleteLimit(rows + recent)
  const room = row?.waiting ? 0 : Math.max(0, limit - recent)
  const admittedPresent = present.slice(0, room)
  for (const id of admittedPresent) held.delete(id)
  const admitted = ids.filter((id) => !held.has(id))
  if (held.size === 0) return { admitted, held: [] }
  const reason =
    `${resource}: the event processor read more rows as gone by id than its valve lets it delete ` +
    `(${limit} rows of ${rows + recent} in ${minutes} minutes); they and later ones wait for a ` +
    `full sweep to confirm them. If the store really deleted them, run: ` +
    `bc-mirror sync --full --tables ${resource} --allow-mass-delete`
  return { admitted, held: [...held], reason }
}

/** jsonb from PGlite arrives parsed; from postgres.js too, or as text with some settings. */
function readIds(value: unknown): unknown[] | undefined {
  const parsed = typeof value === 'string' ? (JSON.parse(value) as unknown) : value
  return Array.isArray(parsed) ? parsed : undefined
}
