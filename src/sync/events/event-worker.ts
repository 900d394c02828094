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
//
// The parts: worker-types.ts (context, options, summaries), batch.ts (claim, coalesce, refresh a
// batch), refresh-chunk.ts (one chunk's refetch and its events' fate), refresh-rows.ts (the
// refetch and its writes), decide-id.ts (the rule for one id), loops.ts (the loops that run it).
export { processBatch } from './batch.ts'
export { decideId, type IdDecision } from './decide-id.ts'
export { startEventWorker, type RunningEventWorker } from './loops.ts'
export {
  DEFAULT_CONFIRM_DELAY_MS,
  DEFAULT_LEASE_MS,
  type BatchSummary,
  type EventWorkerContext,
  type EventWorkerOptions,
  type TableOutcome,
  type WorkerLogEntry,
} from './worker-types.ts'
