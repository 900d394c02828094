// The client against the simulated store over real HTTP: headers, paging, retries, throttling,
// auth errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BigCommerceApiError, BigCommerceAuthError } from '../../src/bigcommerce/errors.ts'
import { BigCommerceListError } from '../../src/bigcommerce/list-answer.ts'
import { listV2Pages, listV3Pages } from '../../src/bigcommerce/paging.ts'
import { MIRROR_VERSION } from '../../src/bigcommerce/version.ts'
import { createSimClock } from '../../src/sim/state.ts'
import { startSimStore, type SimStore } from '../../src/sim/server.ts'
import { collect, connectClient } from './helpers.ts'
import packageJson from '../../package.json' with { type: 'json' }

let sim: SimStore

beforeAll(async () => {
  sim = await startSimStore({
    quota: null,
    clock: createSimClock(new Date('2025-06-01T12:00:00Z')),
    data: { seed: 3, counts: { orders: 620, products: 510, customers: 260, coupons: 500 } },
  })
})
afterAll(() => sim.close())

describe('requests', () => {
  it('sends the token, Accept, X-Auth-Client and a versioned User-Agent', async () => {
    let seen: Headers | undefined
    const client = connectClient(sim, {
      clientId: 'client-abc',
      fetch: async (input, init) => {
        seen = new Headers(init?.headers)
        return fetch(input, init)
      },
    })
    await client.get('/v2/orders/1')
    expect(seen?.get('x-auth-token')).toBe(sim.accessToken)
    expect(seen?.get('accept')).toBe('application/json')
    expect(seen?.get('x-auth-client')).toBe('client-abc')
    expect(seen?.get('user-agent')).toBe(`bigcommerce-mirror/${MIRROR_VERSION}`)
    expect(MIRROR_VERSION).toBe(packageJson.version)
  })

  it('answers 404 on a single fetch with null', async () => {
    const client = connectClient(sim)
    expect(await client.get('/v2/orders/999999')).toBeNull()
    expect(await client.get('/v3/catalog/products/999999')).toBeNull()
    expect(await client.get('/v2/orders/5')).toMatchObject({ id: 5 })
  })
})

/** Orders the list shows: every order but the Incomplete ones. */
const listedOrders = () =>
  sim.store.byId('orders').filter((r) => sim.store.fieldsOf('orders', r).status_id !== 0).length

describe('paging', () => {
  it('v2 without a count stops at the short last page', async () => {
    const client = connectClient(sim)
    sim.resetStats()
    const pages = await collect(listV2Pages(client, '/v2/orders', { sort: 'id:asc' }))
    expect(pages.map((p) => p.items.length)).toEqual([250, 250, listedOrders() - 500])
    expect(sim.stats.byPath['GET /v2/orders']).toBe(3)
  })

  it('v2 stops at a 204 when the last page was exactly full', async () => {
    const client = connectClient(sim)
    sim.resetStats()
    const pages = await collect(listV2Pages(client, '/v2/coupons', {}))
    expect(pages.map((p) => p.items.length)).toEqual([250, 250])
    // The third request got 204 No Content, which ends the list.
    expect(sim.stats.byPath['GET /v2/coupons']).toBe(3)
    const ids = pages.flatMap((p) => p.items.map((i) => (i as { id: number }).id))
    expect(ids).toEqual(Array.from({ length: 500 }, (_, i) => i + 1))
  })

  it('v2 with a count fetches the known pages concurrently and in order', async () => {
    const client = connectClient(sim)
    const pages = await collect(
      listV2Pages(client, '/v2/orders', { sort: 'id:asc' }, { countPath: '/v2/orders/count' }),
    )
    // The count counts Incomplete orders too, which the list leaves out: the last page is short.
    expect(pages.map((p) => [p.page, p.totalPages, p.items.length])).toEqual([
      [1, 3, 250],
      [2, 3, 250],
      [3, 3, listedOrders() - 500],
    ])
  })

  it('v3 reads total_pages from the first page', async () => {
    const client = connectClient(sim)
    sim.resetStats()
    const pages = await collect(listV3Pages(client, '/v3/catalog/products', { sort: 'id' }))
    expect(pages.map((p) => p.items.length)).toEqual([250, 250, 10])
    expect(pages[0]?.totalRows).toBe(510)
    expect(sim.stats.byPath['GET /v3/catalog/products']).toBe(3)
  })

  it('v3 reads on past pages shorter than asked for while total_pages says more', async () => {
    const client = connectClient(sim)
    // With options included BigCommerce serves 10 rows a page, whatever the limit asked for.
    const pages = await collect(
      listV3Pages(
        client,
        '/v3/catalog/products',
        { sort: 'id', include: 'options' },
        { concurrency: 4 },
      ),
    )
    expect(pages[0]?.items).toHaveLength(10)
    const ids = pages.flatMap((p) => p.items.map((i) => (i as { id: number }).id))
    expect(ids).toEqual(Array.from({ length: 510 }, (_, i) => i + 1))
  })

  it.each(['not-found', 'empty-object', 'null-data', 'empty-body'] as const)(
    'a v3 list answering %s throws instead of yielding no rows',
    async (answer) => {
      const client = connectClient(sim)
      sim.injectFaults({ path: '/v3/customers', answer })
      const pages = collect(listV3Pages(client, '/v3/customers', {}))
      await expect(pages).rejects.toBeInstanceOf(BigCommerceListError)
      await expect(collect(listV3Pages(client, '/v3/customers', {}))).resolves.toHaveLength(2)
    },
  )

  it('a v2 list answering 404 throws; a 204 is a page without rows', async () => {
    const client = connectClient(sim)
    sim.injectFaults({ path: '/v2/coupons', answer: 'not-found' })
    await expect(collect(listV2Pages(client, '/v2/coupons', {}))).rejects.toThrow(
      'GET /v2/coupons answered 404 Not Found; a list that does not answer is an error, not an empty store',
    )
    expect(await collect(listV2Pages(client, '/v2/coupons', { min_id: 100_000 }))).toEqual([])
  })

  it('v3 resumes from a start page', async () => {
    const client = connectClient(sim)
    const pages = await collect(listV3Pages(client, '/v3/customers', {}, { startPage: 2 }))
    expect(pages.map((p) => [p.page, p.items.length])).toEqual([[2, 10]])
  })
})

