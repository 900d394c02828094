// One batch of the event worker: claim due events under a lease (renewed while the batch works),
// mark those for no table ignored, coalesce the rest per (table, id) so that a burst of events on
// one row costs one refetch, and refresh each table's ids chunk by chunk.
import { chunk, mapWithConcurrency } from '../../util/collections.ts'
import type { ResourceName } from '../../db/schema.ts'
import { EVENT_TABLES, isResourceName, RESOURCES } from '../../resources/index.ts'
import {
  claimEvents,
  finishEvents,
  renewClaims,
  type ClaimOptions,
  type ClaimedEvent,
} from './inbox.ts'
import { refreshChunk } from './refresh-chunk.ts'
import {
  DEFAULT_LEASE_MS,
  type BatchSummary,
  type EventWorkerContext,
  type EventWorkerOptions,
  type TableOutcome,
} from './worker-types.ts'

const CHUNK_CONCURRENCY = 8

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
    const waitFrom = Date.now()
    await ctx.batchTurn?.()
    // The batch's duration is its own work: the wait for the fleet's turn is left out of it.
    return await applyBatch(ctx, options, events, startedAt + (Date.now() - waitFrom))
  } finally {
    clearInterval(renewing)
  }
}

/** A batch's events on rows the worker refreshes, by table and row id; the rest are ignored. */
function coalesceByRow(events: ClaimedEvent[]) {
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
  return { byTable, ignored }
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
  const { byTable, ignored } = coalesceByRow(events)
  await finishEvents(ctx.db, ignored, 'ignored')
  summary.ignored = ignored.length

  await Promise.all(
    [...byTable].map(async ([resource, eventsById]) => {
      const outcome = emptyOutcome(eventsById.size)
      summary.tables[resource] = outcome
      const ids = [...eventsById.keys()].sort((a, b) => a - b)
      const work = { ctx, options, resource, eventsById, outcome, summary }
      await mapWithConcurrency(
        chunk(ids, RESOURCES[resource].idsPerRead),
        CHUNK_CONCURRENCY,
        (part) => refreshChunk(work, part),
      )
    }),
  )
  summary.durationMs = Date.now() - startedAt
  return summary
}

function emptyOutcome(ids: number): TableOutcome {
  return {
    ids,
    written: 0,
    unchanged: 0,
    deleted: 0,
    rejected: [],
    deferred: 0,
    unanswered: 0,
    held: 0,
  }
}
