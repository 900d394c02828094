// The durable webhook inbox (`webhook_events`): how the receiver stores an event, and how workers
// claim, finish and retry them. Every step is one SQL statement, so any number of processes can
// share the inbox: claims use FOR UPDATE SKIP LOCKED plus a lease (`locked_until`), so the events
// of a worker that died mid-batch become claimable again once its lease runs out.
//
// Deduplication is on what the event targets: (store_hash, hash, scope, resource_id). The hash
// alone is not enough: BigCommerce's docs describe it as the SHA-1 of the payload's data, which
// an event on another scope or id can share, and absorbing that one would never refresh its row.
// An event that is still waiting absorbs identical deliveries. One that is done, failed, or
// being worked on is re-armed by a new delivery of the same event instead: since the hash is of
// the data, two real updates of one order may share it, and dropping the second would lose a
// change. A re-arm costs at most one more refetch; a lost
// change would cost up to a sweep interval of staleness.
import { sql } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { webhookEvents, type ResourceName } from '../db/schema.ts'

export type EventStatus = 'pending' | 'done' | 'failed' | 'ignored'

/** One delivery as the receiver stores it. */
export interface InboxEvent {
  hash: string
  scope: string
  /** The table the event refreshes, or null for a scope the mirror does not use. */
  resource: ResourceName | null
  /** The row id it refreshes (null when unknown). */
  resourceId: number | null
  /** The envelope as delivered. */
  payload: unknown
}

/** An event a worker holds under a lease. */
export interface ClaimedEvent {
  id: number
  scope: string
  resource: string | null
  resourceId: number | null
  /** Claims so far, this one included (confirmation re-reads do not count). */
  attempts: number
  /** Confirmation re-reads already made for this event (see deferEvents). */
  rechecks: number
  /** Identifies this claim: finishing is a no-op once someone else has claimed or re-armed it. */
  lease: string
}

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
    ...new Map(events.map((e) => [`${e.hash}\n${e.scope}\n${e.resourceId}`, e])).values(),
  ]
  if (unique.length === 0) return 0
  const rows = unique.map(
    (e) =>
      sql`(${storeHash}, ${e.hash}, ${e.scope}, ${e.resource}, ${e.resourceId}, ${JSON.stringify(e.payload)}::jsonb)`,
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

export interface InboxWriterOptions {
  /** Statements in flight at once; more arrivals wait and go in the next statement. Default 4. */
  maxInFlight?: number
  /** Most events in one statement. Default 500. */
  maxBatch?: number
}

/**
 * Group commit for the receiver: each event is still committed before its caller's promise
 * resolves, but events that arrive while earlier statements are in flight share the next
 * statement (and its WAL flush). When the inbox keeps up, each event goes in alone at once, so
 * the batching adds no latency; under load the batches grow by themselves.
 */
export function createInboxWriter(
  db: Executor,
  storeHash: string,
  options: InboxWriterOptions = {},
): (event: InboxEvent) => Promise<void> {
  const maxInFlight = options.maxInFlight ?? 4
  const maxBatch = options.maxBatch ?? 500
  let waiting: Array<{ event: InboxEvent; resolve: () => void; reject: (error: unknown) => void }> =
    []
  let inFlight = 0

  function flush() {
    while (inFlight < maxInFlight && waiting.length > 0) {
      const batch = waiting.slice(0, maxBatch)
      waiting = waiting.slice(batch.length)
      inFlight += 1
      void insertEvents(
        db,
        storeHash,
        batch.map((w) => w.event),
      )
        .then(
          () => batch.forEach((w) => w.resolve()),
          (error: unknown) => batch.forEach((w) => w.reject(error)),
        )
        .finally(() => {
          inFlight -= 1
          flush()
        })
    }
  }

  return (event) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ event, resolve, reject })
      flush()
    })
}

