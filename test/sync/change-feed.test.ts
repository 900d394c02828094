// The change feed end to end against the simulated store: a webhook delivery refetched by the
// event worker, and a sweep that writes and removes rows, are heard on LISTEN bigcommerce_mirror
// with their ids, by a listener that finds the rows (or their absence) when it looks.
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { createBigCommerceClient } from '../../src/bigcommerce/client.ts'
import type { Change } from '../../src/db/changes.ts'
import { createApp, WEBHOOK_PATH } from '../../src/http/app.ts'
import { startSimStore, type SimEvent, type SimStore } from '../../src/sim/index.ts'
import { processBatch } from '../../src/sync/events/event-worker.ts'
import { insertEvents } from '../../src/sync/events/inbox.ts'
import { runSync } from '../../src/sync/sweeps/sweep.ts'
import { collectChanges, type ChangeCollector } from '../support/changes.ts'
import { describeEachDatabase } from '../support/databases.ts'

const SECRET = 'change-feed-secret'

describeEachDatabase('change feed from deliveries and sweeps', (ctx) => {
  let sim: SimStore
  let feed: ChangeCollector
  const events: SimEvent[] = []
  // Per change heard: how many of its ids the listener found in the table right then.
  const seen: Array<{ change: Change; present: number }> = []

  beforeAll(async () => {
    sim = await startSimStore({
      quota: null,
      data: { counts: { orders: 5, products: 10, customers: 5, coupons: 6 } },
    })
    sim.store.onEvent((event) => events.push(event))
    feed = await collectChanges(ctx.db, async (change) => {
      const [row] = await ctx.db.execute<{ n: number }>(sql`
        select count(*)::int as n from ${sql.raw(`bigcommerce.${change.table}`)}
        where store_hash = ${change.store_hash} and id = any(${`{${change.ids.join(',')}}`}::bigint[])`)
      seen.push({ change, present: row?.n ?? 0 })
    })
  })
  afterAll(async () => {
    await feed.stop()
    await sim.close()
  })
  beforeEach(() => {
    feed.clear()
    seen.splice(0)
  })

  const client = () =>
    createBigCommerceClient({
      apiUrl: sim.url,
      storeHash: sim.storeHash,
      accessToken: sim.accessToken,
    })
  const sync = (tables: Array<'coupons' | 'products' | 'orders' | 'customers'>) =>
    runSync({ db: ctx.db, client: client(), storeHash: sim.storeHash }, { tables })

  async function deliver() {
    const app = createApp({
      storeHash: sim.storeHash,
      webhookSecret: SECRET,
      enqueue: (event) => insertEvents(ctx.db, sim.storeHash, [event]).then(() => undefined),
      checkHealth: async () => true,
    })
    for (const [n, event] of events.splice(0).entries()) {
      const body = JSON.stringify({
        ...event,
        hash: `feed-${Date.now()}-${n}`,
        producer: `stores/${sim.storeHash}`,
      })
      const response = await app.request(WEBHOOK_PATH, {
        method: 'POST',
        body,
        headers: { 'X-Webhook-Secret': SECRET },
      })
      expect(response.status).toBe(200)
    }
  }

  it('a sweep announces the rows it wrote, and the listener finds each of them', async () => {
    await sync(['products', 'coupons'])
    await feed.settle()
    const products = seen.filter((s) => s.change.table === 'products')
    const ids = products.flatMap((s) => s.change.ids).sort((a, b) => a - b)
    expect(ids).toEqual(
      sim.store
        .byId('products')
        .map((r) => r.id)
        .sort((a, b) => a - b),
    )
    expect(seen.every((s) => s.change.op === 'upsert' && s.present === s.change.ids.length)).toBe(
      true,
    )
  })

  it('a delivery refetched by the event worker announces that row after its commit', async () => {
    const [first] = sim.store.byId('products')
    if (!first) throw new Error('the simulated store has no products')
    sim.store.update('products', first.id, { name: 'Renamed for the feed' })
    const delivered = [...events]
    expect(delivered).toHaveLength(1)
    await deliver()
    await processBatch({ db: ctx.db, client: client(), storeHash: sim.storeHash })
    const heard = await feed.until((c) => c.table === 'products' && c.ids.includes(first.id))
    expect(heard).toEqual({
      store_hash: sim.storeHash,
      table: 'products',
      op: 'upsert',
      ids: [first.id],
    })
    expect(seen.find((s) => s.change === heard)?.present).toBe(1)
    // The same delivery again: its refetch finds the row as stored, changes nothing, announces nothing.
    events.push(...delivered)
    await deliver()
    expect(
      await processBatch({ db: ctx.db, client: client(), storeHash: sim.storeHash }),
    ).toMatchObject({
      claimed: 1,
      tables: { products: { written: 0 } },
    })
    feed.clear()
    await feed.settle()
    expect(feed.changes).toEqual([])
  })

  it('a deletion confirmed by the event worker, and a coupon gone from a full sweep, announce delete', async () => {
    const [product] = sim.store.byId('products')
    const [coupon] = sim.store.byId('coupons')
    if (!product || !coupon) throw new Error('the simulated store has no products or coupons')
    sim.store.delete('products', product.id)
    await deliver()
    await processBatch({ db: ctx.db, client: client(), storeHash: sim.storeHash })
    sim.store.delete('coupons', coupon.id)
    events.splice(0)
    await sync(['coupons'])
    await feed.settle()
    const deletes = seen.filter((s) => s.change.op === 'delete')
    expect(deletes.map((s) => `${s.change.table} ${s.change.ids.join(',')} ${s.present}`)).toEqual([
      `products ${product.id} 0`,
      `coupons ${coupon.id} 0`,
    ])
  })
})
