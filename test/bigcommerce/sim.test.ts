// The simulated store itself: deterministic data, size, and the BigCommerce behaviours the client
// and sweeps rely on (filters, date formats, limits, 204s, rate-limit headers).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseBcDate } from '../../src/bigcommerce/dates.ts'
import { generateOrderFields, generateProductFields } from '../../src/sim/generate.ts'
import { createSimClock } from '../../src/sim/state.ts'
import { startSimStore, type SimStore } from '../../src/sim/server.ts'

const NOW = new Date('2025-06-01T12:34:56Z')
let sim: SimStore

async function call(path: string, init: RequestInit = {}) {
  const response = await fetch(`${sim.url}/stores/${sim.storeHash}${path}`, {
    ...init,
    headers: { 'X-Auth-Token': sim.accessToken, ...init.headers },
  })
  const text = await response.text()
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as unknown) : null,
  }
}

beforeAll(async () => {
  sim = await startSimStore({
    quota: 1000,
    windowMs: 30_000,
    clock: createSimClock(NOW),
    data: {
      seed: 5,
      counts: { orders: 60, products: 60, customers: 60, coupons: 60 },
      to: new Date('2025-05-01T00:00:00Z'),
    },
  })
})
afterAll(() => sim.close())

describe('generated data', () => {
  it('is deterministic per seed and realistic', () => {
    const ctx = { seed: 9, storeUrl: 'https://example', customerCount: 10 }
    expect(generateOrderFields(ctx, 4)).toEqual(generateOrderFields(ctx, 4))
    expect(generateOrderFields(ctx, 4)).not.toEqual(generateOrderFields({ ...ctx, seed: 10 }, 4))
    const order = generateOrderFields(ctx, 4)
    expect(order.total_inc_tax).toMatch(/^\d+\.\d{4}$/)
    expect(order.billing_address).toMatchObject({ country_iso2: 'US' })
    expect(order.products).toEqual({
      url: 'https://example/v2/orders/4/products',
      resource: '/orders/4/products',
    })
    const product = generateProductFields(ctx, 4)
    expect(typeof product.price).toBe('number')
    expect((product.variants as unknown[]).length).toBeGreaterThan(0)
  })

  it('builds a million-row store, with a bulk import sharing one second', async () => {
    const big = await startSimStore({
      quota: null,
      data: {
        counts: { products: 1_000_000 },
        from: new Date('2024-06-01T00:00:00Z'),
        to: new Date('2025-06-01T00:00:00Z'),
        bulkImport: { at: new Date('2025-05-15T00:00:00Z'), share: 0.1 },
      },
    })
    try {
      const response = await fetch(
        `${big.url}/stores/${big.storeHash}/v3/catalog/products?sort=date_modified&limit=250&page=4000`,
        {
          headers: { 'X-Auth-Token': big.accessToken },
        },
      )
      const body = (await response.json()) as {
        data: unknown[]
        meta: { pagination: { total: number } }
      }
      expect(body.meta.pagination.total).toBe(1_000_000)
      expect(body.data).toHaveLength(250)
      const sameSecond = big.store
        .byModified('products')
        .filter((r) => r.modified === Date.parse('2025-05-15T00:00:00Z') / 1000)
      expect(sameSecond.length).toBeGreaterThan(50_000)
    } finally {
      await big.close()
    }
  })
})

