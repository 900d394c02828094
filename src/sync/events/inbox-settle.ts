// What becomes of claimed events: finished, retried with backoff (or failed), deferred for a
// confirmation re-read, or released untried; and pruning of finished events.
import { sql } from 'drizzle-orm'
import type { Executor } from '../../db/database.ts'
import { webhookEvents } from '../../db/schema.ts'
import { heldUnderClaim, updateClaimed } from './inbox-claims.ts'
import type { ClaimedEvent } from './inbox-types.ts'

/** Marks claimed events finished ('done' or 'ignored'), unless re-armed or reclaimed meanwhile. */
export async function finishEvents(
  db: Executor,
  events: ClaimedEvent[],
  status: 'done' | 'ignored' = 'done',
): Promise<void> {
  await updateClaimed(
    db,
    events,
    sql`status = ${status}, processed_at = now(), locked_until = null, last_error = null`,
  )
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
    where ${heldUnderClaim(events)}`)
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
  await updateClaimed(
    db,
    events,
    sql`available_at = now() + make_interval(secs => ${delayMs / 1000}),
        attempts = greatest(0, e.attempts - 1), rechecks = e.rechecks + 1,
        locked_until = null, last_error = null`,
  )
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
  await updateClaimed(
    db,
    events,
    sql`attempts = greatest(0, e.attempts - 1), locked_until = null, available_at = now(),
        last_error = ${error.slice(0, 1000)}`,
  )
}

/**
 * Holds claimed events whose deletion the deletion valve refused: they wait, unclaimed, until a
 * full sweep of their table confirms what is gone (settleHeldEvents) or a new delivery re-arms them.
 */
export async function holdEvents(db: Executor, events: ClaimedEvent[], reason: string) {
  await updateClaimed(
    db,
    events,
    sql`status = 'held', processed_at = now(), locked_until = null,
        attempts = greatest(0, e.attempts - 1), last_error = ${reason.slice(0, 1000)}`,
  )
}

/**
 * Finishes a table's held events once a full sweep that began after they were held has
 * completed: it listed the whole table and deleted what it proved gone, within its own valve.
 */
export async function settleHeldEvents(
  db: Executor,
  storeHash: string,
  resource: string,
  sweepStart: Date,
): Promise<void> {
  await db.execute(sql`
    update ${webhookEvents} set status = 'done', processed_at = now(), last_error = null
    where store_hash = ${storeHash} and resource = ${resource} and status = 'held'
      and processed_at < ${sweepStart.toISOString()}::timestamptz`)
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
