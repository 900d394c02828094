// The simulated store's harsher readings where BigCommerce's docs are silent, and the kinder ones
// on their switches: the orders list without Incomplete (or archived) orders while /count counts
// them all, rows sharing a date_modified in a different order per request, a store clock off this
// machine's in its Date header and its timestamps, and another app spending the quota.
import { afterEach, describe, expect, it } from 'vitest'
import { parseBcDate } from '../../src/bigcommerce/dates.ts'
import { startSimStore, type SimStore, type SimStoreOptions } from '../../src/sim/server.ts'

let sim: SimStore | undefined

async function open(options: SimStoreOptions) {
  sim = await startSimStore(options)
  return sim
}
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

async function call(store: SimStore, path: string) {
  const response = await fetch(`${store.url}/stores/${store.storeHash}${path}`, {
    headers: { 'X-Auth-Token': store.accessToken },
  })
  const text = await response.text()
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as unknown) : null,
  }
}

const idsOf = (body: unknown) => ((body ?? []) as Array<{ id: number }>).map((r) => r.id)

describe('the orders list and its count', () => {
  it('lists Incomplete orders only when status_id=0 is asked; /count counts every order per status', async () => {
    const store = await open({ quota: null, data: { seed: 3, counts: { orders: 240 } } })
    const statusOf = (id: number) => {
      const record = store.store.get('orders', id)
      return record ? Number(store.store.fieldsOf('orders', record).status_id) : -1
    }
    const incomplete = store.store
      .byId('orders')
      .map((r) => r.id)
      .filter((id) => statusOf(id) === 0)
    // The default store generates some: a real one has them too.
    expect(incomplete.length).toBeGreaterThan(0)
    const listed = idsOf((await call(store, '/v2/orders?limit=250')).body)
    expect(listed).toHaveLength(240 - incomplete.length)
    expect(listed.filter((id) => statusOf(id) === 0)).toEqual([])
    const asked = idsOf((await call(store, '/v2/orders?status_id=0&limit=250')).body)
    expect(asked).toEqual(incomplete)
    const count = (await call(store, '/v2/orders/count')).body as {
      count: number
      statuses: Array<{ id: number; name: string; count: number }>
    }
    expect(count.count).toBe(240)
    expect(count.statuses.find((s) => s.id === 0)).toMatchObject({
      name: 'Incomplete',
      count: incomplete.length,
    })
    expect(count.statuses.reduce((sum, s) => sum + s.count, 0)).toBe(240)
    const zero = (await call(store, '/v2/orders/count?status_id=0')).body as { count: number }
    expect(zero.count).toBe(incomplete.length)

    store.setOptions({ ordersListIncomplete: true })
    expect(idsOf((await call(store, '/v2/orders?limit=250')).body)).toHaveLength(240)
  })

  it('leaves archived orders out of the list on a switch, while /count still counts them', async () => {
    const store = await open({ quota: null, data: { seed: 4, counts: { orders: 30 } } })
    store.setOptions({ ordersListIncomplete: true })
    store.store.archiveOrder(7)
    expect(idsOf((await call(store, '/v2/orders')).body)).toContain(7)
    store.setOptions({ ordersHideArchived: true })
    expect(idsOf((await call(store, '/v2/orders')).body)).not.toContain(7)
    expect(((await call(store, '/v2/orders/count')).body as { count: number }).count).toBe(30)
    // A read by id still finds it.
    expect((await call(store, '/v2/orders/7')).status).toBe(200)
  })
})

describe('rows sharing a date_modified', () => {
  it('come back in a different order from one request to the next, in id order on the switch', async () => {
    const store = await open({ quota: null, data: { seed: 5, counts: { customers: 40 } } })
    store.clock.set(Date.parse('2026-01-01T00:00:00Z'))
    for (let id = 1; id <= 40; id += 1) store.store.update('customers', id, { notes: 'tie' })
    const page = async (n: number) =>
      idsOf(
        (
          (await call(store, `/v3/customers?sort=date_modified:asc&limit=10&page=${n}`)).body as {
            data: unknown
          }
        ).data,
      )
    const firstPages = new Set<string>()
    for (let i = 0; i < 6; i += 1) firstPages.add((await page(1)).join(','))
    expect(firstPages.size).toBeGreaterThan(1)

    store.setOptions({ stableTies: true })
    const stable = (await Promise.all([1, 2, 3, 4].map(page))).flat()
    expect(stable).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
  })
})

describe("the store's clock", () => {
  it('dates every answer, and the timestamps the store writes, by its own clock', async () => {
    const behindMs = -15 * 60_000
    const store = await open({
      quota: null,
      clockOffsetMs: behindMs,
      data: { counts: { orders: 3 } },
    })
    const answer = await call(store, '/v2/orders/count')
    const dated = Date.parse(answer.headers.get('date') ?? '')
    expect(Math.abs(dated - (Date.now() + behindMs))).toBeLessThan(3000)
    store.store.update('orders', 2, { staff_notes: 'x' })
    const order = (await call(store, '/v2/orders/2')).body as { date_modified: string }
    const written = parseBcDate(order.date_modified).getTime()
    expect(Math.abs(written - (Date.now() + behindMs))).toBeLessThan(3000)
    // Refusals are dated too.
    const refused = await fetch(`${store.url}/stores/${store.storeHash}/v2/orders`)
    expect(Math.abs(Date.parse(refused.headers.get('date') ?? '') - dated)).toBeLessThan(3000)
  })
})

describe('another app spending the quota', () => {
  it('can bring a 429 while Requests-Left is above 0; on the switch, its spending shows there', async () => {
    // The other app spends ten requests a millisecond: the window is spent almost at once.
    const store = await open({
      quota: 10,
      windowMs: 60_000,
      otherApp: { requestsPerWindow: 600_000 },
    })
    await new Promise((resolve) => setTimeout(resolve, 5))
    const throttled = await call(store, '/v2/coupons')
    expect(throttled.status).toBe(429)
    expect(Number(throttled.headers.get('x-rate-limit-requests-left'))).toBe(10)
    store.setOptions({ otherApp: { requestsPerWindow: 600_000, showsInRequestsLeft: true } })
    const shown = await call(store, '/v2/coupons')
    expect(shown.status).toBe(429)
    expect(Number(shown.headers.get('x-rate-limit-requests-left'))).toBe(0)
  })
})
