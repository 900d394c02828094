// The event worker: turns inbox events into fresh rows. Each table runs its own loop, so a table
// whose endpoint hangs holds back only its own events. A batch is claimed under a short lease
// (renewed while it works), coalesced per (table, id) so that a burst of events on one row costs
// one refetch, refetched through the resources' fetchByIds (products and customers 250 ids a
// request, orders by id range where ids lie close together, else one by one), and written
// through writeItems (the guarded upsert; odd objects go to rejected_rows). Absence is not
// deletion: BigCommerce promises no read-after-write consistency, so an id the refetch does not
// find is read once more after a confirmation delay, and deleted (with a tombstone) only when
// that second read misses it too, or when the event itself announced the deletion
// (`store/product/deleted`, `store/customer/deleted`). An answer holding ids nobody asked for
// says nothing about the asked ones: they are retried, never deleted.
// A refetch that fails leaves its events pending with backoff, and marks them failed after the
// retry policy's last attempt (the next sweep covers them). A refetch that fails because the API
// refuses the token or is out hands its events back without using an attempt, and the loops wait
// as the API gate says (api-health.ts) before they claim again. The client carries the store's
// shared rate pacer, so the worker and the sweeps draw on one budget.
import { chunk, mapWithConcurrency } from '../../util/collections.ts'
import type { BigCommerceClient } from '../../bigcommerce/client.ts'
import type { Database } from '../../db/database.ts'
import type { ResourceName } from '../../db/schema.ts'
import { describeCause } from '../../db/errors.ts'
import { deleteRows } from '../../db/write.ts'
import { writeItems, type RejectedItem } from '../../db/write-items.ts'
import { EVENT_TABLES, isResourceName, RESOURCES } from '../../resources/index.ts'
import { addChildReadStats, emptyChildReadStats } from '../../resources/order-children-read.ts'
import type { ChildReadStats } from '../../resources/types.ts'
import { classifyApiError } from '../api-health.ts'
import { describeFailureAt } from '../failure.ts'
import {
  claimEvents,
  deferEvents,
  DEFAULT_RETRY,
  finishEvents,
  pruneEvents,
  releaseEvents,
  renewClaims,
  retryEvents,
  type ClaimOptions,
  type ClaimedEvent,
  type RetryPolicy,
} from './inbox.ts'

