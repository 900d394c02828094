// A bounded number of slots handed out first come, first served: a process serving many stores
// runs at most this many batches (or sweeps) at once, and a store that just had its turn queues
// behind the others that were waiting, so stores with work take turns.

import { waitInQueue } from './wait-in-queue.ts'

export interface Slots {
  /** Resolves with the release once a slot is free; rejects when `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<() => void>
  /** Slots in use and callers waiting (for status and tests). */
  usage(): { busy: number; waiting: number }
}

export function createSlots(size: number): Slots {
  let busy = 0
  const waiting: Array<() => void> = []
  const release = () => {
    let done = false
    return () => {
      if (done) return
      done = true
      const next = waiting.shift()
      if (next) next()
      else busy -= 1
    }
  }
  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason)
      if (busy < size) {
        busy += 1
        return Promise.resolve(release())
      }
      // The slot passes straight from its last holder to the next in line.
      return waitInQueue(waiting, release, signal)
    },
    usage: () => ({ busy, waiting: waiting.length }),
  }
}
