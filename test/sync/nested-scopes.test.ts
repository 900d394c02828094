// Nested webhook scopes, either way BigCommerce reads its wildcard rule (docs/bigcommerce-api.md:
// whether `store/customer/*` covers `store/customer/address/updated` is unconfirmed). The hooks
// `webhooks ensure` creates deliver every nested event the mirror maps, over real HTTP from the
// simulated store to the real receiver, with the store answering both ways; each reaches the
// right table once, and its row is refreshed.
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createApp, WEBHOOK_PATH } from '../../src/http/app.ts'
import { ensureHooks } from '../../src/sync/hooks/mirror-hooks.ts'
import { insertEvents } from '../../src/sync/events/inbox.ts'
import { processBatch } from '../../src/sync/events/event-worker.ts'
import { startSimStore, type SimEvent, type SimStore } from '../../src/sim/index.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { clientFor } from './support.ts'

const SECRET = 'nested-scopes-secret'

describeEachDatabase('nested webhook scopes', (ctx) => {
  let sim: SimStore
  let receiver: ReturnType<typeof serve>
  let destination = ''

  beforeAll(async () => {
    sim = await startSimStore({
      quota: null,
      data: { counts: { orders: 10, products: 10, customers: 10 } },
      webhooks: { localTesting: true },
    })
    // Store changes are made quietly; the test sends exactly the nested events it means to.
    sim.store.onEvent(() => {})
    const app = createApp({
      storeHash: sim.storeHash,
      webhookSecret: SECRET,
      enqueue: (event) => insertEvents(ctx.db, sim.storeHash, [event]).then(() => undefined),
      checkHealth: async () => true,
    })
    receiver = await new Promise((resolve) => {
      const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s))
    })
    destination = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}${WEBHOOK_PATH}`
    await ensureHooks(clientFor(sim).client, { destination, secret: SECRET })
  })
  afterAll(async () => {
    await sim.close()
    await new Promise<void>((resolve) => receiver.close(() => resolve()))
  })

  const nested = (n: number): Array<[SimEvent, string, number]> => [
    [
      {
        scope: 'store/customer/address/updated',
        data: { type: 'customer', id: 900 + n, address: { customer_id: n } },
      },
      'customers',
      n,
    ],
    [
      {
        scope: 'store/product/inventory/updated',
        data: {
          type: 'product',
          id: n,
          inventory: { product_id: n, method: 'absolute', value: 5 },
        },
      },
      'products',
      n,
    ],
    [
      {
        scope: 'store/product/inventory/order/updated',
        data: {
          type: 'product',
          id: n + 1,
          inventory: { product_id: n + 1, method: 'relative', value: -1 },
        },
      },
      'products',
      n + 1,
    ],
    [
      {
        scope: 'store/sku/inventory/updated',
        data: {
          type: 'sku',
          id: 7000 + n,
          inventory: { product_id: n + 2, method: 'absolute', value: 3, variant_id: 7000 + n },
        },
      },
      'products',
      n + 2,
    ],
    [
      {
        scope: 'store/sku/inventory/order/updated',
        data: {
          type: 'sku',
          id: 7100 + n,
          inventory: { product_id: n + 3, method: 'relative', value: -2, variant_id: 7100 + n },
        },
      },
      'products',
      n + 3,
    ],
    [
      {
        scope: 'store/product/metafield/updated',
        data: { type: 'product', id: 50, resource_id: n + 4 },
      },
      'products',
      n + 4,
    ],
    [
      {
        scope: 'store/order/refund/created',
        data: { type: 'order', id: n, refund: { refund_id: 9 } },
      },
      'orders',
      n,
    ],
    [
      {
        scope: 'store/order/message/created',
        data: { type: 'order', id: n + 1, message: { order_message_id: 3 } },
      },
      'orders',
      n + 1,
    ],
    [
      {
        scope: 'store/order/transaction/created',
        data: { type: 'order', id: 4400, order_id: String(n + 2) },
      },
      'orders',
      n + 2,
    ],
    [
      {
        scope: 'store/order/metafield/updated',
        data: { type: 'order', id: 60, resource_id: n + 3 },
      },
      'orders',
      n + 3,
    ],
  ]

  for (const [mode, first] of [
    ['separate', 1],
    ['covered', 5],
  ] as const) {
    it(`with wildcards that ${mode === 'covered' ? 'cover' : 'do not cover'} nested events, each nested event refreshes its row once`, async () => {
      await ctx.db.execute(sql`delete from bigcommerce.webhook_events`)
      sim.webhooks.setOptions({ nestedWildcards: mode })
      const cases = nested(first)
      // Changed quietly in the store (no events): only the nested events can bring the change.
      for (const [, table, id] of cases) {
        if (table === 'customers')
          sim.store.update('customers', id, { first_name: `Nested${mode}` })
        if (table === 'products') sim.store.update('products', id, { name: `nested ${mode} ${id}` })
        if (table === 'orders')
          sim.store.update('orders', id, { staff_notes: `nested ${mode} ${id}` })
      }
      const before = sim.webhooks.deliveries.length
      for (const [event] of cases) sim.webhooks.emit(event)
      await sim.flushDeliveries()
      const deliveries = sim.webhooks.deliveries.slice(before)
      expect(deliveries.every((d) => d.ok)).toBe(true)
      // Separate: exactly one hook takes each nested event. Covered: the wider wildcards deliver
      // it too (the same hash, scope and id), and the inbox keeps one row.
      const perEvent = cases.map(
        ([event]) => deliveries.filter((d) => d.scope === event.scope).length,
      )
      if (mode === 'separate') expect(perEvent.every((n) => n === 1)).toBe(true)
      else expect(perEvent.every((n) => n >= 2)).toBe(true)

      const stored = await ctx.db.execute<{ scope: string; resource: string; resource_id: number }>(
        sql`select scope, resource, resource_id::int as resource_id from bigcommerce.webhook_events order by id`,
      )
      expect(stored.map((r) => [r.scope, r.resource, r.resource_id]).sort()).toEqual(
        cases.map(([event, table, id]) => [event.scope, table, id]).sort(),
      )
      const summary = await processBatch({
        db: ctx.db,
        client: clientFor(sim).client,
        storeHash: sim.storeHash,
      })
      expect(summary).toMatchObject({ claimed: cases.length, ignored: 0, retried: 0, failed: 0 })
      for (const [, table, id] of cases) {
        const [row] = await ctx.db.execute<{ data: Record<string, unknown> }>(
          sql`select data from ${sql.raw(`bigcommerce.${table}`)} where store_hash = ${sim.storeHash} and id = ${id}`,
        )
        const record = sim.store.get(table as 'orders', id)
        // Orders are read with their consignments embedded.
        const want = !record
          ? undefined
          : table === 'orders'
            ? sim.store.renderOrderWithConsignments(record)
            : sim.store.render(table as 'orders', record)
        expect(row?.data).toEqual(want)
      }
    })
  }
})
