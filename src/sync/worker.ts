// The event worker: turns inbox events into fresh rows. A batch is claimed under a lease,
// coalesced per (table, id) so that a burst of events on one row costs one refetch, refetched
// through the resources' fetchByIds (products and customers 250 ids a request, orders one by one),
// and applied with the guarded upsert; ids the API no longer has are deleted with a tombstone.
// A refetch that fails leaves its events pending with backoff, and marks them failed after the
// retry policy's last attempt (the next sweep covers them). The client carries the store's shared
// rate pacer, so the worker and the sweeps draw on one budget.
import { chunk, mapWithConcurrency } from '../bigcommerce/validate.ts'
import type { BigCommerceClient } from '../bigcommerce/client.ts'
import type { Database } from '../db/database.ts'
import { RESOURCE_NAMES, type ResourceName } from '../db/schema.ts'
import { deleteRows, upsertRows } from '../db/write.ts'
import { RESOURCES } from '../resources/index.ts'
import type { ResourceRow } from '../resources/types.ts'
import {
  claimEvents,
  DEFAULT_RETRY,
  finishEvents,
  pruneEvents,
  retryEvents,
  type ClaimedEvent,
  type RetryPolicy,
} from './inbox.ts'

export interface WorkerContext {
  db: Database
  client: BigCommerceClient
  storeHash: string
  log?: (entry: WorkerLogEntry) => void
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

export interface WorkerOptions {
  /** Events claimed at once; also the most refetched in one round. Default 1,000. */
  batchSize?: number
  /** How long a claim holds; a worker that dies holds its events this long. Default 5 min. */
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
}

export interface TableOutcome {
  ids: number
  written: number
  unchanged: number
  deleted: number
}

export interface BatchSummary {
  claimed: number
  /** Events for a scope or target the mirror does not use. */
  ignored: number
  retried: number
  failed: number
  tables: Partial<Record<ResourceName, TableOutcome>>
  durationMs: number
}

// Ids per fetchByIds call: the API's id:in page for products and customers. Orders are fetched one
// request per id anyway (v2 has no id:in), so one per call costs nothing and keeps a single bad
// order from holding back the others.
const REFETCH_CHUNK: Record<ResourceName, number> = {
  coupons: 250,
  customers: 250,
  orders: 1,
  products: 250,
}
const CHUNK_CONCURRENCY = 8

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}

function isResourceName(value: string | null): value is ResourceName {
  return value !== null && (RESOURCE_NAMES as readonly string[]).includes(value)
}

/** Claims, refetches and applies one batch; null when no event was due. */
export async function processBatch(
  ctx: WorkerContext,
  options: WorkerOptions = {},
): Promise<BatchSummary | null> {
  const startedAt = Date.now()
  const events = await claimEvents(ctx.db, ctx.storeHash, {
    limit: options.batchSize ?? 1000,
    leaseMs: options.leaseMs ?? 300_000,
  })
  if (events.length === 0) return null
  const summary: BatchSummary = {
    claimed: events.length,
    ignored: 0,
    retried: 0,
    failed: 0,
    tables: {},
    durationMs: 0,
  }

  // Coalesce: every event on one row shares its refetch.
  const byTable = new Map<ResourceName, Map<number, ClaimedEvent[]>>()
  const ignored: ClaimedEvent[] = []
  for (const event of events) {
    if (
      !isResourceName(event.resource) ||
      event.resource === 'coupons' ||
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
      const outcome: TableOutcome = { ids: ids.size, written: 0, unchanged: 0, deleted: 0 }
      summary.tables[resource] = outcome
      await mapWithConcurrency(
        chunk([...ids.keys()], REFETCH_CHUNK[resource]),
        CHUNK_CONCURRENCY,
        async (part) => {
          const partEvents = part.flatMap((id) => ids.get(id) ?? [])
          try {
            const applied = await refreshRows(ctx, resource, part)
            outcome.written += applied.written
            outcome.unchanged += applied.unchanged
            outcome.deleted += applied.deleted
            await finishEvents(ctx.db, partEvents)
          } catch (error) {
            const message = describe(error)
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

/** Refetches `ids` of one table and writes what the API says now. */
async function refreshRows(ctx: WorkerContext, resource: ResourceName, ids: number[]) {
  const definition = RESOURCES[resource]
  const fetchedAt = new Date()
  const found = await definition.fetchByIds(ctx.client, ids)
  const rows: ResourceRow[] = []
  for (const item of found.values()) rows.push(definition.toRow(item))
  const gone = ids.filter((id) => !found.has(id))
  const written = await upsertRows(ctx.db, resource, ctx.storeHash, rows, { fetchedAt })
  const deleted = await deleteRows(ctx.db, resource, ctx.storeHash, gone, { deletedAt: fetchedAt })
  return { ...written, deleted }
}

export interface RunningWorker {
  /** An event was just stored: look soon instead of at the next poll. */
  wake(): void
  /** Finishes the batch in hand, then stops. */
  stop(): Promise<void>
}

/** Runs batches until stopped: back to back while events are due, polling while the inbox is empty. */
export function startWorker(ctx: WorkerContext, options: WorkerOptions = {}): RunningWorker {
  const idleMs = options.idleMs ?? 1000
  const gatherMs = options.gatherMs ?? 20
  const minBatchIntervalMs = options.minBatchIntervalMs ?? 300
  const retainMs = options.retainMs ?? 7 * 86_400_000
  let stopping = false
  let wakeUp: (() => void) | null = null
  let interrupt: (() => void) | null = null
  let woken = false
  let lastPrune = 0

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
      try {
        if (Date.now() - lastPrune > 3_600_000) {
          lastPrune = Date.now()
          await pruneEvents(ctx.db, ctx.storeHash, retainMs)
        }
        woken = false
        const startedAt = Date.now()
        const summary = await processBatch(ctx, options)
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
        ctx.log?.({ event: 'worker_error', error: describe(error) })
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
