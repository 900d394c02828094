// The pacer on its own, on fake timers: conservative start, spreading, never past what is left,
// waiting out a 429, backing off when a 429 has no headers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  createRatePacer,
  getSharedPacer,
  parseRateHeaders,
  type RateTicket,
} from '../../src/bigcommerce/pacer.ts'

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 })
})
afterEach(() => {
  vi.useRealTimers()
})

function makePacer(options: Parameters<typeof createRatePacer>[0] = {}) {
  const pacer = createRatePacer({ now: () => Date.now(), ...options })
  const granted: RateTicket[] = []
  const request = (n: number) => {
    for (let i = 0; i < n; i += 1) void pacer.acquire().then((t) => granted.push(t))
  }
  return { pacer, granted, request }
}

const window = (left: number, resetMs: number) => ({ left, resetMs, quota: 20, windowMs: 1000 })

describe('createRatePacer', () => {
  it('starts with a few requests in flight before any header is seen', async () => {
    const { granted, request } = makePacer({ initialConcurrency: 3 })
    request(10)
    await vi.advanceTimersByTimeAsync(0)
    expect(granted).toHaveLength(3)
    granted[0]?.release({ answered: true })
    await vi.advanceTimersByTimeAsync(0)
    expect(granted).toHaveLength(4)
  })

  it('grows concurrency while answers carry no headers', async () => {
    const { pacer, granted, request } = makePacer({ initialConcurrency: 2 })
    request(1000)
    for (let round = 0; round < 20; round += 1) {
      await vi.advanceTimersByTimeAsync(0)
      for (const ticket of granted) ticket.release({ answered: true })
    }
    await vi.advanceTimersByTimeAsync(0)
    expect(pacer.snapshot().inFlight).toBeGreaterThan(5)
  })

  it('spreads what is left over the window instead of bursting', async () => {
    const { granted, request } = makePacer()
    request(1)
    await vi.advanceTimersByTimeAsync(0)
    granted[0]?.release({ observation: window(19, 1000) })
    request(30)
    await vi.advanceTimersByTimeAsync(0)
    const early = granted.length
    await vi.advanceTimersByTimeAsync(500)
    const half = granted.length
    // 18 usable (one kept in reserve) over 1000 ms: about 9 in the first half, not all at once.
    expect(early).toBeLessThanOrEqual(3)
    expect(half).toBeGreaterThanOrEqual(8)
    expect(half).toBeLessThanOrEqual(12)
  })

  it('counts requests in flight against what is left and waits for the reset', async () => {
    const { granted, request } = makePacer()
    request(1)
    await vi.advanceTimersByTimeAsync(0)
    granted[0]?.release({ observation: window(5, 1000) })
    request(20)
    // None of these answer, so the pacer only knows 5 were left: at most 4 go (1 in reserve),
    // spaced over the window, and the rest wait for the reset (plus a 10 ms margin).
    await vi.advanceTimersByTimeAsync(500)
    expect(granted.length).toBeLessThan(1 + 4)
    await vi.advanceTimersByTimeAsync(505)
    expect(granted.length).toBeLessThanOrEqual(1 + 4)
    await vi.advanceTimersByTimeAsync(100)
    expect(granted.length).toBeGreaterThan(5)
  })

  it('holds everything after a 429 until the reset it announced', async () => {
    const { pacer, granted, request } = makePacer()
    request(1)
    await vi.advanceTimersByTimeAsync(0)
    granted[0]?.release({ observation: window(0, 700), throttled: true })
    request(1)
    await vi.advanceTimersByTimeAsync(690)
    expect(granted).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(30)
    expect(granted).toHaveLength(2)
    expect(pacer.snapshot().throttled).toBe(1)
  })

  it('backs off longer after each 429 without headers', async () => {
    const { granted, request } = makePacer({ backoffBaseMs: 100 })
    const waits: number[] = []
    for (let i = 0; i < 3; i += 1) {
      request(1)
      await vi.advanceTimersByTimeAsync(0)
      const started = Date.now()
      granted.at(-1)?.release({ throttled: true, answered: true })
      request(1)
      const count = granted.length
      while (granted.length === count) await vi.advanceTimersByTimeAsync(5)
      waits.push(Date.now() - started)
      granted.at(-1)?.release({ throttled: true, answered: true })
      await vi.advanceTimersByTimeAsync(2000)
      granted.at(-1)?.release({ answered: true })
    }
    expect(waits[0]).toBeGreaterThanOrEqual(70)
    expect(waits[1] ?? 0).toBeGreaterThan(waits[0] ?? 0)
  })

  it('reads the rate-limit headers case-insensitively', () => {
    const headers = new Headers({
      'x-rate-limit-requests-left': '35',
      'X-Rate-Limit-Time-Reset-Ms': '15000',
      'X-RATE-LIMIT-REQUESTS-QUOTA': '150',
      'x-rate-limit-time-window-ms': '30000',
    })
    expect(parseRateHeaders(headers)).toEqual({
      left: 35,
      resetMs: 15000,
      quota: 150,
      windowMs: 30000,
    })
    expect(parseRateHeaders(new Headers())).toBeNull()
  })

  it('shares one pacer per store and options, and lets the least recently used stores go', () => {
    const first = getSharedPacer('https://api.test|store-a')
    expect(getSharedPacer('https://api.test|store-a')).toBe(first)
    expect(getSharedPacer('https://api.test|store-a', { reserve: 5 })).not.toBe(first)
    for (let i = 0; i < 100; i += 1) getSharedPacer(`https://api.test|other-${i}`)
    expect(getSharedPacer('https://api.test|store-a')).not.toBe(first)
  })
})
