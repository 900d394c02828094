// The fleet's batch pace: while deliveries arrive fast, event batches of all stores, and the API
// requests of their jobs (a backfill's pages), start at most `batchesPerSecond` a second, in turn
// (first come, first served), so that the background yields the machine (and PostgreSQL) to the
// receiver's acknowledgements. The inbox is durable: a store whose turn is later only gathers more
// events for one refetch. docs/benchmarks.md ("Many stores") has the figures that asked for it.

import { waitInQueue } from '../util/wait-in-queue.ts'

export interface BatchPaceOptions {
  /** Deliveries over the last second at or above which batches are paced. Default 500. */
  deliveriesPerSecond?: number
  /** Batch starts a second while paced, over all stores. Default 20. */
  batchesPerSecond?: number
  now?: () => number
}

export interface BatchPace {
  /** `count` deliveries were just stored (the receiver's wake-ups). */
  delivered(count: number): void
  /**
   * Resolves when a batch may start: at once unless deliveries are arriving fast. Rejects, leaving
   * the queue, when `signal` aborts first.
   */
  turn(signal?: AbortSignal): Promise<void>
  /** Lets every waiting batch start, and every later one at once (the fleet is stopping). */
  stop(): void
}

/** How the last second's deliveries are counted: in buckets of this many ms. */
const BUCKET_MS = 100
const BUCKETS = 10
/** While batches wait, the pressure is looked at again at least this often. */
const RECHECK_MS = 100

/** Deliveries in the last second, counted in BUCKETS buckets of BUCKET_MS (a pure step). */
export interface DeliveryWindow {
  /** Count per bucket, indexed by bucket number modulo BUCKETS. */
  counts: number[]
  /** The bucket number of the newest count. */
  newest: number
}

export function emptyWindow(): DeliveryWindow {
  return { counts: new Array<number>(BUCKETS).fill(0), newest: 0 }
}

/** Moves the window to `atMs`, zeroing the buckets that passed, and adds `count` to the newest. */
export function noteDeliveries(window: DeliveryWindow, atMs: number, count: number): void {
  advance(window, atMs)
  const at = window.newest % BUCKETS
  window.counts[at] = (window.counts[at] ?? 0) + count
}

/** Deliveries in the second before `atMs` (the buckets still in the window). */
export function deliveriesInLastSecond(window: DeliveryWindow, atMs: number): number {
  advance(window, atMs)
  return window.counts.reduce((a, b) => a + b, 0)
}

function advance(window: DeliveryWindow, atMs: number): void {
  const bucket = Math.floor(atMs / BUCKET_MS)
  if (bucket <= window.newest) return
  const passed = Math.min(BUCKETS, bucket - window.newest)
  for (let i = 1; i <= passed; i++) window.counts[(window.newest + i) % BUCKETS] = 0
  window.newest = bucket
}

export function createBatchPace(options: BatchPaceOptions = {}): BatchPace {
  const threshold = options.deliveriesPerSecond ?? 500
  const intervalMs = 1000 / (options.batchesPerSecond ?? 20)
  const now = options.now ?? Date.now
  const window = emptyWindow()
  const waiting: Array<() => void> = []
  let lastStart = -Infinity
  let timer: ReturnType<typeof setTimeout> | null = null
  let stopped = false

  const paced = (at: number) => !stopped && deliveriesInLastSecond(window, at) >= threshold

  // Starts the waiting batches whose turn has come; while paced, one every intervalMs.
  const pump = () => {
    timer = null
    for (;;) {
      const next = waiting[0]
      if (!next) return
      const at = now()
      const wait = paced(at) ? lastStart + intervalMs - at : 0
      if (wait > 0) {
        timer = setTimeout(pump, Math.min(wait, RECHECK_MS))
        return
      }
      waiting.shift()
      lastStart = at
      next()
    }
  }

  return {
    delivered: (count) => noteDeliveries(window, now(), count),
    turn(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason)
      if (waiting.length === 0 && !paced(now())) {
        lastStart = now()
        return Promise.resolve()
      }
      const started = waitInQueue(waiting, () => {}, signal)
      if (!timer) pump()
      return started
    },
    stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      pump()
    },
  }
}

/**
 * `turn` for a caller with many requests in flight: one of them waits in the pace at a time, so a
 * store's backfill holds one place in the queue, as a store's event batches do.
 */
export function oneTurnAtATime(
  turn: (signal?: AbortSignal) => Promise<void>,
): (signal?: AbortSignal) => Promise<void> {
  let last: Promise<void> = Promise.resolve()
  return (signal) => {
    const mine = last.then(() => turn(signal))
    last = mine.catch(() => {})
    return mine
  }
}
