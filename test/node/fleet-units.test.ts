// The fleet's small parts: slots taken first come, first served (stores with work take turns), a
// waiting caller that gives up leaves the line, and each store's stable slot.
import { describe, expect, it } from 'vitest'
import { phaseOf, spreadWindowMs } from '../../src/node/fleet.ts'
import { nearestSlot, untilSlot } from '../../src/node/schedule.ts'
import { createSlots } from '../../src/util/slots.ts'

describe('slots', () => {
  it('hands a freed slot to the longest waiter, so a store that just ran queues behind the others', async () => {
    const slots = createSlots(1)
    const order: string[] = []
    const first = await slots.acquire()
    const waiting = ['a', 'b', 'c'].map((name) =>
      slots.acquire().then((release) => {
        order.push(name)
        release()
      }),
    )
    expect(slots.usage()).toEqual({ busy: 1, waiting: 3 })
    first()
    await Promise.all(waiting)
    expect(order).toEqual(['a', 'b', 'c'])
    expect(slots.usage()).toEqual({ busy: 0, waiting: 0 })
  })

  it('a waiter whose signal aborts leaves the line and never holds a slot', async () => {
    const slots = createSlots(1)
    const held = await slots.acquire()
    const controller = new AbortController()
    const gaveUp = slots.acquire(controller.signal)
    controller.abort(new Error('store stopped'))
    await expect(gaveUp).rejects.toThrow('store stopped')
    expect(slots.usage()).toEqual({ busy: 1, waiting: 0 })
    held()
    held()
    expect(slots.usage()).toEqual({ busy: 0, waiting: 0 })
  })
})

describe('stagger', () => {
  it('gives each store a stable slot, spread evenly over an interval even for names that differ in their last characters', () => {
    expect(phaseOf('abc123')).toBe(phaseOf('ABC123'))
    for (const name of [
      (i: number) => `store${i}`,
      (i: number) => `idle${String(i).padStart(4, '0')}`,
    ]) {
      const phases = Array.from({ length: 1000 }, (_, i) => phaseOf(name(i)))
      expect(Math.min(...phases)).toBeGreaterThanOrEqual(0)
      expect(Math.max(...phases)).toBeLessThan(1)
      // Tenths of the interval: each holds about its hundred stores (within three standard deviations, 30).
      const perTenth = Array.from({ length: 10 }, () => 0)
      for (const phase of phases) perTenth[Math.floor(phase * 10)]! += 1
      expect(Math.min(...perTenth)).toBeGreaterThan(70)
      expect(Math.max(...perTenth)).toBeLessThan(130)
    }
  })

  it('spreads overdue jobs over a second per store, none for a lone store, at most an hour', () => {
    expect(spreadWindowMs(1)).toBe(0)
    expect(spreadWindowMs(11)).toBe(10_000)
    expect(spreadWindowMs(100_000)).toBe(3_600_000)
  })

  it('keeps a job at its slot however long its runs take, and waits for the next slot in a window', () => {
    const period = 15 * 60_000
    const slot = 7 * period + 0.25 * period
    // An interval after a run that started at the slot and took 1 s, or 6 minutes: the next slot.
    expect(nearestSlot(slot + 1_000 + period, period, 0.25)).toBe(slot + period)
    expect(nearestSlot(slot + 360_000 + period, period, 0.25)).toBe(slot + period)
    expect(untilSlot(slot - 5_000, period, 0.25)).toBe(5_000)
    expect(untilSlot(slot, period, 0.25)).toBe(0)
    expect(untilSlot(slot + 5_000, period, 0.25)).toBe(period - 5_000)
    expect(untilSlot(slot, 0, 0.25)).toBe(0)
  })
})
