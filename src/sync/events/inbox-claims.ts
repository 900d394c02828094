// Claims on inbox events: taking due events under a lease, renewing it, and the test every later
// step makes that a claim is still the one in hand (heldUnderClaim).
import { sql, type SQL } from 'drizzle-orm'
import type { Executor } from '../../db/database.ts'
import { webhookEvents } from '../../db/schema.ts'
import type { ClaimedEvent } from './inbox-types.ts'

export interface ClaimOptions {
  limit: number
  /** How long the claim holds (unless renewed) before another worker may take the events. */
  leaseMs: number
  /** Only events for this table, or only those for none of these tables. Default: any event. */
  resource?: { only: string } | { except: readonly string[] }
}

// Spelled as webhook_events_due_idx's key (events of no table under ''), so that a claim reads
// only its own store's and table's due events.
function resourceFilter(filter: ClaimOptions['resource']) {
  if (!filter) return sql``
  if ('only' in filter) return sql`and coalesce(resource, '') = ${filter.only}`
  if (filter.except.length === 0) return sql``
  const names = sql.join(
    filter.except.map((name) => sql`${name}`),
    sql`, `,
  )
  return sql`and coalesce(resource, '') not in (${names})`
}

/** Claims up to `limit` due events, oldest first, skipping those other workers hold. */
export async function claimEvents(
  db: Executor,
  storeHash: string,
  options: ClaimOptions,
): Promise<ClaimedEvent[]> {
  const leaseSeconds = options.leaseMs / 1000
  // available_at moves with the lease, so the partial index on pending events finds due ones alone.
  const rows = await db.execute<{
    id: number
    scope: string
    resource: string | null
    resource_id: number | null
    attempts: number
    rechecks: number
    lease: string
  }>(sql`
    with due as (
      select id from ${webhookEvents}
      where status = 'pending' and available_at <= now() and store_hash = ${storeHash}
        ${resourceFilter(options.resource)}
      order by available_at, id
      limit ${options.limit}
      for update skip locked
    )
    update ${webhookEvents} e
    set attempts = e.attempts + 1,
        locked_until = now() + make_interval(secs => ${leaseSeconds}),
        available_at = now() + make_interval(secs => ${leaseSeconds})
    from due where e.id = due.id
    returning e.id::float8 as id, e.scope, e.resource, e.resource_id::float8 as resource_id,
              e.attempts, e.rechecks, ${CLAIM_TOKEN} as lease`)
  return rows.map((r) => ({
    id: Number(r.id),
    scope: r.scope,
    resource: r.resource,
    resourceId: r.resource_id === null ? null : Number(r.resource_id),
    attempts: Number(r.attempts),
    rechecks: Number(r.rechecks),
    lease: r.lease,
  }))
}

// Names one claim without using locked_until, which renewals move: a claim counts an attempt, a
// deferral counts a recheck, and a re-arm resets both but moves received_at.
const CLAIM_TOKEN = sql.raw(
  `(e.attempts::text || ':' || e.rechecks::text || ':' ||
    (extract(epoch from e.received_at) * 1000000)::bigint::text)`,
)

/**
 * Matches an inbox row `e` to a record `x` (id, lease) whose claim it still is. The ids also go
 * as an array, so that PostgreSQL reads the events by primary key: given only the
 * jsonb_to_recordset join (guessed at 100 rows), it scanned every store's pending events through
 * the due index instead, and with many busy stores each batch's finish cost as much as the backlog.
 */
export function heldUnderClaim(events: ClaimedEvent[]): SQL {
  const ids = `{${events.map((e) => e.id).join(',')}}`
  return sql`e.id = any(${ids}::bigint[]) and e.id = x.id and e.status = 'pending'
      and e.locked_until is not null and ${CLAIM_TOKEN} = x.lease`
}

/** Sets `changes` on the events still held under the claims in `events`; re-armed or reclaimed ones are left. */
export async function updateClaimed(
  db: Executor,
  events: ClaimedEvent[],
  changes: SQL,
): Promise<void> {
  if (events.length === 0) return
  const leases = JSON.stringify(events.map((e) => ({ id: e.id, lease: e.lease })))
  await db.execute(sql`
    update ${webhookEvents} e
    set ${changes}
    from jsonb_to_recordset(${leases}::jsonb) as x(id bigint, lease text)
    where ${heldUnderClaim(events)}`)
}

/** Extends the claim on events still in hand; a claim taken over or re-armed meanwhile is left. */
export async function renewClaims(
  db: Executor,
  events: ClaimedEvent[],
  leaseMs: number,
): Promise<void> {
  const leaseSeconds = leaseMs / 1000
  await updateClaimed(
    db,
    events,
    sql`locked_until = now() + make_interval(secs => ${leaseSeconds}),
        available_at = now() + make_interval(secs => ${leaseSeconds})`,
  )
}
