// The durable webhook inbox (`webhook_events`): how the receiver stores an event, and how workers
// claim, finish and retry them. Every step is one SQL statement, so any number of processes can
// share the inbox: claims use FOR UPDATE SKIP LOCKED plus a short lease (`locked_until`) that the
// worker renews while its batch works, so the events of a worker that died mid-batch become
// claimable again within one lease. A claim is identified by the event's attempt count and
// arrival time, which a renewal leaves alone and a new claim or re-arm changes.
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
import type { Executor } from '../../db/database.ts'
import { webhookEvents, type ResourceName } from '../../db/schema.ts'

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
  /** Most payload bytes in one statement (one event always goes). Default 4 MiB. */
  maxBatchBytes?: number
  /**
   * How long a caller waits for its event to commit before it is told the inbox is unavailable
   * (the receiver answers 503 and BigCommerce delivers again). Default 5 s.
   */
  waitMs?: number
}

/** The inbox did not take an event in time (the database is stalled or overloaded). */
export class InboxBusyError extends Error {
  override readonly name = 'InboxBusyError'
}

interface Waiting {
  event: InboxEvent
  bytes: number
  resolve: () => void
  reject: (error: unknown) => void
}

/**
 * Group commit for the receiver: each event is still committed before its caller's promise
 * resolves, but events that arrive while earlier statements are in flight share the next
 * statement (and its WAL flush). When the inbox keeps up, each event goes in alone at once, so
 * the batching adds no latency; under load the batches grow by themselves. When the database
 * stalls, a caller is refused after `waitMs` and its event leaves the queue, so memory held for
 * waiting events stays bounded (statements in flight hold at most maxInFlight * maxBatchBytes).
 */
export function createInboxWriter(
  db: Executor,
  storeHash: string,
  options: InboxWriterOptions = {},
): (event: InboxEvent) => Promise<void> {
  const maxInFlight = options.maxInFlight ?? 4
  const maxBatch = options.maxBatch ?? 500
  const maxBatchBytes = options.maxBatchBytes ?? 4 * 1024 * 1024
  const waitMs = options.waitMs ?? 5_000
  let waiting: Waiting[] = []
  let inFlight = 0

  function takeBatch(): Waiting[] {
    let bytes = 0
    let count = 0
    while (count < waiting.length && count < maxBatch) {
      const next = waiting[count] as Waiting
      if (count > 0 && bytes + next.bytes > maxBatchBytes) break
      bytes += next.bytes
      count += 1
    }
    const batch = waiting.slice(0, count)
    waiting = waiting.slice(count)
    return batch
  }

  function flush() {
    while (inFlight < maxInFlight && waiting.length > 0) {
      const batch = takeBatch()
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
      const timer = setTimeout(() => {
        // Still queued: drop it, so a stalled database does not keep its payload in memory.
        waiting = waiting.filter((w) => w !== entry)
        reject(new InboxBusyError(`the inbox did not take the event within ${waitMs} ms`))
      }, waitMs)
      const entry: Waiting = {
        event,
        bytes: JSON.stringify(event.payload).length,
        resolve: () => {
          clearTimeout(timer)
          resolve()
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        },
      }
      waiting.push(entry)
      flush()
    })
}

export interface ClaimOptions {
  limit: number
  /** How long the claim holds (unless renewed) before another worker may take the events. */
  leaseMs: number
  /** Only events for this table, or only those for none of these tables. Default: any event. */
  resource?: { only: string } | { except: readonly string[] }
}

function resourceFilter(filter: ClaimOptions['resource']) {
  if (!filter) return sql``
  if ('only' in filter) return sql`and resource = ${filter.only}`
  if (filter.except.length === 0) return sql``
  const names = sql.join(
    filter.except.map((name) => sql`${name}`),
    sql`, `,
  )
  return sql`and (resource is null or resource not in (${names}))`
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
    where e.id = x.id and e.status = 'pending' and e.locked_until is not null
      and ${CLAIM_TOKEN} = x.lease`)
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
    where e.id = x.id and e.status = 'pending' and e.locked_until is not null
      and ${CLAIM_TOKEN} = x.lease`)
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
    where e.id = x.id and e.status = 'pending' and e.locked_until is not null
      and ${CLAIM_TOKEN} = x.lease`)
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

/** Extends the claim on events still in hand; a claim taken over or re-armed meanwhile is left. */
export async function renewClaims(
  db: Executor,
  events: ClaimedEvent[],
  leaseMs: number,
): Promise<void> {
  if (events.length === 0) return
  const leaseSeconds = leaseMs / 1000
  await db.execute(sql`
    update ${webhookEvents} e
    set locked_until = now() + make_interval(secs => ${leaseSeconds}),
        available_at = now() + make_interval(secs => ${leaseSeconds})
    from jsonb_to_recordset(${leaseList(events)}::jsonb) as x(id bigint, lease text)
    where e.id = x.id and e.status = 'pending' and e.locked_until is not null
      and ${CLAIM_TOKEN} = x.lease`)
}

/**
 * Hands claimed events back untouched, as if this claim had not happened: for work that could not
 * be tried at all (the store's API is refusing the token or out), which must not use up the
 * events' attempts. They become due at once; the caller waits before claiming again.
 */
export async function releaseEvents(
  db: Executor,
  events: ClaimedEvent[],
  error: string,
): Promise<void> {
  if (events.length === 0) return
  await db.execute(sql`
    update ${webhookEvents} e
    set attempts = greatest(0, e.attempts - 1), locked_until = null, available_at = now(),
        last_error = ${error.slice(0, 1000)}
    from jsonb_to_recordset(${leaseList(events)}::jsonb) as x(id bigint, lease text)
    where e.id = x.id and e.status = 'pending' and e.locked_until is not null
      and ${CLAIM_TOKEN} = x.lease`)
}
