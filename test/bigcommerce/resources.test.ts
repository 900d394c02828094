// The four resource definitions against the simulated store: windows, order, refetch by id,
// id sweeps, webhook targets and rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BigCommerceDataError } from '../../src/bigcommerce/errors.ts'
import type { BigCommerceClient } from '../../src/bigcommerce/client.ts'
import { RESOURCES, resourceForScope } from '../../src/resources/index.ts'
import type { RangeQuery, ResourceDefinition } from '../../src/resources/types.ts'
import { createSimClock } from '../../src/sim/state.ts'
import { startSimStore, type SimStore } from '../../src/sim/server.ts'
import { connectClient } from './helpers.ts'

const NOW = new Date('2025-06-01T12:00:00Z')
let sim: SimStore

beforeAll(async () => {
  sim = await startSimStore({
    quota: null,
    clock: createSimClock(NOW),
    data: {
      seed: 11,
      counts: { orders: 700, products: 650, customers: 600, coupons: 300 },
      from: new Date('2025-01-01T00:00:00Z'),
      to: new Date('2025-05-01T00:00:00Z'),
      bulkImport: { at: new Date('2025-03-01T10:00:00Z'), share: 0.2 },
    },
  })
})
afterAll(() => sim.close())

const idsOf = (items: unknown[]) => items.map((i) => (i as { id: number }).id)
const seconds = (date: Date) => Math.floor(date.getTime() / 1000)

/** Every page of a range request, page 1, 2, ... until a short page. */
async function listAll(
  resource: ResourceDefinition,
  client: BigCommerceClient,
  query: Omit<RangeQuery, 'page'>,
) {
  const items: unknown[] = []
  for (let page = 1; ; page += 1) {
    const answer = await resource.listRange(client, { ...query, page })
    items.push(...answer.items)
    if (answer.items.length < 250) return items
  }
}

describe.each(['orders', 'products', 'customers'] as const)('%s', (name) => {
  const resource = RESOURCES[name]

  it('lists a key range in date_modified order, widened a second each side', async () => {
    const client = connectClient(sim)
    const from = new Date('2025-03-01T10:00:00Z')
    const to = new Date('2025-04-01T00:00:00Z')
    const items = await listAll(resource, client, { lo: seconds(from), hi: seconds(to) })
    const rows = items.map((item) => resource.toRow(item))
    // The API's bound inclusivity is undocumented, so the request asks for [lo - 1 s, hi + 1 s]:
    // [lo, hi] from this store, whose bounds are exclusive. Rows sharing a second come in any
    // order, and the orders list leaves out Incomplete orders.
    const expected = sim.store
      .byModified(name)
      .filter((r) => r.modified >= seconds(from) && r.modified <= seconds(to))
      .filter((r) => name !== 'orders' || sim.store.fieldsOf(name, r).status_id !== 0)
    const ascending = (ids: number[]) => [...ids].sort((a, b) => a - b)
    expect(ascending(rows.map((r) => r.id))).toEqual(ascending(expected.map((r) => r.id)))
    // The bulk import second is inside, and shared by many rows.
    expect(
      rows.filter((r) => r.date_modified?.getTime() === from.getTime()).length,
    ).toBeGreaterThan(50)
    for (let i = 1; i < rows.length; i += 1) {
      expect(rows[i]?.date_modified?.getTime()).toBeGreaterThanOrEqual(
        rows[i - 1]?.date_modified?.getTime() ?? 0,
      )
    }
  })

  it('refetches by id; missing ids are absent', async () => {
    const client = connectClient(sim)
    const answer = await resource.fetchByIds(client, [3, 1, 99_999, 3])
    const found = answer.found
    expect([...found.keys()].sort((a, b) => a - b)).toEqual([1, 3])
    expect(resource.toRow(found.get(3)).id).toBe(3)
    // A clean answer vouches for its silence: 99,999 is not found (not unanswered).
    expect([...answer.unanswered]).toEqual([])
  })

  it('an answer holding an id nobody asked for is ignored for it, and says nothing about the asked ones', async () => {
    const client = connectClient(sim)
    sim.store.answerAs(name, 4, 5)
    try {
      // Orders: ids this far apart are read one by one (close ones share an id-range read).
      const other = name === 'orders' ? 600 : 6
      const answer = await resource.fetchByIds(client, [4, other, 99_998])
      expect([...answer.found.keys()]).toEqual([other])
      // 5 was not asked for: not in found. 4 and 99,998 are unknown, not gone.
      expect([...answer.unanswered].sort((a, b) => a - b)).toEqual(
        name === 'orders' ? [4] : [4, 99_998],
      )
    } finally {
      sim.store.answerAs(name, 4, null)
    }
  })

  it('an object without an id is set aside, and the answer proves no absence', async () => {
    const client = connectClient(sim)
    sim.store.corrupt(name, 7, ({ id: _gone, ...rest }) => rest)
    try {
      const answer = await resource.fetchByIds(client, [7, 8])
      expect([...answer.found.keys()]).toEqual([8])
      expect(answer.unidentified).toHaveLength(1)
      expect([...answer.unanswered]).toEqual([7])
    } finally {
      sim.store.corrupt(name, 7, null)
    }
  })
})

