// `/metrics`' API figures per store stay bounded however many stores there are: a thousand stores
// give at most PER_STORE_SERIES series per figure (the stores that need a person first, then the
// busiest), while the totals count every store; the exposition parses as Prometheus text.
import parsePrometheus from 'parse-prometheus-text-format'
import { describe, expect, it } from 'vitest'
import type { ClientEvent } from '../../src/bigcommerce/client.ts'
import type { PacerSnapshot } from '../../src/bigcommerce/pacer.ts'
import { createStoreApiTally, PER_STORE_SERIES } from '../../src/http/store-api-metrics.ts'

const response = (status: number): ClientEvent => ({
  type: 'response',
  method: 'GET',
  path: '/v3/catalog/products',
  status,
  durationMs: 5,
})
const quota = (available: number): PacerSnapshot => ({
  known: true,
  quota: 150,
  windowMs: 30_000,
  available,
  inFlight: 0,
  issued: 0,
  throttled: 0,
})

describe('API figures per store', () => {
  it('a thousand stores give at most 20 series per figure, those needing a person first, and totals over all', () => {
    const tally = createStoreApiTally()
    for (let i = 0; i < 1000; i++) {
      const store = `store${i}`
      // store0 makes the most requests, store999 the fewest (one).
      for (let r = 0; r < 1 + Math.floor((1000 - i) / 100); r++)
        tally.record(store, response(200), quota(100))
    }
    tally.record('store998', response(401), quota(5)) // refused, and low on quota
    tally.record('store999', { type: 'throttled', method: 'GET', path: '/v2/orders', resetMs: 1 })
    tally.record('store999', {
      type: 'retry',
      method: 'GET',
      path: '/v2/orders',
      status: null,
      attempt: 1,
      delayMs: 10,
      reason: 'timeout',
    })
    tally.record(undefined, response(500)) // a one-store host: in the totals only

    const text = tally.render(['store998', 'STORE999'])
    const families = parsePrometheus(text)
    const perStore = families.filter((f) => f.name.startsWith('bcmirror_store_api_'))
    expect(perStore.map((f) => f.name)).toEqual([
      'bcmirror_store_api_requests_total',
      'bcmirror_store_api_errors_total',
      'bcmirror_store_api_throttled_total',
      'bcmirror_store_api_quota_headroom',
    ])
    for (const family of perStore) expect(family.metrics).toHaveLength(PER_STORE_SERIES)
    const stores = perStore[0]?.metrics.map((m) => m.labels?.store)
    expect(stores?.slice(0, 3)).toEqual(['store998', 'store999', 'store0'])
    expect(stores).not.toContain('store500')

    const value = (name: string, store?: string) => {
      const family = families.find((f) => f.name === name)
      const sample = family?.metrics.find((m) => store === undefined || m.labels?.store === store)
      return Number(sample?.value)
    }
    expect(value('bcmirror_api_stores_seen')).toBe(1000)
    expect(value('bcmirror_api_errors_total')).toBe(3) // the 401, the timeout, the 500
    expect(value('bcmirror_store_api_errors_total', 'store999')).toBe(1)
    expect(value('bcmirror_store_api_throttled_total', 'store999')).toBe(1)
    expect(value('bcmirror_store_api_quota_headroom', 'store998')).toBeCloseTo(5 / 150)
    expect(value('bcmirror_api_stores_low_quota')).toBe(1)
    expect(value('bcmirror_api_quota_headroom_min')).toBeCloseTo(5 / 150)
    expect(tally.of('STORE0')?.requests).toBe(11)
  })

  it('with no store seen, the totals say so and no store has a series', () => {
    const families = parsePrometheus(createStoreApiTally().render([]))
    const value = (name: string) => Number(families.find((f) => f.name === name)?.metrics[0]?.value)
    expect(value('bcmirror_api_stores_seen')).toBe(0)
    expect(value('bcmirror_api_quota_headroom_min')).toBe(1)
    expect(families.find((f) => f.name === 'bcmirror_store_api_requests_total')?.metrics).toEqual(
      [],
    )
  })
})
