// Orders with their line items, shipping addresses and applied coupons: backfill, edits arriving by
// sweep and by webhook, deletion, the per-order fallback when the store ignores include, paged
// /products, and webhook refetches read as id ranges. The simulated store over real HTTP, on every
// database.
import { sql } from 'drizzle-orm'
import { afterEach, expect, it } from 'vitest'
import { formatSummary } from '../../cli/sync-output.ts'
import { deleteRows } from '../../src/db/write.ts'
import { insertEvents } from '../../src/sync/events/inbox.ts'
import { runSync } from '../../src/sync/sweeps/sweep.ts'
import { processBatch } from '../../src/sync/events/event-worker.ts'
import type { Database } from '../../src/db/database.ts'
import { allLines, type SimEvent, type SimStore } from '../../src/sim/index.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { CHILD_KINDS, compareOrderChildren, mirrorChildren } from '../support/order-children.ts'
import { clientFor, listedByStore, startStore, storeRows } from './support.ts'

let sim: SimStore | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

async function expectChildrenEqualStore(db: Database, store: SimStore) {
  const differing = await compareOrderChildren(db, store)
  for (const kind of CHILD_KINDS) {
    const orders = differing.filter((d) => d.kind === kind).map((d) => d.orderId)
    expect({ kind, differing: orders.slice(0, 5) }).toEqual({ kind, differing: [] })
  }
}

/** The edits of the issue, on five orders; returns the orders touched. */
function editOrders(store: SimStore) {
  const withLines = store.store
    .byId('orders')
    .filter((r) => allLines(store.store.orderChildren(r.id)).length >= 2)
  const noCoupon = store.store
    .byId('orders')
    .filter((r) => store.store.orderChildren(r.id).coupons.length === 0)
  const withCoupon = store.store
    .byId('orders')
    .filter((r) => store.store.orderChildren(r.id).coupons.length > 0)
  const [a, b, c] = withLines.map((r) => r.id)
  const d = noCoupon.map((r) => r.id).find((id) => id !== a && id !== b && id !== c)
  const e = withCoupon.map((r) => r.id).find((id) => id !== a && id !== b && id !== c)
  if (!a || !b || !c || !d || !e) throw new Error('test store lacks the orders it needs')
  const firstLine = (id: number) => Number(allLines(store.store.orderChildren(id))[0]?.id)
  store.store.editLineQuantity(a, firstLine(a), 9)
  store.store.removeLine(b, firstLine(b))
  store.store.addLine(c)
  store.store.addCoupon(d, { code: 'SPRING', discount: 5 })
  const applied = Number(store.store.orderChildren(e).coupons[0]?.id)
  store.store.removeCoupon(e, applied)
  return [a, b, c, d, e]
}

let hashes = 0
async function deliver(db: Database, storeHash: string, events: SimEvent[]) {
  await insertEvents(
    db,
    storeHash,
    events.map((event) => ({
      hash: `h${++hashes}`,
      scope: event.scope,
      resource: 'orders' as const,
      resourceId: Number(event.data.id),
      payload: event,
    })),
  )
}