describe('products and customers', () => {
  it('a 404 on the id:in list is an error, never "none of them exist"', async () => {
    const client = connectClient(sim)
    for (const name of ['products', 'customers'] as const) {
      const path = name === 'products' ? '/v3/catalog/products' : '/v3/customers'
      sim.injectFaults({ path: new RegExp(`^${path}$`), status: 404 })
      await expect(RESOURCES[name].fetchByIds(client, [1, 2])).rejects.toThrow(
        /answered 404 for a list/,
      )
    }
  })

  it('batch 600 ids with id:in into 3 requests', async () => {
    const client = connectClient(sim)
    for (const name of ['products', 'customers'] as const) {
      sim.resetStats()
      const ids = Array.from({ length: 600 }, (_, i) => i + 1)
      const found = (await RESOURCES[name].fetchByIds(client, ids)).found
      expect(found.size).toBe(600)
      const path = name === 'products' ? 'GET /v3/catalog/products' : 'GET /v3/customers'
      expect(sim.stats.byPath[path]).toBe(3)
    }
  })

  it('products come with variants and images but not options; customers with addresses', async () => {
    const client = connectClient(sim)
    const product = (await RESOURCES.products.fetchByIds(client, [5])).found.get(5) as Record<
      string,
      unknown
    >
    expect(Array.isArray(product.variants)).toBe(true)
    expect(Array.isArray(product.images)).toBe(true)
    expect(product).not.toHaveProperty('options')
    const customer = (await RESOURCES.customers.fetchByIds(client, [5])).found.get(5) as Record<
      string,
      unknown
    >
    expect(Array.isArray(customer.addresses)).toBe(true)
    expect(customer.date_modified).toMatch(/Z$/)
  })
})

describe('coupons', () => {
  it('lists all by id and refetches ranges', async () => {
    const client = connectClient(sim)
    const all = await listAll(RESOURCES.coupons, client, {})
    expect(idsOf(all)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1))
    const counted = await RESOURCES.coupons.listRange(client, { page: 1, withTotal: true })
    expect(counted.total).toBe(300)
    // An id range (widened by one each side, like dates).
    const range = await listAll(RESOURCES.coupons, client, { lo: 251, hi: 260 })
    expect(idsOf(range)).toEqual(Array.from({ length: 12 }, (_, i) => i + 250))
    sim.resetStats()
    const found = (await RESOURCES.coupons.fetchByIds(client, [1, 2, 200, 290, 1000])).found
    expect([...found.keys()].sort((a, b) => a - b)).toEqual([1, 2, 200, 290])
    // 1..200 in one range request, 290 and 1000 alone.
    expect(sim.stats.byPath['GET /v2/coupons']).toBe(3)
    const row = RESOURCES.coupons.toRow(found.get(2))
    expect(row).toMatchObject({ id: 2, date_modified: null })
    expect(row.date_created).toBeInstanceOf(Date)
  })
})

