// One chunk of a table's ids (as many as one read by id takes): refetch it, settle its events, and
// fold what came of it into the table's outcome and the batch's summary. A chunk that fails hands
// its events back for a later try, without using an attempt when the API was not really tried.
import { describeFailureAt } from '../failure.ts'
import type { ResourceName } from '../../db/schema.ts'
import { addChildReadStats } from '../../resources/child-stats.ts'
import { classifyApiError } from '../api-health.ts'
import {
  deferEvents,
  DEFAULT_RETRY,
  finishEvents,
  holdEvents,
  releaseEvents,
  retryEvents,
  type ClaimedEvent,
} from './inbox.ts'
import { refreshRows, type RefreshedRows } from './refresh-rows.ts'
import {
  DEFAULT_CONFIRM_DELAY_MS,
  type BatchSummary,
  type EventWorkerContext,
  type EventWorkerOptions,
  type TableOutcome,
} from './worker-types.ts'

/** One table's share of a batch: every id with the events that asked for it. */
export interface TableWork {
  ctx: EventWorkerContext
  options: EventWorkerOptions
  resource: ResourceName
  eventsById: Map<number, ClaimedEvent[]>
  outcome: TableOutcome
  summary: BatchSummary
}

/**
 * Whether a refetch failed without being tried in earnest: the token was refused, or the API is
 * out as a whole (the gate is closed). A 5xx on one id while the API answers is that id's
 * problem, and uses an attempt like any other failure.
 */
function untried(ctx: EventWorkerContext, error: unknown): boolean {
  const kind = classifyApiError(error)
  return kind === 'refused' || (kind === 'outage' && (ctx.apiDelayMs?.() ?? 0) > 0)
}

/** Refreshes the rows of `part` (ids of work's table) and settles their events. */
export async function refreshChunk(work: TableWork, part: number[]): Promise<void> {
  const eventsOf = (id: number) => work.eventsById.get(id) ?? []
  try {
    const applied = await refreshRows(work.ctx, work.resource, part, eventsOf)
    addToOutcome(work.outcome, applied)
    await settleEvents(work, applied)
  } catch (error) {
    await handBack(work, part, part.flatMap(eventsOf), error)
  }
}

function addToOutcome(outcome: TableOutcome, applied: RefreshedRows): void {
  outcome.written += applied.written
  outcome.unchanged += applied.unchanged
  outcome.deleted += applied.deleted
  outcome.rejected.push(...applied.rejected)
  outcome.deferred += applied.deferredIds
  outcome.unanswered += applied.unansweredIds
  outcome.held += applied.held.ids
  if (applied.children) addChildReadStats((outcome.children ??= {}), applied.children)
}

/** Finishes, defers or retries each event as the refetch decided. */
async function settleEvents(work: TableWork, applied: RefreshedRows): Promise<void> {
  const { ctx, options, resource } = work
  await finishEvents(ctx.db, applied.done)
  await deferEvents(ctx.db, applied.deferred, options.confirmDelayMs ?? DEFAULT_CONFIRM_DELAY_MS)
  if (applied.held.events.length > 0) {
    await holdEvents(ctx.db, applied.held.events, applied.held.reason)
    const { ids, reason } = applied.held
    ctx.log?.({ event: 'deletions_held', resource, ids, reason })
  }
  if (applied.unanswered.length > 0) {
    const result = await retryEvents(
      ctx.db,
      applied.unanswered,
      `${resource}: the API's answer held objects nobody asked for, or no object at all, so ` +
        'it says nothing about the asked ids; read again later',
      options.retry ?? DEFAULT_RETRY,
    )
    addRetries(work.summary, result)
  }
  if (applied.setAside.length > 0) {
    const result = await retryEvents(
      ctx.db,
      applied.setAside,
      `${resource}: an answer about the children of this order was odd (see rejected_rows); ` +
        'the order and its children were left as stored; read again later',
      options.retry ?? DEFAULT_RETRY,
    )
    addRetries(work.summary, result)
  }
}

/** The refetch failed: release the events if the API was not really tried, else retry them. */
async function handBack(
  work: TableWork,
  part: number[],
  partEvents: ClaimedEvent[],
  error: unknown,
): Promise<void> {
  const { ctx, options, resource, summary } = work
  const message = describeFailureAt(resource, error, part.length === 1 ? part[0] : null)
  if (untried(ctx, error)) {
    await releaseEvents(ctx.db, partEvents, message)
    summary.released += partEvents.length
    return
  }
  const result = await retryEvents(ctx.db, partEvents, message, options.retry ?? DEFAULT_RETRY)
  addRetries(summary, result)
  ctx.log?.({
    event: 'refetch_failed',
    resource,
    ids: part.length,
    error: message,
    ...result,
  })
}

function addRetries(summary: BatchSummary, result: { retried: number; failed: number }): void {
  summary.retried += result.retried
  summary.failed += result.failed
}
