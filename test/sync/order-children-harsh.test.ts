// Orders' children against a store as harsh as BigCommerce's specs allow (docs/bigcommerce-api.md,
// "Orders' children" and "Reads by id"): sub-lists of 50 a page whatever limit asks, consignments
// that embed at most 50 line items, line items as links or missing, sub-lists that answer no
// list, and single reads that answer 204 or an empty 200. The simulated store over real HTTP, on
// every database.
import { sql } from 'drizzle-orm'
import { afterEach, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.ts'
import { processBatch } from '../../src/sync/events/event-worker.ts'
import { insertEvents } from '../../src/sync/events/inbox.ts'
import { runSync } from '../../src/sync/sweeps/sweep.ts'
import type { SimStore, SimStoreOptions } from '../../src/sim/index.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { compareOrderChildren, mirrorChildren } from '../support/order-children.ts'
import { clientFor, startStore, storeRows } from './support.ts'

let sim: SimStore | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

const RETRY_NOW = { maxAttempts: 5, baseDelayMs: 0, maxDelayMs: 0 }

async function start(storeHash: string, options: SimStoreOptions = {}) {
  sim = await startStore({ storeHash, data: { seed: 31, counts: { orders: 40 } }, ...options })
  return { sim, ...clientFor(sim) }
}

/**
 * Gives order `id` this many line items (with `inFirst`: this many in the consignment that new
 * lines go to), before the store's current time.
 */
function growOrder(store: SimStore, id: number, lines: number, inFirst = false) {
  const count = () => {
    const children = store.store.orderChildren(id)
    const kind = children.addresses.length > 0 ? 'shipping' : 'pickup'
    const first = children.lines.filter((l) => l.kind === kind && l.slot === 0)
    return inFirst ? first.length : children.lines.length
  }
  store.clock.set(Date.now() - 60_000)
  while (count() < lines) store.store.addLine(id)
  store.clock.useRealTime()
}

async function expectMirrorEqualsStore(db: Database, store: SimStore) {
  const differing = await compareOrderChildren(db, store)
  expect(differing.map((d) => `${d.kind}:${d.orderId}`)).toEqual([])
}

let hashes = 0
async function deliverUpdates(db: Database, storeHash: string, ids: number[]) {
  await insertEvents(
    db,
    storeHash,
    ids.map((id) => ({
      hash: `harsh${++hashes}`,
      scope: 'store/order/updated',
      resource: 'orders' as const,
      resourceId: id,
      payload: { scope: 'store/order/updated', data: { type: 'order', id } },
    })),
  )
}

async function rejectedOrders(db: Database, storeHash: string) {
  const rows = await db.execute<{ id: number; reason: string }>(sql`
    select id::float8 as id, reason from bigcommerce.rejected_rows
    where store_hash = ${storeHash} and resource = 'orders' order by id`)
  return rows.map((r) => ({ id: Number(r.id), reason: r.reason }))
}

describeEachDatabase('order children on a harsh store', (ctx) => {
  it('mirrors an order of 73 lines and one of exactly 50 whole by sweep, completing capped consignments through /products', async () => {
    const { sim, client } = await start('cap')
    growOrder(sim, 5, 73)
    // Order 6: one consignment holds exactly the cap; its quantities add up.
    growOrder(sim, 6, 50, true)
    const total6 = sim.store.orderChildren(6).lines.length
    expect(total6).toBeLessThan(100)
    const summary = await runSync({ db: ctx.db, client, storeHash: 'cap' }, { tables: ['orders'] })
    expect(summary.ok).toBe(true)
    await expectMirrorEqualsStore(ctx.db, sim)
    const lines = await mirrorChildren(ctx.db, 'cap')
    expect(lines.lines.get(5)?.length).toBe(73)
    expect(lines.lines.get(6)?.length).toBe(total6)
    // Per cut order: 50 + 23 (order 5), 50 + a short page (order 6). No other order pays.
    expect(summary.tables.orders?.children).toMatchObject({
      completedOrders: 2,
      productRequests: 4,
      fallbackOrders: 0,
    })
    expect(sim.stats.byPath['GET /v2/orders/:id/products']).toBe(4)
    expect(summary.tables.orders?.notes?.join('\n')).toMatch(/2 orders may have been cut/)
    // Unchanged since: the next run reads no line item again.
    const again = await runSync({ db: ctx.db, client, storeHash: 'cap' }, { tables: ['orders'] })
    expect(again.tables.orders?.children?.productRequests).toBe(0)
  })

  it('on the kinder reading (nothing capped) reads no line item per order', async () => {
    const { sim, client } = await start('kind', {
      embeddedLineItemCap: null,
      orderSubListPageCap: null,
    })
    growOrder(sim, 5, 73)
    const summary = await runSync({ db: ctx.db, client, storeHash: 'kind' }, { tables: ['orders'] })
    expect(summary.ok).toBe(true)
    await expectMirrorEqualsStore(ctx.db, sim)
    expect((await mirrorChildren(ctx.db, 'kind')).lines.get(5)?.length).toBe(73)
    expect(summary.tables.orders?.children).toMatchObject({
      completedOrders: 0,
      productRequests: 0,
    })
  })

  it('mirrors an order grown to 73 lines whole by webhook, and heals lines an earlier read cut', async () => {
    const { sim, client } = await start('hook')
    await runSync({ db: ctx.db, client, storeHash: 'hook' }, { tables: ['orders'] })
    growOrder(sim, 30, 73)
    sim.resetStats()
    await deliverUpdates(ctx.db, 'hook', [30])
    const batch = await processBatch({ db: ctx.db, client, storeHash: 'hook' })
    expect(batch?.tables.orders).toMatchObject({ ids: 1, written: 1 })
    expect(batch?.tables.orders?.children).toMatchObject({ completedOrders: 1, productRequests: 2 })
    expect(sim.stats.byPath['GET /v2/orders/:id']).toBe(1)
    await expectMirrorEqualsStore(ctx.db, sim)
    // Lines stored short of items_total (as the mirror kept them before it checked) are read
    // again even though the order did not change.
    await ctx.db.execute(sql`
      delete from bigcommerce.order_products where store_hash = 'hook' and order_id = 30
        and id in (select id from bigcommerce.order_products
          where store_hash = 'hook' and order_id = 30 order by id desc limit 23)`)
    await deliverUpdates(ctx.db, 'hook', [30])
    await processBatch({ db: ctx.db, client, storeHash: 'hook' })
    expect((await mirrorChildren(ctx.db, 'hook')).lines.get(30)?.length).toBe(73)
  })

  it('reads line items that came as links, or not at all, through /products: never "no lines"', async () => {
    for (const form of ['links', 'absent'] as const) {
      const storeHash = `form-${form}`
      const { sim, client } = await start(storeHash, { consignmentLineItems: form })
      growOrder(sim, 8, 60)
      const summary = await runSync({ db: ctx.db, client, storeHash }, { tables: ['orders'] })
      expect(summary.ok).toBe(true)
      await expectMirrorEqualsStore(ctx.db, sim)
      // One request an order the list shows (not Incomplete ones), two for the order of 60 lines.
      const listed = storeRows(sim, 'orders').size
      expect(listed).toBeGreaterThan(30)
      expect(summary.tables.orders?.children).toMatchObject({
        completedOrders: listed,
        productRequests: listed + 1,
        unreadable: 0,
      })
      await sim.close()
    }
    sim = undefined
  })

  it('sets aside an order whose /products answers no list, or nothing while it counts items; the rest go on, and it is read again', async () => {
    const { sim, client } = await start('odd', { consignmentLineItems: 'links' })
    const sync = () => runSync({ db: ctx.db, client, storeHash: 'odd' }, { tables: ['orders'] })
    await sync()
    const before = await mirrorChildren(ctx.db, 'odd')
    const storedAt = async (id: number) => {
      const [row] = await ctx.db.execute<{ dm: string }>(sql`
        select date_modified::text as dm from bigcommerce.orders where store_hash = 'odd' and id = ${id}`)
      return row?.dm
    }
    const held = { 3: await storedAt(3), 4: await storedAt(4) }
    for (const id of [3, 4, 5]) sim.store.addLine(id)
    sim.injectFaults(
      { path: '/v2/orders/3/products', answer: 'empty-object', times: 'always' },
      { path: '/v2/orders/4/products', answer: 'no-content', times: 'always' },
    )
    const summary = await sync()
    expect(summary.ok).toBe(true)
    expect(summary.tables.orders?.children?.unreadable).toBe(2)
    expect(summary.tables.orders?.notes?.join('\n')).toMatch(/2 orders were set aside/)
    const rejected = await rejectedOrders(ctx.db, 'odd')
    expect(rejected.map((r) => r.id)).toEqual([3, 4])
    expect(rejected[0]?.reason).toMatch(/products answered with something that is not a list/)
    expect(rejected[1]?.reason).toMatch(/no line items, while the order's items_total is \d+/)
    // Neither the orders nor their children were replaced; order 5 was.
    const after = await mirrorChildren(ctx.db, 'odd')
    expect({ 3: await storedAt(3), 4: await storedAt(4) }).toEqual(held)
    expect(after.lines.get(3)).toEqual(before.lines.get(3))
    expect(after.lines.get(4)).toEqual(before.lines.get(4))
    expect(after.lines.get(5)?.length).toBe((before.lines.get(5)?.length ?? 0) + 1)
    // The webhook worker retries them while the answer stays odd ...
    await deliverUpdates(ctx.db, 'odd', [3, 4])
    const batch = await processBatch({ db: ctx.db, client, storeHash: 'odd' }, { retry: RETRY_NOW })
    expect(batch).toMatchObject({ retried: 2 })
    // ... and mirrors them once it is a list again.
    sim.clearFaults()
    await processBatch({ db: ctx.db, client, storeHash: 'odd' }, { retry: RETRY_NOW })
    await expectMirrorEqualsStore(ctx.db, sim)
    expect(await rejectedOrders(ctx.db, 'odd')).toEqual([])
  })

  it('a single order read answering 204, then an empty 200, deletes nothing and is read again', async () => {
    const { sim, client } = await start('single')
    await runSync({ db: ctx.db, client, storeHash: 'single' }, { tables: ['orders'] })
    sim.injectFaults(
      { path: /^\/v2\/orders\/9$/, answer: 'no-content' },
      { path: /^\/v2\/orders\/9$/, answer: 'empty-body' },
    )
    await deliverUpdates(ctx.db, 'single', [9])
    const options = { retry: RETRY_NOW, confirmDelayMs: 0 }
    const worker = { db: ctx.db, client, storeHash: 'single' }
    const first = await processBatch(worker, options)
    const second = await processBatch(worker, options)
    expect(first?.tables.orders).toMatchObject({ deleted: 0, unanswered: 1 })
    expect(second?.tables.orders).toMatchObject({ deleted: 0, unanswered: 1 })
    expect(sim.pendingFaults()).toBe(0)
    const [gone] = await ctx.db.execute<{ n: number }>(sql`
      select (select count(*) from bigcommerce.deletions where store_hash = 'single')
        + (select count(*) from bigcommerce.orders where store_hash = 'single' and id = 9) * 100 as n`)
    expect(Number(gone?.n)).toBe(100)
    // The third read answers the order: done.
    const third = await processBatch(worker, options)
    expect(third?.tables.orders).toMatchObject({ written: 0, unchanged: 1, deleted: 0 })
  })
})
