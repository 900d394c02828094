// The durable webhook inbox (`webhook_events`): how the receiver stores an event, and how workers
// claim, finish and retry them. Every step is one SQL statement, so any number of processes can
// share the inbox: claims use FOR UPDATE SKIP LOCKED plus a lease (`locked_until`), so the events
// of a worker that died mid-batch become claimable again once its lease runs out.
//
// Deduplication is on (store_hash, hash). An event that is still waiting absorbs identical
// deliveries. One that is done, failed, or being worked on is re-armed by a new delivery with the
// same hash instead: BigCommerce's docs describe the hash as the SHA-1 of the payload's data, so two
// real updates of one order may share it, and dropping the second would lose a change. A re-arm
// costs at most one more refetch; a lost change would cost up to a sweep interval of staleness.
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
  /** Claims so far, this one included. */
  attempts: number
  /** Identifies this claim: finishing is a no-op once someone else has claimed or re-armed it. */
  lease: string
}

/**
 * Stores events in one statement; returns how many rows were inserted or re-armed (the rest were
 * identical deliveries of an event still waiting).
 */
export async function insertEvents(db: Executor, storeHash: string, events: InboxEvent[]): Promise<number> {
  if (events.length === 0) return 0
  const payload = JSON.stringify(
    events.map((e) => ({
      hash: e.hash,
      scope: e.scope,
      resource: e.resource,
      resource_id: e.resourceId,
      payload: e.payload,
    })),
  )
  // `distinct on` because one statement may not touch a row twice (a batch can hold duplicates).
  const [row] = await db.execute<{ n: number }>(sql`
    with incoming as (
      select distinct on (hash) hash, scope, resource, resource_id, payload
      from jsonb_to_recordset(${payload}::jsonb)
        as x(hash text, scope text, resource text, resource_id bigint, payload jsonb)
    ), stored as (
      insert into ${webhookEvents} as e (store_hash, hash, scope, resource, resource_id, payload)
      select ${storeHash}, hash, scope, resource, resource_id, payload from incoming
      on conflict (store_hash, hash) do update
        set status = 'pending', attempts = 0, received_at = now(), available_at = now(),
            locked_until = null, processed_at = null, last_error = null
        where e.status <> 'pending' or e.locked_until is not null
      returning 1
    )
    select count(*)::int as n from stored`)
  return row?.n ?? 0
}

export interface ClaimOptions {
  limit: number
  /** How long the claim holds before another worker may take the events. */
  leaseMs: number
}

/** Claims up to `limit` due events, oldest first, skipping those other workers hold. */
export async function claimEvents(db: Executor, storeHash: string, options: ClaimOptions): Promise<ClaimedEvent[]> {
  const leaseSeconds = options.leaseMs / 1000
  // available_at moves with the lease, so the partial index on pending events finds due ones alone.
  const rows = await db.execute<{
    id: number
    scope: string
    resource: string | null
    resource_id: number | null
    attempts: number
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
              e.attempts, (extract(epoch from e.locked_until) * 1000000)::bigint::text as lease`)
  return rows.map((r) => ({
    id: Number(r.id),
    scope: r.scope,
    resource: r.resource,
    resourceId: r.resource_id === null ? null : Number(r.resource_id),
    attempts: Number(r.attempts),
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

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 5_000, maxDelayMs: 600_000 }

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
    const delayMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, e.attempts - 1))
    return { id: e.id, lease: e.lease, give_up: e.attempts >= policy.maxAttempts, delay_s: delayMs / 1000 }
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

/** Deletes finished events older than `olderThanMs`; returns how many went. */
export async function pruneEvents(db: Executor, storeHash: string, olderThanMs: number): Promise<number> {
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
