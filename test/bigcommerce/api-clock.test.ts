// The API's clock as its Date headers show it, the cursor a window may set on it, and the orders
// the list shows according to /v2/orders/count (docs/bigcommerce-api.md).
import { describe, expect, it } from 'vitest'
import { createApiClock, onApiClock, settledApiClock } from '../../src/bigcommerce/api-clock.ts'
import { listedOrderCount } from '../../src/resources/orders.ts'
import { cursorAfter } from '../../src/sync/sweeps/sweep-window.ts'

describe('the API clock', () => {
  it('keeps the latest Date header offset, and ignores answers without one', () => {
    const clock = createApiClock()
    const local = new Date('2026-01-01T12:00:00.400Z')
    expect(clock.offsetMs()).toBeNull()
    expect(onApiClock(clock, local)).toEqual(local)
    clock.observe('Thu, 01 Jan 2026 11:45:00 GMT', local.getTime())
    expect(clock.offsetMs()).toBe(-15 * 60_000 - 400)
    clock.observe(null, local.getTime())
    clock.observe('not a date', local.getTime())
    expect(onApiClock(clock, local).toISOString()).toBe('2026-01-01T11:45:00.000Z')
  })

  it('as one run reads it, keeps the first offset known while later answers move the clock', () => {
    const clock = createApiClock()
    const run = settledApiClock(clock)
    const local = Date.parse('2026-01-01T12:00:00.400Z')
    expect(run.offsetMs()).toBeNull()
    clock.observe('Thu, 01 Jan 2026 12:10:00 GMT', local)
    expect(run.offsetMs()).toBe(10 * 60_000 - 400)
    clock.observe('Thu, 01 Jan 2026 12:10:00 GMT', local + 900)
    expect(clock.offsetMs()).toBe(10 * 60_000 - 1300)
    expect(run.offsetMs()).toBe(10 * 60_000 - 400)
  })

  it('never lets a cursor pass the run start on the API clock, in whole seconds', () => {
    const clock = createApiClock()
    const runStart = new Date('2026-01-01T12:00:00.700Z')
    const hi = Math.floor(runStart.getTime() / 1000)
    // No answer dated yet: the window's bound stands.
    expect(cursorAfter(hi, runStart, clock).toISOString()).toBe('2026-01-01T12:00:00.000Z')
    // The store turned out to be 15 minutes behind: the cursor comes back to its clock.
    clock.observe('Thu, 01 Jan 2026 11:45:00 GMT', runStart.getTime())
    expect(cursorAfter(hi, runStart, clock).toISOString()).toBe('2026-01-01T11:45:00.000Z')
  })
})

describe('orders the list shows', () => {
  it("are /count's total less its Incomplete orders (the spec's example counts 15)", () => {
    const answer = {
      statuses: [
        { id: 0, name: 'Incomplete', count: 15 },
        { id: 1, name: 'Pending', count: 100 },
        { id: 11, name: 'Awaiting Fulfillment', count: 18 },
      ],
      count: 133,
    }
    expect(listedOrderCount(answer)).toBe(118)
    expect(listedOrderCount({ count: 40 })).toBe(40)
    expect(listedOrderCount({ count: 5, statuses: [{ id: 0, count: 9 }] })).toBe(5)
    expect(listedOrderCount({ statuses: [] })).toBeUndefined()
  })
})
