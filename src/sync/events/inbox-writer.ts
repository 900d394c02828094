// Group commit for the receiver: events that arrive while statements are in flight share the
// next statement.
import type { Executor } from '../../db/database.ts'
import { insertEvents } from './inbox-insert.ts'
import type { InboxEvent } from './inbox-types.ts'

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

/** A writer's queue and its limits. */
interface WriterState {
  db: Executor
  storeHash: string
  maxInFlight: number
  maxBatch: number
  maxBatchBytes: number
  waitMs: number
  waiting: Waiting[]
  inFlight: number
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
  const state: WriterState = {
    db,
    storeHash,
    maxInFlight: options.maxInFlight ?? 4,
    maxBatch: options.maxBatch ?? 500,
    maxBatchBytes: options.maxBatchBytes ?? 4 * 1024 * 1024,
    waitMs: options.waitMs ?? 5_000,
    waiting: [],
    inFlight: 0,
  }
  return (event) => enqueue(state, event)
}

/** Queues `event`; resolves once it is committed, rejects after waitMs still queued. */
function enqueue(state: WriterState, event: InboxEvent): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Still queued: drop it, so a stalled database does not keep its payload in memory.
      state.waiting = state.waiting.filter((w) => w !== entry)
      reject(new InboxBusyError(`the inbox did not take the event within ${state.waitMs} ms`))
    }, state.waitMs)
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
    state.waiting.push(entry)
    flush(state)
  })
}

/** Starts statements for queued events while fewer than maxInFlight are running. */
function flush(state: WriterState): void {
  while (state.inFlight < state.maxInFlight && state.waiting.length > 0) {
    const batch = takeBatch(state)
    state.inFlight += 1
    void insertEvents(
      state.db,
      state.storeHash,
      batch.map((w) => w.event),
    )
      .then(
        () => batch.forEach((w) => w.resolve()),
        (error: unknown) => batch.forEach((w) => w.reject(error)),
      )
      .finally(() => {
        state.inFlight -= 1
        flush(state)
      })
  }
}

/** Takes the oldest queued events that fit in one statement (at least one). */
function takeBatch(state: WriterState): Waiting[] {
  let bytes = 0
  let count = 0
  while (count < state.waiting.length && count < state.maxBatch) {
    const next = state.waiting[count] as Waiting
    if (count > 0 && bytes + next.bytes > state.maxBatchBytes) break
    bytes += next.bytes
    count += 1
  }
  const batch = state.waiting.slice(0, count)
  state.waiting = state.waiting.slice(count)
  return batch
}
