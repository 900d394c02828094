// Group commit for the receiver: events that arrive while statements are in flight share the
// next statement.
import type { Executor } from '../../db/database.ts'
import { insertEvents } from './inbox-insert.ts'
import type { InboxEvent } from './inbox-types.ts'

export interface InboxWriterOptions {
  /**
   * Statements in flight at once; more arrivals wait and go in the next statement. Default 1: on
   * a busy receiver one statement at a time gathers more events per commit, which costs the
   * database and the receiver less than parallel small ones and shortened the acknowledgements'
   * tail (docs/benchmarks.md).
   */
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
  /**
   * While fewer than `gatherEvents` wait, a statement starts at least this long after the one
   * before it, and events arriving meanwhile share it; a lone delivery never waits. Default 2 ms.
   */
  minIntervalMs?: number
  /** Waiting events that start a statement at once, whatever minIntervalMs says. Default 8. */
  gatherEvents?: number
}

/** The inbox did not take an event in time (the database is stalled or overloaded). */
export class InboxBusyError extends Error {
  override readonly name = 'InboxBusyError'
}

interface Waiting {
  event: InboxEvent
  bytes: number
  /** When its caller is told the inbox is busy, queued or in flight (performance.now() ms). */
  deadline: number
  /** Answered already: committed, failed, or refused at its deadline. */
  settled: boolean
  resolve: () => void
  reject: (error: unknown) => void
}

/** A statement in flight; its events before `next` are past their deadline (refused). */
interface InFlight {
  events: Waiting[]
  next: number
}

/** A writer's queue and its limits. */
interface WriterState {
  db: Executor
  storeHash: string
  maxInFlight: number
  maxBatch: number
  maxBatchBytes: number
  waitMs: number
  minIntervalMs: number
  gatherEvents: number
  /** When the last statement started (performance.now() ms). */
  lastStart: number
  /** The timer that starts the next statement once minIntervalMs has passed; null when none. */
  spacing: ReturnType<typeof setTimeout> | null
  waiting: Waiting[]
  inFlight: Set<InFlight>
  /** The one timer that refuses events past their deadline; null when none is set. */
  expiry: ReturnType<typeof setTimeout> | null
}

/**
 * Group commit for the receiver: each event is still committed before its caller's promise
 * resolves, but events that arrive while earlier statements are in flight share the next
 * statement (and its WAL flush). A delivery that finds the inbox idle goes in alone at once; under
 * load the batches grow by themselves, and statements start at most every minIntervalMs while
 * few events wait (each costs the database a commit and the receiver a wake-up of its
 * connection, which on a small host outweighs the 2 ms). When the database
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
    maxInFlight: options.maxInFlight ?? 1,
    maxBatch: options.maxBatch ?? 500,
    maxBatchBytes: options.maxBatchBytes ?? 4 * 1024 * 1024,
    waitMs: options.waitMs ?? 5_000,
    minIntervalMs: options.minIntervalMs ?? 2,
    gatherEvents: options.gatherEvents ?? 8,
    lastStart: -Infinity,
    spacing: null,
    waiting: [],
    inFlight: new Set(),
    expiry: null,
  }
  return (event) => enqueue(state, event)
}

/** Queues `event`; resolves once it is committed, rejects after waitMs without a commit. */
function enqueue(state: WriterState, event: InboxEvent): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    // Serialized once: its length bounds the batch, and the insert sends this very text.
    event.payloadJson ??= JSON.stringify(event.payload)
    state.waiting.push({
      event,
      bytes: event.payloadJson.length,
      deadline: performance.now() + state.waitMs,
      settled: false,
      resolve,
      reject,
    })
    armExpiry(state)
    flush(state)
  })
}

function settle(entry: Waiting, error?: unknown): void {
  if (entry.settled) return
  entry.settled = true
  if (error === undefined) entry.resolve()
  else entry.reject(error)
}

/**
 * One timer for the writer, not one per event (a timer per delivery was a share of the
 * receiver's CPU and garbage): deadlines grow in arrival order, so it waits for the oldest
 * unanswered event's. Unreferenced: with nothing left to refuse it keeps no process up.
 */
function armExpiry(state: WriterState): void {
  if (state.expiry) return
  const next = nextDeadline(state)
  if (next === null) return
  state.expiry = setTimeout(
    () => {
      state.expiry = null
      refuseExpired(state)
      armExpiry(state)
    },
    Math.max(0, next - performance.now()),
  )
  state.expiry.unref?.()
}

/** The earliest deadline of an event not yet answered, queued or in flight. */
function nextDeadline(state: WriterState): number | null {
  let next = state.waiting[0]?.deadline ?? null
  for (const statement of state.inFlight) {
    const first = statement.events[statement.next]
    if (first && (next === null || first.deadline < next)) next = first.deadline
  }
  return next
}

/**
 * Refuses the events past their deadline. Queued ones leave the queue (a stalled database keeps
 * no payload in memory); those in flight may still commit, and BigCommerce's next delivery of
 * the event then changes nothing.
 */
function refuseExpired(state: WriterState): void {
  const now = performance.now()
  const error = () =>
    new InboxBusyError(`the inbox did not take the event within ${state.waitMs} ms`)
  let expired = 0
  while (expired < state.waiting.length && (state.waiting[expired] as Waiting).deadline <= now)
    expired += 1
  if (expired > 0) {
    const refused = state.waiting.slice(0, expired)
    state.waiting = state.waiting.slice(expired)
    for (const entry of refused) settle(entry, error())
  }
  for (const statement of state.inFlight) {
    const { events } = statement
    while (statement.next < events.length && (events[statement.next] as Waiting).deadline <= now)
      settle(events[statement.next++] as Waiting, error())
  }
}

/** Starts statements for queued events while fewer than maxInFlight are running. */
function flush(state: WriterState): void {
  while (state.inFlight.size < state.maxInFlight && state.waiting.length > 0) {
    const early = state.lastStart + state.minIntervalMs - performance.now()
    if (early > 0 && state.waiting.length < state.gatherEvents) {
      state.spacing ??= setTimeout(() => {
        state.spacing = null
        flush(state)
      }, early)
      return
    }
    if (state.spacing) clearTimeout(state.spacing)
    state.spacing = null
    state.lastStart = performance.now()
    const statement: InFlight = { events: takeBatch(state), next: 0 }
    state.inFlight.add(statement)
    void insertEvents(
      state.db,
      state.storeHash,
      statement.events.map((w) => w.event),
    )
      .then(
        () => statement.events.forEach((w) => settle(w)),
        (error: unknown) => statement.events.forEach((w) => settle(w, error)),
      )
      .finally(() => {
        state.inFlight.delete(statement)
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