describe('retries and throttling', () => {
  it('waits X-Rate-Limit-Time-Reset-Ms after a 429, then succeeds', async () => {
    const client = connectClient(sim)
    await client.get('/v2/orders/1')
    sim.injectFaults({ path: '/v2/orders/2', status: 429, resetMs: 300 })
    const started = Date.now()
    expect(await client.get('/v2/orders/2')).toMatchObject({ id: 2 })
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
    expect(client.pacer.snapshot().throttled).toBe(1)
  })

  it('backs off after a 429 without rate-limit headers, then succeeds', async () => {
    const client = connectClient(sim)
    sim.injectFaults({ path: '/v2/orders/3', status: 429, withoutRateHeaders: true })
    const started = Date.now()
    expect(await client.get('/v2/orders/3')).toMatchObject({ id: 3 })
    expect(Date.now() - started).toBeGreaterThanOrEqual(14)
  })

  it('retries 5xx, a dropped connection and a timeout, then succeeds', async () => {
    const events: string[] = []
    const client = connectClient(sim, {
      timeoutMs: 200,
      onEvent: (e) => e.type === 'retry' && events.push(e.reason),
    })
    sim.injectFaults(
      { path: '/v2/orders/4', status: 500 },
      { path: '/v2/orders/4', status: 503 },
      { path: '/v2/orders/4', drop: true },
      { path: '/v2/orders/4', delayMs: 400 },
    )
    expect(await client.get('/v2/orders/4')).toMatchObject({ id: 4 })
    expect(events).toEqual(['status 500', 'status 503', 'connection error', 'timeout'])
  })

  it('gives a typed error naming method, path and status when retries run out', async () => {
    const client = connectClient(sim, { maxRetries: 2, accessToken: sim.accessToken })
    sim.injectFaults(...Array.from({ length: 3 }, () => ({ path: '/v2/orders/6', status: 502 })))
    const error = await client.get('/v2/orders/6', { secret: 'hush' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BigCommerceApiError)
    expect(error).toMatchObject({ method: 'GET', path: '/v2/orders/6', status: 502, attempts: 3 })
    const message = (error as Error).message
    expect(message).toContain('GET /v2/orders/6')
    expect(message).toContain('502')
    expect(message).not.toContain(sim.accessToken)
    expect(message).not.toContain('hush')
  })

  it('retries a POST only when it cannot have taken effect (gateway errors)', async () => {
    const client = connectClient(sim)
    const hook = { scope: 'store/order/*', destination: 'https://example.com/a' }
    sim.injectFaults({ path: '/v3/hooks', status: 500 })
    const error = await client
      .request('/v3/hooks', { method: 'POST', body: hook })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 500, attempts: 1 })
    sim.injectFaults({ path: '/v3/hooks', status: 503 })
    const created = await client.request('/v3/hooks', { method: 'POST', body: hook })
    expect(created.status).toBe(200)
    await client.request(`/v3/hooks/${(created.body as { data: { id: number } }).data.id}`, {
      method: 'DELETE',
    })
  })

  it('does not retry other 4xx and reports them', async () => {
    const client = connectClient(sim)
    sim.resetStats()
    const error = await client.get('/v2/orders', { limit: 251 }).catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 413 })
    expect(sim.stats.requests).toBe(1)
  })
})

describe('authentication', () => {
  it('401 names the scope the path needs and is not retried', async () => {
    const client = connectClient(sim, { accessToken: 'wrong-token' })
    sim.resetStats()
    const error = await client.get('/v2/orders').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BigCommerceAuthError)
    expect(error).toMatchObject({ status: 401, scope: 'store_v2_orders_read_only' })
    expect((error as Error).message).toContain('store_v2_orders_read_only')
    expect((error as Error).message).not.toContain('wrong-token')
    expect(sim.stats.requests).toBe(1)
  })

  it('401 on hooks says the token itself is bad (hooks need no scope)', async () => {
    const client = connectClient(sim, { accessToken: 'wrong-token' })
    const error = await client.get('/v3/hooks').catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 401, scope: null })
    expect((error as Error).message).toMatch(/needs no OAuth scope/)
  })

  it('403 names the missing scope for each resource', async () => {
    sim.setOptions({ tokens: { limited: { scopes: ['store_v2_orders_read_only'] } } })
    try {
      const client = connectClient(sim, { accessToken: 'limited' })
      expect(await client.get('/v2/orders/1')).toMatchObject({ id: 1 })
      const cases: Array<[string, string]> = [
        ['/v3/catalog/products', 'store_v2_products_read_only'],
        ['/v3/customers', 'store_v2_customers_read_only'],
        ['/v2/coupons', 'store_v2_marketing_read_only'],
      ]
      for (const [path, scope] of cases) {
        const error = await client.get(path).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(BigCommerceAuthError)
        expect(error).toMatchObject({ status: 403, scope })
        expect((error as Error).message).toContain(`lacks the OAuth scope ${scope}`)
      }
    } finally {
      sim.setOptions({ tokens: undefined })
    }
  })
})