export interface ClaimOptions {
  limit: number
  /** How long the claim holds before another worker may take the events. */
  leaseMs: number
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
              e.attempts, e.rechecks, (extract(epoch from e.locked_until) * 1000000)::bigint::text as lease`)
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

const leaseList = (events: ClaimedEvent[]) =>
  JSON.stringify(events.map((e) => ({ id: e.id, lease: e.lease })))

/** Marks claimed events finished ('done' or 'ignored'), unless re-armed or reclaimed meanwhile. */
export async function finishEvents(
  db: Executor,
  events: ClaimedEvent[],
  status: 'done' | 'ignored' = 'done',
): Promise<void> {
  if (events.length === 0) return
  await db.execute(sql`
    update ${webhookEvents} e
    set status = ${status}, processed_at = now(), locked_until = null, last_error = null
    from jsonb_to_recordset(${leaseList(events)}::jsonb) as x(id bigint, lease text)
    where e.id = x.id and e.status = 'pending'
      and (extract(epoch from e.locked_until) * 1000000)::bigint::text = x.lease`)
}

export interface RetryPolicy {
  /** Claims after which an event that still fails is marked 'failed'. */
  maxAttempts: number
  /** Wait before the next try after the first failure; doubles per attempt up to maxDelayMs. */
  baseDelayMs: number
  maxDelayMs: number
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 5_000,
  maxDelayMs: 600_000,
}

/** Puts failed events back with backoff, or marks them 'failed' after the last attempt. */
export async function retryEvents(
  db: Executor,
  events: ClaimedEvent[],
  error: string,
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<{ retried: number; failed: number }> {
  if (events.length === 0) return { retried: 0, failed: 0 }
  const message = error.slice(0, 1000)
  const items = events.map((e) => {
    const delayMs = Math.min(
      policy.maxDelayMs,
      policy.baseDelayMs * 2 ** Math.max(0, e.attempts - 1),
    )
    return {
      id: e.id,
      lease: e.lease,
      give_up: e.attempts >= policy.maxAttempts,
      delay_s: delayMs / 1000,
    }
  })
  await db.execute(sql`
    update ${webhookEvents} e
    set status = case when x.give_up then 'failed' else 'pending' end,
        available_at = now() + make_interval(secs => x.delay_s),
        processed_at = case when x.give_up then now() else null end,
        locked_until = null, last_error = ${message}
    from jsonb_to_recordset(${JSON.stringify(items)}::jsonb)
      as x(id bigint, lease text, give_up boolean, delay_s float8)
    where e.id = x.id and e.status = 'pending'
      and (extract(epoch from e.locked_until) * 1000000)::bigint::text = x.lease`)
  const failed = items.filter((i) => i.give_up).length
  return { retried: items.length - failed, failed }
}

/**
 * Puts claimed events back for a confirmation re-read in `delayMs` (a refetch that did not find
 * the row, or a deleted event the store still answered). Not a failure: the claim is not counted
 * as an attempt.
 */
export async function deferEvents(
  db: Executor,
  events: ClaimedEvent[],
  delayMs: number,
): Promise<void> {
  if (events.length === 0) return
  await db.execute(sql`
    update ${webhookEvents} e
    set available_at = now() + make_interval(secs => ${delayMs / 1000}),
        attempts = greatest(0, e.attempts - 1), rechecks = e.rechecks + 1,
        locked_until = null, last_error = null
    from jsonb_to_recordset(${leaseList(events)}::jsonb) as x(id bigint, lease text)
    where e.id = x.id and e.status = 'pending'
      and (extract(epoch from e.locked_until) * 1000000)::bigint::text = x.lease`)
}

/** Deletes finished events older than `olderThanMs`; returns how many went. */
export async function pruneEvents(
  db: Executor,
  storeHash: string,
  olderThanMs: number,
): Promise<number> {
  const [row] = await db.execute<{ n: number }>(sql`
    with gone as (
      delete from ${webhookEvents}
      where store_hash = ${storeHash} and status in ('done', 'ignored')
        and processed_at < now() - make_interval(secs => ${olderThanMs / 1000})
      returning 1
    )
    select count(*)::int as n from gone`)
  return row?.n ?? 0
}