describe('changes during a sweep', () => {
  it('sees an archived order and a mid-sweep update through a later window', async () => {
    const client = connectClient(sim)
    sim.store.clock.set(new Date('2025-06-02T00:00:00Z'))
    sim.store.archiveOrder(7)
    const from = new Date('2025-06-02T00:00:00Z')
    let mutated = false
    sim.setOptions({
      onRequest: () => {
        if (!mutated) {
          mutated = true
          sim.store.update('orders', 8, { status_id: 2 })
        }
      },
    })
    try {
      const items = await listAll(RESOURCES.orders, client, { lo: seconds(from) })
      // Both share a second, so they come in either order.
      const rows = items.map((i) => RESOURCES.orders.toRow(i)).sort((a, b) => a.id - b.id)
      expect(rows.map((r) => r.id)).toEqual([7, 8])
      expect(rows[0]).toMatchObject({ is_deleted: true })
      expect(rows[1]).toMatchObject({ status_id: 2 })
    } finally {
      sim.setOptions({ onRequest: undefined })
    }
  })
})

describe('rows and events', () => {
  it('maps typed columns', async () => {
    const client = connectClient(sim)
    const order = RESOURCES.orders.toRow(
      (await RESOURCES.orders.fetchByIds(client, [10])).found.get(10),
    )
    expect(order).toMatchObject({ id: 10, currency_code: 'USD', is_deleted: false })
    expect(order.total_inc_tax).toMatch(/^\d+\.\d{4}$/)
    expect(order.date_modified).toBeInstanceOf(Date)
    const product = RESOURCES.products.toRow(
      (await RESOURCES.products.fetchByIds(client, [10])).found.get(10),
    )
    expect(typeof product.sku).toBe('string')
    expect(typeof product.is_visible).toBe('boolean')
  })

  it('rejects malformed objects with a clear error', () => {
    expect(() => RESOURCES.orders.toRow({ id: 'x' })).toThrow(BigCommerceDataError)
    expect(() => RESOURCES.products.toRow({ id: 4, date_modified: 'soon' })).toThrow(
      /product.*id 4.*date_modified/,
    )
  })

  it('maps webhook scopes to the row they refresh', () => {
    expect(RESOURCES.orders.targetOf('store/order/statusUpdated', { type: 'order', id: 250 })).toBe(
      250,
    )
    expect(
      RESOURCES.orders.targetOf('store/order/transaction/created', {
        type: 'transaction',
        order_id: '250',
      }),
    ).toBe(250)
    expect(
      RESOURCES.orders.targetOf('store/order/metafield/updated', {
        metafield_id: 3,
        resource_id: '270',
      }),
    ).toBe(270)
    expect(
      RESOURCES.products.targetOf('store/sku/updated', {
        type: 'sku',
        id: 55,
        sku: { product_id: 9, variant_id: 55 },
      }),
    ).toBe(9)
    expect(RESOURCES.products.targetOf('store/product/deleted', { type: 'product', id: 9 })).toBe(9)
    expect(
      RESOURCES.customers.targetOf('store/customer/address/updated', {
        type: 'customer',
        id: 77,
        address: { customer_id: 4 },
      }),
    ).toBe(4)
    expect(RESOURCES.customers.targetOf('store/order/created', { type: 'order', id: 4 })).toBeNull()
    expect(
      RESOURCES.coupons.targetOf('store/cart/couponApplied', { id: 'x', couponId: 3 }),
    ).toBeNull()
    expect(resourceForScope('store/sku/created')?.name).toBe('products')
    expect(resourceForScope('store/customer/updated')?.name).toBe('customers')
    expect(resourceForScope('store/cart/created')).toBeNull()
    expect(RESOURCES.coupons.webhookScopes).toEqual([])
  })
})
