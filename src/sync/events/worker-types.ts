// The event worker's vocabulary: what it needs (context, options), what it logs, and what one
// batch comes to (per table and in all).
import type { BigCommerceClient } from '../../bigcommerce/client.ts'
import type { Database } from '../../db/database.ts'
import type { ResourceName } from '../../db/schema.ts'
import type { RejectedItem } from '../../db/write-items.ts'
import type { ChildReadStats } from '../../resources/types.ts'
import type { RetryPolicy } from './inbox.ts'

export interface EventWorkerContext {
  db: Database
  client: BigCommerceClient
  storeHash: string
  log?: (entry: WorkerLogEntry) => void
  /** How long to hold off before touching the API again (the API gate); 0 or absent: go. */
  apiDelayMs?: () => number
  /**
   * Taken before each batch that touches the API and released after it: a process serving many
   * stores bounds how many batches run at once, first come first served (so stores with work take
   * turns). Absent: no bound.
   */
  batchSlot?: () => Promise<() => void>
  /**
   * Awaited after a claim that found events, before the batch touches the API: the fleet's pace
   * while deliveries pour in. After the claim, so that a claim that finds nothing costs no turn.
   */
  batchTurn?: () => Promise<void>
}

export type WorkerLogEntry =
  | ({ event: 'batch' } & BatchSummary)
  | {
      event: 'refetch_failed'
      resource: ResourceName
      ids: number
      error: string
      retried: number
      failed: number
    }
  | { event: 'deletions_held'; resource: ResourceName; ids: number; reason: string }
  | { event: 'worker_error'; error: string }

export interface EventWorkerOptions {
  /** Events claimed at once; also the most refetched in one round. Default 1,000. */
  batchSize?: number
  /**
   * How long a claim holds without renewal; renewed every third of it while the batch works, so a
   * worker that dies holds its events this long at most. Default 20 s.
   */
  leaseMs?: number
  retry?: RetryPolicy
  /** Poll interval while the inbox is empty (a wake() cuts it short). Default 1 s. */
  idleMs?: number
  /** After a wake, wait this long so that a burst arriving together is coalesced. Default 20 ms. */
  gatherMs?: number
  /**
   * While events keep arriving during batches, start batches at most this often, so that more events on the same rows
   * share a refetch (fewer API requests and writes) at the cost of this much latency. Default 300 ms.
   */
  minBatchIntervalMs?: number
  /**
   * Table loops wait for a wake() (or their poll) before their first claim, instead of claiming
   * at once: for a worker started by a wake, which names the tables that have events. Default false.
   */
  startAsleep?: boolean
  /** Finished events are deleted after this long. Default 7 days. */
  retainMs?: number
  /**
   * Wait before the worker's first deletion of finished events (then hourly), so that the workers
   * a flood starts add no statement to its first seconds. Default 60 s.
   */
  pruneDelayMs?: number
  /** Wait before the read that confirms a not-found (see DEFAULT_CONFIRM_DELAY_MS). */
  confirmDelayMs?: number
}

/**
 * 25 s between a refetch that missed a row and the read that confirms it is gone. BigCommerce
 * promises no read-after-write consistency; the lag of a read behind a write is seconds at most,
 * so 25 s is a wide margin. A deletion announced by a `.../deleted` event needs no second read
 * (the refetch that misses the row confirms it); only when that refetch still finds the row is it
 * read again after this delay, which keeps the deletion well within a minute (25 s, plus the
 * worker's 1 s poll and a refetch).
 */
export const DEFAULT_CONFIRM_DELAY_MS = 25_000

export interface TableOutcome {
  ids: number
  written: number
  unchanged: number
  deleted: number
  /** Objects set aside in rejected_rows, with why. */
  rejected: RejectedItem[]
  /** Ids put back for a confirmation re-read (not found, or deleted but still answered). */
  deferred: number
  /** Ids retried because the answer held objects nobody asked for, or no object at all. */
  unanswered: number
  /** Ids read as gone whose deletion waits above the deletion valve (deletion-valve.ts). */
  held: number
  /** Requests spent on child rows (orders' line items, addresses, coupons), when there are any. */
  children?: ChildReadStats
}

export interface BatchSummary {
  claimed: number
  /** Events for a scope or target the mirror does not use. */
  ignored: number
  retried: number
  failed: number
  /** Handed back untried: the API refused the token or was out. */
  released: number
  tables: Partial<Record<ResourceName, TableOutcome>>
  durationMs: number
}

export const DEFAULT_LEASE_MS = 20_000