export interface EventWorkerContext {
  db: Database
  client: BigCommerceClient
  storeHash: string
  log?: (entry: WorkerLogEntry) => void
  /** How long to hold off before touching the API again (the API gate); 0 or absent: go. */
  apiDelayMs?: () => number
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
  /** Finished events are deleted after this long. Default 7 days. */
  retainMs?: number
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
  /** Ids retried because the answer held objects nobody asked for. */
  unanswered: number
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

const CHUNK_CONCURRENCY = 8

export const DEFAULT_LEASE_MS = 20_000

/**
 * Whether a refetch failed without being tried in earnest: the token was refused, or the API is
 * out as a whole (the gate is closed). A 5xx on one id while the API answers is that id's
 * problem, and uses an attempt like any other failure.
 */
function untried(ctx: EventWorkerContext, error: unknown): boolean {
  const kind = classifyApiError(error)
  return kind === 'refused' || (kind === 'outage' && (ctx.apiDelayMs?.() ?? 0) > 0)
}

/** Claims, refetches and applies one batch; null when no event was due. */
export async function processBatch(
  ctx: EventWorkerContext,
  options: EventWorkerOptions = {},
  resource?: ClaimOptions['resource'],
): Promise<BatchSummary | null> {
  const startedAt = Date.now()
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS
  const events = await claimEvents(ctx.db, ctx.storeHash, {
    limit: options.batchSize ?? 1000,
    leaseMs,
    resource,
  })
  if (events.length === 0) return null
  const renewing = setInterval(() => {
    renewClaims(ctx.db, events, leaseMs).catch(() => {
      // Retried on the next tick; the lease lasts three ticks.
    })
  }, leaseMs / 3)
  try {
    return await applyBatch(ctx, options, events, startedAt)
  } finally {
    clearInterval(renewing)
  }
}

async function applyBatch(
  ctx: EventWorkerContext,
  options: EventWorkerOptions,
  events: ClaimedEvent[],
  startedAt: number,
): Promise<BatchSummary> {
  const summary: BatchSummary = {
    claimed: events.length,
    ignored: 0,
    retried: 0,
    failed: 0,
    released: 0,
    tables: {},
    durationMs: 0,
  }

  // Coalesce: every event on one row shares its refetch.
  const byTable = new Map<ResourceName, Map<number, ClaimedEvent[]>>()
  const ignored: ClaimedEvent[] = []
  for (const event of events) {
    if (
      !isResourceName(event.resource) ||
      !EVENT_TABLES.includes(event.resource) ||
      event.resourceId === null
    ) {
      ignored.push(event)
      continue
    }
    const ids = byTable.get(event.resource) ?? new Map<number, ClaimedEvent[]>()
    byTable.set(event.resource, ids)
    const list = ids.get(event.resourceId) ?? []
    list.push(event)
    ids.set(event.resourceId, list)
  }
  await finishEvents(ctx.db, ignored, 'ignored')
  summary.ignored = ignored.length

  await Promise.all(
    [...byTable].map(async ([resource, ids]) => {
      const outcome: TableOutcome = {
        ids: ids.size,
        written: 0,
        unchanged: 0,
        deleted: 0,
        rejected: [],
        deferred: 0,
        unanswered: 0,
      }
      summary.tables[resource] = outcome
      await mapWithConcurrency(
        chunk(
          [...ids.keys()].sort((a, b) => a - b),
          RESOURCES[resource].idsPerRead,
        ),
        CHUNK_CONCURRENCY,
        async (part) => {
          const partEvents = part.flatMap((id) => ids.get(id) ?? [])
          try {
            const applied = await refreshRows(ctx, resource, part, (id) => ids.get(id) ?? [])
            outcome.written += applied.written
            outcome.unchanged += applied.unchanged
            outcome.deleted += applied.deleted
            outcome.rejected.push(...applied.rejected)
            outcome.deferred += applied.deferredIds
            outcome.unanswered += applied.unansweredIds
            if (applied.children)
              addChildReadStats((outcome.children ??= emptyChildReadStats()), applied.children)
            await finishEvents(ctx.db, applied.done)
            await deferEvents(
              ctx.db,
              applied.deferred,
              options.confirmDelayMs ?? DEFAULT_CONFIRM_DELAY_MS,
            )
            if (applied.unanswered.length > 0) {
              const result = await retryEvents(
                ctx.db,
                applied.unanswered,
                `${resource}: the API's answer held objects nobody asked for, so it says ` +
                  'nothing about the asked ids; read again later',
                options.retry ?? DEFAULT_RETRY,
              )
              summary.retried += result.retried
              summary.failed += result.failed
            }
          } catch (error) {
            const message = describeFailureAt(resource, error, part.length === 1 ? part[0] : null)
            if (untried(ctx, error)) {
              await releaseEvents(ctx.db, partEvents, message)
              summary.released += partEvents.length
              return
            }
            const result = await retryEvents(
              ctx.db,
              partEvents,
              message,
              options.retry ?? DEFAULT_RETRY,
            )
            summary.retried += result.retried
            summary.failed += result.failed
            ctx.log?.({
              event: 'refetch_failed',
              resource,
              ids: part.length,
              error: message,
              ...result,
            })
          }
        },
      )
    }),
  )
  summary.durationMs = Date.now() - startedAt
  return summary
}

/** What becomes of one refetched id: see decideId. */
export type IdDecision = 'done' | 'confirm-later' | 'retry' | 'delete'

/**
 * The rule "absence is not deletion" for one id, from what the read by id answered and the events
 * that asked for it:
 * - found: done, unless a deleted event announced it and this is the first read (the store may
 *   lag behind its own event): confirm later;
 * - unanswered (the answer held objects nobody asked for): retry, never delete;
 * - not found: delete when a deleted event announced it or an earlier read missed it too;
 *   otherwise confirm later.
 */
export function decideId(
  answer: 'found' | 'unanswered' | 'not-found',
  events: ReadonlyArray<Pick<ClaimedEvent, 'scope' | 'rechecks'>>,
  deletionScope: string | undefined,
): IdDecision {
  const announced = deletionScope !== undefined && events.some((e) => e.scope === deletionScope)
  const rechecked = events.some((e) => e.rechecks > 0)
  if (answer === 'unanswered') return 'retry'
  if (answer === 'found') return announced && !rechecked ? 'confirm-later' : 'done'
  return announced || rechecked ? 'delete' : 'confirm-later'
}

/**
 * Refetches `ids` of one table, writes what the API says now, deletes what is confirmed gone,
 * and sorts the ids' events by decideId.
 */
async function refreshRows(
  ctx: EventWorkerContext,
  resource: ResourceName,
  ids: number[],
  eventsOf: (id: number) => ClaimedEvent[],
) {
  const definition = RESOURCES[resource]
  const fetchedAt = new Date()
  let children: ChildReadStats | undefined
  const answer = await definition.fetchByIds(ctx.client, ids)
  const items = [...answer.found.values(), ...answer.unidentified]
  const result = await writeItems(ctx.db, definition, ctx.storeHash, items, {
    fetchedAt,
    prepare: async (rows) => {
      const stats = await definition.prepareRows?.(ctx, rows)
      // A batch split to isolate a bad row prepares again: every call's requests count.
      if (stats) addChildReadStats((children ??= emptyChildReadStats()), stats)
    },
  })
  const byDecision: Record<IdDecision, number[]> = {
    done: [],
    'confirm-later': [],
    retry: [],
    delete: [],
  }
  for (const id of ids) {
    const read = answer.found.has(id)
      ? 'found'
      : answer.unanswered.has(id)
        ? 'unanswered'
        : 'not-found'
    byDecision[decideId(read, eventsOf(id), definition.deletionScope)].push(id)
  }
  const gone = byDecision.delete
  const deleted = await deleteRows(ctx.db, resource, ctx.storeHash, gone, { deletedAt: fetchedAt })
  const eventsFor = (list: number[]) => list.flatMap(eventsOf)
  return {
    written: result.written,
    unchanged: result.unchanged,
    rejected: result.rejected,
    deleted,
    children,
    done: eventsFor([...byDecision.done, ...gone]),
    deferred: eventsFor(byDecision['confirm-later']),
    unanswered: eventsFor(byDecision.retry),
    deferredIds: byDecision['confirm-later'].length,
    unansweredIds: byDecision.retry.length,
  }
}

export interface RunningEventWorker {
  /** An event was just stored: look soon instead of at the next poll. */
  wake(): void
  /** Finishes the batch in hand, then stops. */
  stop(): Promise<void>
}

/** The tables whose events the worker refreshes, each in a loop of its own. */

/**
 * Runs batches until stopped, one loop per table plus one for events of no table (marked
 * ignored): back to back while events are due, polling while the inbox is empty.
 */
export function startEventWorker(
  ctx: EventWorkerContext,
  options: EventWorkerOptions = {},
): RunningEventWorker {
  const retainMs = options.retainMs ?? 7 * 86_400_000
  const loops = [
    ...EVENT_TABLES.map((name) => startLoop(ctx, options, { only: name })),
    startLoop(ctx, options, { except: EVENT_TABLES }),
  ]
  // Housekeeping in a loop of its own too: a slow delete must not hold back any table.
  const pruning = startLoop(ctx, { ...options, idleMs: 3_600_000 }, null, async () => {
    await pruneEvents(ctx.db, ctx.storeHash, retainMs)
    return null
  })
  return {
    wake() {
      for (const loop of loops) loop.wake()
    },
    async stop() {
      await Promise.all([...loops, pruning].map((loop) => loop.stop()))
    },
  }
}

/** One loop of batches for the events `resource` selects (or of `work`, for housekeeping). */
function startLoop(
  ctx: EventWorkerContext,
  options: EventWorkerOptions,
  resource: ClaimOptions['resource'] | null,
  work: () => Promise<BatchSummary | null> = () =>
    processBatch(ctx, options, resource ?? undefined),
): RunningEventWorker {
  const idleMs = options.idleMs ?? 1000
  const gatherMs = options.gatherMs ?? 20
  const minBatchIntervalMs = options.minBatchIntervalMs ?? 300
  let stopping = false
  let wakeUp: (() => void) | null = null
  let interrupt: (() => void) | null = null
  let woken = false

  /** Waits `ms`; stop() always cuts it short, wake() only when `untilWoken`. */
  const pause = (ms: number, untilWoken: boolean) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        wakeUp = null
        interrupt = null
        resolve()
      }
      interrupt = done
      if (untilWoken) wakeUp = done
    })

  async function loop() {
    while (!stopping) {
      // The API refuses the token or is out: claim nothing until the gate's wait is over.
      const apiDelay = resource ? (ctx.apiDelayMs?.() ?? 0) : 0
      if (apiDelay > 0) {
        await pause(apiDelay, false)
        continue
      }
      try {
        woken = false
        const startedAt = Date.now()
        const summary = await work()
        if (summary) {
          ctx.log?.({ event: 'batch', ...summary })
          // Events arrived while this batch ran: a stream. Let more gather before the next claim.
          // A lone event after a quiet spell still goes through at once.
          const full = summary.claimed >= (options.batchSize ?? 1000)
          const rest = minBatchIntervalMs - (Date.now() - startedAt)
          if (woken && !full && rest > 0 && !stopping) await pause(rest, false)
          continue
        }
      } catch (error) {
        // The database is down or the like: say so, wait, try again.
        ctx.log?.({ event: 'worker_error', error: describeCause(error) })
      }
      if (stopping) break
      if (!woken) await pause(idleMs, true)
      if (!stopping && gatherMs > 0) await pause(gatherMs, false)
    }
  }

  const running = loop()
  return {
    wake() {
      woken = true
      wakeUp?.()
    },
    async stop() {
      stopping = true
      interrupt?.()
      await running
    },
  }
}
