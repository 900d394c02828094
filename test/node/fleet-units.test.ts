// The fleet's small parts: slots taken first come, first served (stores with work take turns), a
// waiting caller that gives up leaves the line, and each store's stable stagger.
import { describe, expect, it } from 'vitest'
import { staggerOf } from '../../src/node/fleet.ts'
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
  it('is stable per store, none for a lone store, and spread within the window for many', () => {
    expect(staggerOf('abc123', 1)).toBe(0)
    expect(staggerOf('abc123', 1000)).toBe(staggerOf('abc123', 1000))
    const offsets = Array.from({ length: 1000 }, (_, i) => staggerOf(`store${i}`, 1000))
    expect(Math.max(...offsets)).toBeLessThan(600_000)
    // Spread out: no tenth of the window holds more than a fifth of the stores.
    const buckets = new Map<number, number>()
    for (const offset of offsets) {
      const bucket = Math.floor(offset / 60_000)
      buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1)
    }
    expect(buckets.size).toBe(10)
    expect(Math.max(...buckets.values())).toBeLessThan(200)
  })
})
