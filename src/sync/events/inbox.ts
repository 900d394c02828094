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
//
// The parts: inbox-types.ts (the events), inbox-insert.ts (storing), inbox-writer.ts (group
// commit for the receiver), inbox-claims.ts (claims and leases), inbox-settle.ts (what becomes of
// claimed events).
export type { ClaimedEvent, EventStatus, InboxEvent } from './inbox-types.ts'
export { insertEvents } from './inbox-insert.ts'
export { createInboxWriter, InboxBusyError, type InboxWriterOptions } from './inbox-writer.ts'
export { claimEvents, renewClaims, type ClaimOptions } from './inbox-claims.ts'
export {
  DEFAULT_RETRY,
  deferEvents,
  finishEvents,
  holdEvents,
  pruneEvents,
  releaseEvents,
  retryEvents,
  settleHeldEvents,
  type RetryPolicy,
} from './inbox-settle.ts'