describe('BigCommerce behaviours', () => {
  it('formats dates per API: v2 RFC 2822 +0000, products +00:00, customers Z, whole seconds', async () => {
    const order = (await call('/v2/orders/1')).body as Record<string, string>
    const product = (await call('/v3/catalog/products/1')).body as { data: Record<string, string> }
    const customers = (await call('/v3/customers?id:in=1')).body as {
      data: Array<Record<string, string>>
    }
    expect(order.date_modified).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/)
    expect(product.data.date_modified).toMatch(/T\d{2}:\d{2}:\d{2}\+00:00$/)
    expect(customers.data[0]?.date_modified).toMatch(/T\d{2}:\d{2}:\d{2}Z$/)
    const created = sim.store.get('orders', 1)?.created ?? 0
    expect(parseBcDate(order.date_created ?? '').getTime()).toBe(created * 1000)
  })

  it('sends the four rate-limit headers and answers 204 for an empty v2 page', async () => {
    const response = await call('/v2/orders?page=99')
    expect(response.status).toBe(204)
    expect(response.headers.get('x-rate-limit-requests-quota')).toBe('1000')
    expect(response.headers.get('x-rate-limit-time-window-ms')).toBe('30000')
    expect(Number(response.headers.get('x-rate-limit-requests-left'))).toBeLessThan(1000)
    expect(Number(response.headers.get('x-rate-limit-time-reset-ms'))).toBeLessThanOrEqual(30_000)
  })

  it('rejects limits above 250 with 413 and caps pages at 10 with options included', async () => {
    expect((await call('/v3/catalog/products?limit=251')).status).toBe(413)
    const capped = (await call('/v3/catalog/products?limit=250&include=options')).body as {
      data: unknown[]
    }
    expect(capped.data).toHaveLength(10)
  })

  it('fills a v3 date filter without a time with the current time of day', async () => {
    // Everything was modified before 2025-05-01, so "2025-05-01" (+ 12:34:56) finds nothing, while
    // a full timestamp a second earlier than the last row finds it (bounds are exclusive).
    const last = sim.store.byModified('products').at(-1)
    const lastIso = new Date(((last?.modified ?? 0) - 1) * 1000).toISOString()
    const bareDay = lastIso.slice(0, 10)
    const body = (await call(`/v3/catalog/products?date_modified:min=${bareDay}`)).body as {
      data: unknown[]
    }
    const lastSecondOfDay = (last?.modified ?? 0) % 86_400
    const timeOfDay = (NOW.getTime() / 1000) % 86_400
    expect(body.data.length).toBe(lastSecondOfDay >= timeOfDay ? 1 : 0)
    const full = (
      await call(`/v3/catalog/products?date_modified:min=${encodeURIComponent(lastIso)}`)
    ).body as { data: Array<{ id: number }> }
    expect(full.data.map((p) => p.id)).toContain(last?.id)
  })

  it('rejects an unencoded + in a v3 date (it arrives as a space)', async () => {
    expect(
      (await call('/v3/catalog/products?date_modified:min=2025-01-01T00:00:00+00:00')).status,
    ).toBe(422)
    expect(
      (await call('/v3/catalog/products?date_modified:min=2025-01-01T00:00:00%2B00:00')).status,
    ).toBe(200)
  })

  it('filters orders by exclusive date bounds (inclusive on a switch) and inclusive min_id', async () => {
    const target = sim.store.byModified('orders')[30]
    const stamp = (seconds: number) =>
      encodeURIComponent(new Date(seconds * 1000).toUTCString().replace('GMT', '+0000'))
    const at = target?.modified ?? 0
    const ids = async (query: string) =>
      (((await call(`/v2/orders?${query}`)).body ?? []) as Array<{ id: number }>).map((r) => r.id)
    const exact = `min_date_modified=${stamp(at)}&max_date_modified=${stamp(at)}`
    const around = `min_date_modified=${stamp(at - 1)}&max_date_modified=${stamp(at + 1)}`
    expect(await ids(exact)).not.toContain(target?.id)
    expect(await ids(around)).toContain(target?.id)
    sim.setOptions({ inclusiveDateBounds: true })
    try {
      expect(await ids(exact)).toContain(target?.id)
    } finally {
      sim.setOptions({ inclusiveDateBounds: false })
    }
    const listed = sim.store
      .byId('orders')
      .filter((r) => r.id >= 55 && sim.store.fieldsOf('orders', r).status_id !== 0)
    expect(await ids('min_id=55')).toEqual(listed.map((r) => r.id))
  })
})
