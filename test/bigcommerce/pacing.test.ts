// Pacing against the simulated store's fixed-window quota: many callers share one budget without
// bursting past it, and at high latency enough requests are in flight to use the quota.
import { afterEach, describe, expect, it } from 'vitest'
import { createBigCommerceClient } from '../../src/bigcommerce/client.ts'
import { createRatePacer } from '../../src/bigcommerce/pacer.ts'
import { startSimStore, type SimStore } from '../../src/sim/server.ts'
import { connectClient } from './helpers.ts'

let sim: SimStore | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

async function runCallers(
  callers: number,
  perCaller: number,
  request: (n: number) => Promise<unknown>,
) {
  const started = Date.now()
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      for (let i = 0; i < perCaller; i += 1) await request(caller * perCaller + i)
    }),
  )
  return (Date.now() - started) / 1000
}

describe('pacing', () => {
  it('50 callers against 20 requests per second: never over quota, under 1% throttled', async () => {
    sim = await startSimStore({
      quota: 20,
      windowMs: 1000,
      latencyMs: 10,
      data: { counts: { orders: 200 } },
    })
    const store = sim
    const client = connectClient(store)
    const total = 50 * 3
    await runCallers(50, 3, (n) => client.get(`/v2/orders/${(n % 200) + 1}`))
    expect(store.stats.counted).toBe(total + store.stats.throttled)
    expect(store.stats.maxCountedInWindow).toBeLessThanOrEqual(20)
    expect(store.stats.throttled / store.stats.requests).toBeLessThan(0.01)
  })

  it('keeps many requests in flight at 120 ms latency to use a large quota', async () => {
    sim = await startSimStore({
      quota: 300,
      windowMs: 2000,
      latencyMs: 120,
      data: { counts: { orders: 50 } },
    })
    const store = sim
    const client = connectClient(store)
    let inFlight = 0
    let maxInFlight = 0
    const total = 450
    await runCallers(64, 8, async (n) => {
      if (n >= total) return
      inFlight += 1
      maxInFlight = Math.max(maxInFlight, client.pacer.snapshot().inFlight)
      await client.get(`/v2/orders/${(n % 50) + 1}`)
      inFlight -= 1
    })
    expect(inFlight).toBe(0)
    expect(store.stats.throttled / store.stats.requests).toBeLessThan(0.01)
    // Concurrency grew to use the quota; how fast it goes is measured by `npm run bench:client`,
    // not asserted here (a timed assertion only measures how busy the machine is).
    expect(maxInFlight).toBeGreaterThanOrEqual(10)
  })

  it('clients for the same store in one process share one budget', () => {
    const options = { apiUrl: 'http://shared.example', storeHash: 'abc', accessToken: 't' }
    const a = createBigCommerceClient(options)
    const b = createBigCommerceClient({ ...options, accessToken: 'other' })
    const c = createBigCommerceClient({ ...options, storeHash: 'xyz' })
    expect(a.pacer).toBe(b.pacer)
    expect(a.pacer).not.toBe(c.pacer)
  })

  it('two clients given one pacer stay under the quota together', async () => {
    sim = await startSimStore({ quota: 10, windowMs: 500, data: { counts: { orders: 20 } } })
    const store = sim
    const pacer = createRatePacer()
    const first = connectClient(store, { pacer })
    const second = connectClient(store, { pacer })
    await runCallers(20, 2, (n) => (n % 2 ? first : second).get(`/v2/orders/${(n % 20) + 1}`))
    expect(store.stats.maxCountedInWindow).toBeLessThanOrEqual(10)
    expect(store.stats.throttled).toBeLessThanOrEqual(1)
  })
})
