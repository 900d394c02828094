// Sweeps end to end: the simulated store over real HTTP, the real guarded write path, on every
// database. The store changes between page requests to prove that no row is lost to paging.
import { sql } from 'drizzle-orm'
import { afterEach, expect, it } from 'vitest'
import { runSync, SyncBusyError } from '../../src/sync/sweeps/sweep.ts'
import { describeEachDatabase } from '../support/databases.ts'
import type { SimStore } from '../../src/sim/index.ts'
import { clientFor, expectMirrorEqualsStore, mirrorRows, startStore, storeRows } from './support.ts'

const ALL = ['coupons', 'customers', 'orders', 'products'] as const
const DAY = 86_400_000
let sim: SimStore | undefined

afterEach(async () => {
  await sim?.close()
  sim = undefined
})

describeEachDatabase('sync', (ctx) => {
  it('a backfill makes the mirror equal to the store, then an incremental run re-reads only its window', async () => {
    sim = await startStore({
      storeHash: 'fill',
      data: { seed: 1, counts: { coupons: 300, customers: 700, orders: 900, products: 600 } },
    })
    const { client, events } = clientFor(sim)
    const sync = { db: ctx.db, client, storeHash: sim.storeHash, clientEvents: events }

    const first = await runSync(sync)
    expect(first.ok).toBe(true)
    await expectMirrorEqualsStore(ctx.db, sim, [...ALL])
    // Every order the list shows: Incomplete ones are left out unless asked for.
    expect(first.tables.orders).toMatchObject({
      status: 'completed',
      fetched: expect.any(Number),
      upserted: storeRows(sim, 'orders').size,
    })

    // Changes: updates, creates, a same-second burst, an archived order, deleted coupons, all
    // stamped two seconds ago on the store's clock (a row stamped after a run starts comes with the
    // next run).
    sim.clock.set(Date.now() - 2000)
    for (const id of [5, 50, 500]) sim.store.update('products', id, { name: `changed ${id}` })
    sim.store.update('customers', 7, { first_name: 'Changed' })
    for (let i = 0; i < 30; i++) sim.store.create('orders', {})
    sim.store.archiveOrder(3)
    sim.store.delete('coupons', 10)
    sim.store.delete('coupons', 11)
    sim.clock.useRealTime()
    sim.resetStats()

    const second = await runSync(sync)
    expect(second.ok).toBe(true)
    await expectMirrorEqualsStore(ctx.db, sim, [...ALL])
    expect(second.tables.coupons?.deleted).toBe(2)
    const [archived] = await ctx.db.execute<{ is_deleted: boolean; flag: string }>(
      sql`select is_deleted, data->>'is_deleted' as flag from bigcommerce.orders where store_hash = 'fill' and id = 3`,
    )
    expect(archived).toEqual({ is_deleted: true, flag: 'true' })
    // Only the window since the cursor (minus the overlap) was read: one page per dated table,
    // plus the orders count, plus the two coupon pages, their count, one request past the short
    // last page (the coupon count cannot say whether it ended the list), and one request asking
    // for the two unseen coupons by id before they are deleted.
    expect(second.tables.products?.requests).toBe(1)
    expect(second.tables.customers?.requests).toBe(1)
    // Orders: the page and its count; line items and addresses came embedded, and coupons were
    // read only for the changed orders that have a coupon discount.
    const changed = sim.store.byId('orders').filter((r) => r.id > 900 || r.id === 3)
    const withCoupons = changed.filter(
      (r) => Number(sim?.store.fieldsOf('orders', r).coupon_discount) > 0,
    )
    expect(second.tables.orders?.children).toMatchObject({
      couponRequests: withCoupons.length,
      productRequests: 0,
      addressRequests: 0,
      fallbackOrders: 0,
    })
    expect(second.tables.orders?.requests).toBe(2 + withCoupons.length)
    expect(second.tables.coupons?.requests).toBeLessThanOrEqual(5)
  })

  it('honours the start date: rows last modified before it are not mirrored', async () => {
    const start = new Date(Date.now() - 100 * DAY)
    sim = await startStore({
      storeHash: 'start',
      data: { seed: 2, counts: { customers: 400, orders: 400, products: 400, coupons: 20 } },
    })
    const { client } = clientFor(sim)
    const summary = await runSync({ db: ctx.db, client, storeHash: 'start', startDate: start })
    expect(summary.ok).toBe(true)
    await expectMirrorEqualsStore(ctx.db, sim, ['customers', 'orders', 'products'], start)
    const all = await mirrorRows(ctx.db, 'orders', 'start')
    expect(all.size).toBeLessThan(400)
    expect(all.size).toBeGreaterThan(0)
  })

  it('loses no row when rows on earlier pages leave the window between page requests', async () => {
    // 1,000 rows a table: four pages of 250 each, so rows leave the window between pages three
    // times a table or more (an offset pager would lose one row each time).
    const count = 1000
    sim = await startStore({
      storeHash: 'shift',
      data: { seed: 3, counts: { products: count, orders: count, customers: count } },
    })
    const { client } = clientFor(sim)
    const original = new Map(
      ['products', 'orders', 'customers'].map((t) => [
        t,
        sim!.store.byModified(t as 'products').map((r) => r.id),
      ]),
    )
    let requests = 0
    const touched = new Set<string>()
    // Before every list request, modify the oldest untouched row of that table: it moves past the
    // frozen upper bound, and every row after it shifts one place up.
    sim.setOptions({
      onRequest: ({ path }) => {
        // List requests only: an order's coupons are read per order, and are not a list page.
        const table = path.includes('/catalog/products')
          ? 'products'
          : path.includes('/customers')
            ? 'customers'
            : /^\/v2\/orders(\/count)?$/.test(path)
              ? 'orders'
              : null
        if (!table || !sim) return
        requests += 1
        const victim = original.get(table)?.find((id) => !touched.has(`${table}:${id}`))
        if (victim === undefined) return
        touched.add(`${table}:${victim}`)
        sim.clock.set(Date.now() + 5000)
        sim.store.update(table as 'products', victim, { notes: 'moved' })
        sim.clock.useRealTime()
      },
    })
    const summary = await runSync(
      { db: ctx.db, client, storeHash: 'shift', concurrency: 8 },
      { tables: ['products', 'orders', 'customers'] },
    )
    expect(summary.ok).toBe(true)
    expect(requests).toBeGreaterThan(12)
    // Every row that was not modified during the run is in the mirror.
    for (const table of ['products', 'orders', 'customers'] as const) {
      const mirror = await mirrorRows(ctx.db, table, 'shift')
      const listed = storeRows(sim, table)
      const untouched = (original.get(table) ?? []).filter(
        (id) => !touched.has(`${table}:${id}`) && listed.has(id),
      )
      expect(untouched.length).toBeGreaterThan(count - 100)
      expect(untouched.filter((id) => !mirror.has(id))).toEqual([])
    }
  })

  it('loses no row in same-second ties across page boundaries (a bulk import)', async () => {
    const at = new Date(Date.now() - 3 * DAY)
    sim = await startStore({
      storeHash: 'ties',
      data: {
        seed: 4,
        // 60% of each table in one second: 480, 420 and 360 rows, each more than a page of 250.
        counts: { products: 800, orders: 700, customers: 600 },
        bulkImport: { at, share: 0.6 },
      },
    })
    const { client } = clientFor(sim)
    const bulk = sim.store
      .byId('products')
      .filter((r) => r.modified === Math.floor(at.getTime() / 1000)).length
    expect(bulk).toBeGreaterThan(250)
    const summary = await runSync(
      { db: ctx.db, client, storeHash: 'ties', concurrency: 8 },
      { tables: ['products', 'orders', 'customers'] },
    )
    expect(summary.tables.customers?.error).toBeUndefined()
    expect(summary.ok).toBe(true)
    await expectMirrorEqualsStore(ctx.db, sim, ['products', 'orders', 'customers'])
  })

  it('--full deletes products and customers the store no longer has, keeps archived orders', async () => {
    sim = await startStore({
      storeHash: 'full',
      data: { seed: 5, counts: { products: 300, customers: 300, orders: 300 } },
    })
    const { client } = clientFor(sim)
    const sync = { db: ctx.db, client, storeHash: 'full' }
    expect((await runSync(sync)).ok).toBe(true)
    sim.store.delete('products', 12)
    sim.store.delete('customers', 13)
    sim.store.archiveOrder(14)
    const incremental = await runSync(sync)
    expect(incremental.tables.products?.deleted).toBe(0)
    const full = await runSync(sync, { full: true })
    expect(full.ok).toBe(true)
    expect(full.tables.products?.deleted).toBe(1)
    expect(full.tables.customers?.deleted).toBe(1)
    expect(full.tables.orders?.deleted).toBe(0)
    await expectMirrorEqualsStore(ctx.db, sim, ['products', 'customers', 'orders'])
    const gone = await ctx.db.execute<{ resource: string; id: number }>(
      sql`select resource, id::int as id from bigcommerce.deletions where store_hash = 'full' order by resource`,
    )
    expect(gone).toEqual([
      { resource: 'customers', id: 13 },
      { resource: 'products', id: 12 },
    ])
  })

  it('--since sweeps from that date without moving the cursor backwards', async () => {
    sim = await startStore({ storeHash: 'since', data: { seed: 6, counts: { products: 200 } } })
    const { client } = clientFor(sim)
    const sync = { db: ctx.db, client, storeHash: 'since' }
    await runSync(sync, { tables: ['products'] })
    const cursorOf = async () =>
      (
        await ctx.db.execute<{ c: string }>(
          sql`select cursor::text as c from bigcommerce.sync_state where store_hash = 'since' and table_name = 'products'`,
        )
      )[0]?.c
    const before = await cursorOf()
    const summary = await runSync(sync, {
      tables: ['products'],
      since: new Date(Date.now() - 30 * DAY),
    })
    expect(summary.ok).toBe(true)
    expect(summary.tables.products?.mode).toBe('since')
    expect(new Date(String(await cursorOf())).getTime()).toBeGreaterThanOrEqual(
      new Date(String(before)).getTime(),
    )
  })

  it('a second sync of the same store while one runs is refused at once', async () => {
    // Held open by latency, not by rows: 300 products (two pages, with their count and variant
    // reads) at 400 ms a request take over a second, long past the second sync's start at 30 ms.
    sim = await startStore({
      storeHash: 'busy',
      latencyMs: 400,
      data: { seed: 7, counts: { products: 300 } },
    })
    const { client } = clientFor(sim)
    const sync = { db: ctx.db, client, storeHash: 'busy' }
    const running = runSync(sync, { tables: ['products'] })
    await new Promise((r) => setTimeout(r, 30))
    await expect(runSync(sync, { tables: ['products'] })).rejects.toBeInstanceOf(SyncBusyError)
    const waited = runSync(sync, { tables: ['products'], wait: true })
    expect((await running).ok).toBe(true)
    expect((await waited).ok).toBe(true)
  })

  it('a failed table says why, and the others still complete', async () => {
    sim = await startStore({
      storeHash: 'scopes',
      tokens: {
        'sim-token': {
          scopes: [
            'store_v2_products_read_only',
            'store_v2_orders_read_only',
            'store_v2_marketing_read_only',
          ],
        },
      },
      data: { seed: 8, counts: { products: 50, customers: 50, orders: 50, coupons: 5 } },
    })
    const { client } = clientFor(sim)
    const summary = await runSync({ db: ctx.db, client, storeHash: 'scopes' })
    expect(summary.ok).toBe(false)
    expect(summary.tables.customers?.status).toBe('failed')
    expect(summary.tables.customers?.error).toMatch(/store_v2_customers_read_only/)
    expect(summary.tables.products?.status).toBe('completed')
    await expectMirrorEqualsStore(ctx.db, sim, ['products', 'orders', 'coupons'])
  })
})

describeEachDatabase('sync, the window end', (ctx) => {
  it('is one moment on the store clock for every table, however the clock moves during the run', async () => {
    sim = await startStore({
      storeHash: 'one-end',
      data: { seed: 9, counts: { customers: 40, orders: 40, products: 40 } },
    })
    const { client, events } = clientFor(sim)
    // A clock seen to move by a minute on every read: what answers arriving between one table's
    // plan and another's look like, at its worst.
    let reads = 0
    const drifting = {
      observe: client.apiClock.observe,
      offsetMs: () => 10 * 60_000 + 60_000 * reads++,
    }
    const sync = {
      db: ctx.db,
      client: { ...client, apiClock: drifting },
      storeHash: sim.storeHash,
      clientEvents: events,
    }
    const summary = await runSync(sync, { tables: ['customers', 'orders', 'products'] })
    expect(summary.ok).toBe(true)
    const ends = new Set(Object.values(summary.tables).map((t) => t?.window?.to))
    expect(ends.size).toBe(1)
    const [end] = [...ends]
    const expected = Date.parse(summary.startedAt) + 10 * 60_000
    expect(Math.abs(Date.parse(end ?? '') - expected)).toBeLessThan(1000)
  })
})