describeEachDatabase('order children', (ctx) => {
  it('a backfill mirrors line items, addresses and coupons of every consignment kind, at no request per order for items and addresses', async () => {
    sim = await startStore({ storeHash: 'kids', data: { seed: 11, counts: { orders: 600 } } })
    const { client, events } = clientFor(sim)
    const summary = await runSync(
      { db: ctx.db, client, storeHash: 'kids', clientEvents: events },
      { tables: ['orders'] },
    )
    expect(summary.ok).toBe(true)
    await expectChildrenEqualStore(ctx.db, sim)
    const orders = summary.tables.orders
    expect(orders?.children).toMatchObject({
      productRequests: 0,
      addressRequests: 0,
      fallbackOrders: 0,
    })
    // Orders the list shows (not Incomplete ones) that carry a coupon discount.
    const discounted = sim.store
      .byId('orders')
      .filter((r) => listedByStore(sim!, 'orders', r))
      .filter((r) => sim?.store.orderChildren(r.id).coupons.length)
    expect(discounted.length).toBeGreaterThan(50)
    expect(orders?.children?.couponRequests).toBe(discounted.length)
    expect(orders?.notes).toBeUndefined()
    // Every kind is there: lines shipped to an address, picked up, downloaded, gift certificates.
    const kinds = await ctx.db.execute<{ type: string; shipped: boolean; n: number }>(sql`
      select type, order_address_id is not null as shipped, count(*)::int as n
      from bigcommerce.order_products where store_hash = 'kids' group by 1, 2 order by 1, 2`)
    expect(kinds.map((k) => `${k.type}:${k.shipped}`)).toEqual([
      'digital:false',
      'giftcertificate:false',
      'physical:false',
      'physical:true',
    ])
    // Line items join to the address they ship to.
    const [orphans] = await ctx.db.execute<{ n: number }>(sql`
      select count(*)::int as n from bigcommerce.order_products p
      where p.store_hash = 'kids' and p.order_address_id is not null and not exists (
        select 1 from bigcommerce.order_shipping_addresses s
        where s.store_hash = p.store_hash and s.order_id = p.order_id and s.id = p.order_address_id)`)
    expect(orphans?.n).toBe(0)
    // A second run with nothing changed reads no coupon again.
    const again = await runSync(
      { db: ctx.db, client, storeHash: 'kids', clientEvents: events },
      { tables: ['orders'] },
    )
    expect(again.tables.orders?.children?.couponRequests).toBe(0)
  })

  it('an edited quantity, a removed and an added line, an added and a removed coupon arrive by sweep', async () => {
    sim = await startStore({ storeHash: 'edits', data: { seed: 12, counts: { orders: 200 } } })
    const { client } = clientFor(sim)
    await runSync({ db: ctx.db, client, storeHash: 'edits' }, { tables: ['orders'] })
    const touched = editOrders(sim)
    const before = await mirrorChildren(ctx.db, 'edits')
    const summary = await runSync(
      { db: ctx.db, client, storeHash: 'edits' },
      { tables: ['orders'] },
    )
    expect(summary.ok).toBe(true)
    await expectChildrenEqualStore(ctx.db, sim)
    const after = await mirrorChildren(ctx.db, 'edits')
    const [a, b, c, d, e] = touched as [number, number, number, number, number]
    expect(after.lines.get(a)).not.toEqual(before.lines.get(a))
    expect(after.lines.get(b)?.length).toBe((before.lines.get(b)?.length ?? 0) - 1)
    expect(after.lines.get(c)?.length).toBe((before.lines.get(c)?.length ?? 0) + 1)
    expect(after.coupons.get(d)?.[0]).toMatch(/:SPRING:5\.0000$/)
    expect(before.coupons.get(e)?.length).toBe(1)
    expect(after.coupons.get(e)).toBeUndefined()
  })

  it('the same edits arrive by webhook; a burst of close ids is read as one range', async () => {
    sim = await startStore({ storeHash: 'hooks', data: { seed: 13, counts: { orders: 200 } } })
    const { client } = clientFor(sim)
    await runSync({ db: ctx.db, client, storeHash: 'hooks' }, { tables: ['orders'] })
    const events: SimEvent[] = []
    sim.store.onEvent((event) => events.push(event))
    editOrders(sim)
    sim.resetStats()
    await deliver(ctx.db, 'hooks', events)
    const batch = await processBatch({ db: ctx.db, client, storeHash: 'hooks' })
    expect(batch?.tables.orders).toMatchObject({ ids: 5, written: 5 })
    await expectChildrenEqualStore(ctx.db, sim)
    // Five ids within 250 of each other: one range read; coupons only for orders that have some.
    expect(sim.stats.byPath['GET /v2/orders']).toBe(1)
    expect(sim.stats.byPath['GET /v2/orders/:id']).toBeUndefined()
    expect(sim.stats.byPath['GET /v2/orders/:id/products']).toBeUndefined()
    // The batch's summary (the worker's log line) counts the child requests it spent.
    expect(batch?.tables.orders?.children).toEqual({
      fallbackOrders: 0,
      completedOrders: 0,
      productRequests: 0,
      addressRequests: 0,
      couponRequests: sim.stats.byPath['GET /v2/orders/:id/coupons'] ?? 0,
      unreadable: 0,
    })
    expect(batch?.tables.orders?.children?.couponRequests).toBeGreaterThan(0)
  })

  it('webhook refetches read close ids as ranges and far ones alone; an id a range leaves out is read alone', async () => {
    sim = await startStore({ storeHash: 'ranges', data: { seed: 14, counts: { orders: 2000 } } })
    const { client } = clientFor(sim)
    // Ids 1..600 (three ranges), 1500 and 1900 (alone), and 601, which the store no longer has.
    const ids = [...Array.from({ length: 600 }, (_, i) => i + 1), 1500, 1900, 601]
    sim.store.delete('orders', 601)
    await deliver(
      ctx.db,
      'ranges',
      ids.map((id) => ({ scope: 'store/order/updated', data: { type: 'order', id } })),
    )
    const batch = await processBatch({ db: ctx.db, client, storeHash: 'ranges' })
    expect(batch?.tables.orders).toMatchObject({ ids: 603, written: 602 })
    expect(sim.stats.byPath['GET /v2/orders']).toBe(3)
    // 1500, 1900 and 601, and each Incomplete order of the ranges, which their list leaves out.
    const incomplete = ids
      .filter((id) => id <= 600)
      .filter((id) => sim?.store.fieldsOf('orders', sim.store.get('orders', id)!).status_id === 0)
    expect(sim.stats.byPath['GET /v2/orders/:id']).toBe(3 + incomplete.length)
    const [held] = await ctx.db.execute<{ n: number }>(
      sql`select count(*)::int as n from bigcommerce.order_products where store_hash = 'ranges'`,
    )
    expect(held?.n).toBeGreaterThan(600)
  })

  it('deleting an order deletes its children', async () => {
    sim = await startStore({ storeHash: 'gone', data: { seed: 15, counts: { orders: 100 } } })
    const { client } = clientFor(sim)
    await runSync({ db: ctx.db, client, storeHash: 'gone' }, { tables: ['orders'] })
    const victim =
      sim.store.byId('orders').find((r) => sim?.store.orderChildren(r.id).coupons.length)?.id ?? 0
    sim.store.delete('orders', victim)
    const count = async (id: number) => {
      const [r] = await ctx.db.execute<{ n: number }>(sql`
        select (select count(*) from bigcommerce.order_products where store_hash = 'gone' and order_id = ${id})
             + (select count(*) from bigcommerce.order_shipping_addresses where store_hash = 'gone' and order_id = ${id})
             + (select count(*) from bigcommerce.order_coupons where store_hash = 'gone' and order_id = ${id}) as n`)
      return Number(r?.n)
    }
    expect(await count(victim)).toBeGreaterThan(1)
    const full = await runSync(
      { db: ctx.db, client, storeHash: 'gone' },
      { tables: ['orders'], full: true },
    )
    expect(full.tables.orders?.deleted).toBe(1)
    expect(await count(victim)).toBe(0)
    await expectChildrenEqualStore(ctx.db, sim)
    // The write path's own delete does the same.
    const other = sim.store.byId('orders')[0]?.id ?? 0
    expect(await count(other)).toBeGreaterThan(0)
    await deleteRows(ctx.db, 'orders', 'gone', [other])
    expect(await count(other)).toBe(0)
  })

  it('falls back to the per-order endpoints when the list ignores include, says so, and pages /products', async () => {
    sim = await startStore({
      storeHash: 'nofill',
      orderListIgnoresInclude: true,
      data: { seed: 16, counts: { orders: 150 } },
    })
    const { client } = clientFor(sim)
    // One order with more line items than a page of /products holds.
    sim.store.clock.set(Date.now() - 60_000)
    for (let i = 0; i < 260; i++) sim.store.addLine(7)
    sim.store.clock.useRealTime()
    const summary = await runSync(
      { db: ctx.db, client, storeHash: 'nofill' },
      { tables: ['orders'] },
    )
    expect(summary.ok).toBe(true)
    await expectChildrenEqualStore(ctx.db, sim)
    const orders = summary.tables.orders
    // Every order the list shows (not Incomplete ones); /products answers 50 a page, so order 7
    // takes every full page and one short (or empty) one.
    const listed = storeRows(sim, 'orders').size
    const pagesOf7 = Math.floor(sim.store.orderChildren(7).lines.length / 50) + 1
    expect(pagesOf7).toBe(6)
    expect(orders?.children).toMatchObject({
      fallbackOrders: listed,
      productRequests: listed - 1 + pagesOf7,
      addressRequests: listed,
    })
    expect(orders?.notes?.[0]).toMatch(/include ignored/)
    expect(formatSummary(summary)).toMatch(
      new RegExp(`^orders: the store sent consignments as a link .*of ${listed} orders`, 'm'),
    )
    expect(sim.stats.byPath['GET /v2/orders/:id/products']).toBe(listed - 1 + pagesOf7)
    // Nothing changed: the next run reads no order's children again.
    const again = await runSync({ db: ctx.db, client, storeHash: 'nofill' }, { tables: ['orders'] })
    expect(again.tables.orders?.children).toMatchObject({ fallbackOrders: 0, couponRequests: 0 })
    // An edit now arrives through the fallback too.
    editOrders(sim)
    const third = await runSync({ db: ctx.db, client, storeHash: 'nofill' }, { tables: ['orders'] })
    expect(third.tables.orders?.children?.fallbackOrders).toBe(5)
    await expectChildrenEqualStore(ctx.db, sim)
  })

  it('keys address rows by the shipping address id whether a consignment has that id or its own', async () => {
    sim = await startStore({
      storeHash: 'ownid',
      consignmentIds: 'own',
      data: { seed: 17, counts: { orders: 120 } },
    })
    const { client } = clientFor(sim)
    await runSync({ db: ctx.db, client, storeHash: 'ownid' }, { tables: ['orders'] })
    await expectChildrenEqualStore(ctx.db, sim)
    const [ids] = await ctx.db.execute<{ own: number; total: number }>(sql`
      select count(*) filter (where consignment_id <> id)::int as own, count(*)::int as total
      from bigcommerce.order_shipping_addresses where store_hash = 'ownid'`)
    expect(ids?.total).toBeGreaterThan(50)
    expect(ids?.own).toBe(ids?.total)
  })
})
