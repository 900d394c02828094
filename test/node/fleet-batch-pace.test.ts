// The fleet's batch pace (src/node/fleet-batch-pace.ts): batches start at once while deliveries are
// few; while they arrive fast, one batch starts per interval, in the order they asked, and at once
// again when the pressure ends or the fleet stops. The window's count is checked against a plain
// sum of the deliveries of the last second, over random histories.
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  createBatchPace,
  deliveriesInLastSecond,
  emptyWindow,
  noteDeliveries,
  oneTurnAtATime,
} from '../../src/node/fleet-batch-pace.ts'

describe('the last second of deliveries', () => {
  it('counts what was noted in the 100 ms buckets of the last second, and forgets older ones', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 50 })), {
          maxLength: 60,
        }),
        fc.integer({ min: 0, max: 3000 }),
        (steps, lookAfter) => {
          const window = emptyWindow()
          let at = 10_000
          const noted: Array<[number, number]> = []
          for (const [gap, count] of steps) {
            at += gap
            noteDeliveries(window, at, count)
            noted.push([at, count])
          }
          const asked = at + lookAfter
          // What the buckets keep: deliveries in the bucket of `asked` and the nine before it.
          const first = (Math.floor(asked / 100) - 9) * 100
          const expected = noted.filter(([t]) => t >= first).reduce((a, [, n]) => a + n, 0)
          expect(deliveriesInLastSecond(window, asked)).toBe(expected)
        },
      ),
    )
  })
})

describe('batch pace', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(1_000_000)
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  /** Asks for `n` turns, noting the fake clock's time at each start. */
  function askTurns(pace: ReturnType<typeof createBatchPace>, n: number) {
    const started: Array<[number, number]> = []
    const done = Promise.all(
      Array.from({ length: n }, (_, i) => pace.turn().then(() => started.push([i, Date.now()]))),
    )
    return { started, done }
  }

  it('starts every batch at once while deliveries are below the threshold', async () => {
    const pace = createBatchPace({ deliveriesPerSecond: 500, batchesPerSecond: 10 })
    pace.delivered(499)
    const { started, done } = askTurns(pace, 5)
    await done
    expect(new Set(started.map(([, at]) => at)).size).toBe(1)
  })

  it('while deliveries arrive fast, starts one batch per interval, first come first served', async () => {
    const pace = createBatchPace({ deliveriesPerSecond: 500, batchesPerSecond: 10 })
    const t0 = Date.now()
    pace.delivered(600)
    const { started, done } = askTurns(pace, 3)
    // Deliveries keep arriving: the pressure lasts while the three wait.
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(50)
      pace.delivered(60)
    }
    await done
    expect(started.map(([i]) => i)).toEqual([0, 1, 2])
    expect(started.map(([, at]) => at - t0)).toEqual([0, 100, 200])
  })

  it('lets the waiting batches start once the deliveries stop, and all of them when the fleet stops', async () => {
    const pace = createBatchPace({ deliveriesPerSecond: 500, batchesPerSecond: 1 })
    const t0 = Date.now()
    pace.delivered(1000)
    const first = askTurns(pace, 3)
    await vi.advanceTimersByTimeAsync(0)
    expect(first.started).toHaveLength(1)
    // No more deliveries: a second later the window is empty and the rest start together.
    await vi.advanceTimersByTimeAsync(1_000)
    await first.done
    expect(first.started.map(([, at]) => at - t0)).toEqual([0, 1_000, 1_000])

    pace.delivered(1000)
    const second = askTurns(pace, 4)
    pace.stop()
    await second.done
    expect(second.started).toHaveLength(4)
    await pace.turn()
  })

  it('a turn whose signal aborts leaves the queue: the next one starts in its place', async () => {
    const pace = createBatchPace({ deliveriesPerSecond: 500, batchesPerSecond: 10 })
    const t0 = Date.now()
    pace.delivered(1000)
    await pace.turn()
    const stopped = new AbortController()
    const dropped = pace.turn(stopped.signal)
    const next = pace.turn().then(() => Date.now() - t0)
    stopped.abort(new Error('job stopped'))
    await expect(dropped).rejects.toThrow('job stopped')
    await vi.advanceTimersByTimeAsync(100)
    expect(await next).toBe(100)
    await expect(pace.turn(stopped.signal)).rejects.toThrow('job stopped')
  })

  it("a job's many requests hold one place in the queue: a batch asking after them waits for one, not all", async () => {
    const pace = createBatchPace({ deliveriesPerSecond: 500, batchesPerSecond: 10 })
    const t0 = Date.now()
    pace.delivered(1000)
    const jobTurn = oneTurnAtATime((signal) => pace.turn(signal))
    const order: string[] = []
    const at = (name: string) => () => order.push(`${name} ${Date.now() - t0}`)
    const requests = [1, 2, 3].map((i) => jobTurn().then(at(`request ${i}`)))
    await vi.advanceTimersByTimeAsync(0)
    const batch = pace.turn().then(at('batch'))
    for (let i = 0; i < 4; i++) {
      await vi.advanceTimersByTimeAsync(100)
      pace.delivered(600)
    }
    await Promise.all([...requests, batch])
    // Request 1 starts at once and request 2 queues behind it; request 3 asks only after request 2
    // has started, so the batch goes before it.
    expect(order).toEqual(['request 1 0', 'request 2 100', 'batch 200', 'request 3 300'])
  })
})
