// The mirror against the simulated store's harsher readings (docs/bigcommerce-api.md "The orders
// listing and its count", "Clocks, date bounds and ordering", "The request quota"), over real
// HTTP on both databases: Incomplete orders the list leaves out, archived orders it may leave out,
// a store clock 15 minutes off this machine's, exclusive and inclusive date bounds at a window's
// edges, rows sharing a second in another order per request, and another app spending the quota.
import { afterEach, expect, it } from 'vitest'
import { checkStoreAccess } from '../../src/bigcommerce/preflight.ts'
import type { SimStore } from '../../src/sim/index.ts'
import { readStatus } from '../../src/sync/status/status.ts'
import { runSync, type SyncContext } from '../../src/sync/sweeps/sweep.ts'
import { verifyMirror } from '../../src/sync/sweeps/verify.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { clientFor, expectMirrorEqualsStore, mirrorRows, startStore, storeRows } from './support.ts'

const DATED = ['customers', 'orders', 'products'] as const
let sim: SimStore | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

/** A sync context with a fresh client that has asked the store once, as `bc-mirror sync` does. */
async function freshContext(db: SyncContext['db'], store: SimStore): Promise<SyncContext> {
  const { client, events } = clientFor(store)
  await checkStoreAccess(client)
  return { db, client, storeHash: store.storeHash, clientEvents: events }
}

const incompleteIds = (store: SimStore) =>
  store.store
    .byId('orders')
    .filter((r) => store.store.fieldsOf('orders', r).status_id === 0)
    .map((r) => r.id)

describeEachDatabase('the mirror against a harsher store', (ctx) => {
  it('a store with Incomplete orders: --full completes run after run and verify finds no drift', async () => {
    sim = await startStore({
      storeHash: 'incomplete',
      // 100 orders, 5 of them Incomplete: the list's shortfall against /count is what matters.
      data: { seed: 31, counts: { orders: 100 } },
    })
    const incomplete = incompleteIds(sim)
    expect(incomplete.length).toBeGreaterThan(3)
    const sync = await freshContext(ctx.db, sim)
    for (let run = 0; run < 2; run += 1) {
      const summary = await runSync(sync, { full: true, tables: ['orders'] })
      expect(summary.ok).toBe(true)
      expect(summary.tables.orders).toMatchObject({ status: 'completed', deleted: 0 })
      expect(summary.tables.orders?.notes ?? []).toEqual([])
    }
    await expectMirrorEqualsStore(ctx.db, sim, ['orders'])
    const report = await verifyMirror(sync, { tables: ['orders'], ids: true })
    expect(report.ok).toBe(true)
    expect(report.tables.orders).toMatchObject({ store: 100 - incomplete.length, drift: false })
    // Only orders were swept: the other tables' "never completed" problem is not about them.
    const problems = (await readStatus(ctx.db, 'incomplete')).problems
    expect(problems.filter((p) => p.what.includes('orders'))).toEqual([])
  })

  it('Incomplete orders the mirror holds (a store that listed them) are kept, and verify leaves them out', async () => {
    sim = await startStore({ storeHash: 'kept', data: { seed: 32, counts: { orders: 100 } } })
    sim.setOptions({ ordersListIncomplete: true })
    const sync = await freshContext(ctx.db, sim)
    expect((await runSync(sync, { full: true, tables: ['orders'] })).ok).toBe(true)
    expect((await mirrorRows(ctx.db, 'orders', 'kept')).size).toBe(100)
    // Kinder store: the listing shows more than the count's listed orders, and verify is exact.
    expect((await verifyMirror(sync, { tables: ['orders'], ids: true })).ok).toBe(true)
    sim.setOptions({ ordersListIncomplete: false })
    const summary = await runSync(sync, { full: true, tables: ['orders'] })
    expect(summary.tables.orders).toMatchObject({ status: 'completed', deleted: 0 })
    // Unlisted now, each is read by id and kept: absence is not deletion.
    expect((await mirrorRows(ctx.db, 'orders', 'kept')).size).toBe(100)
    expect((await verifyMirror(sync, { tables: ['orders'], ids: true })).ok).toBe(true)
  })

  it('archived orders the list leaves out: rows written, nothing deleted, a note in status, no failure', async () => {
    sim = await startStore({ storeHash: 'archived', data: { seed: 33, counts: { orders: 100 } } })
    const sync = await freshContext(ctx.db, sim)
    expect((await runSync(sync, { full: true, tables: ['orders'] })).ok).toBe(true)
    const held = (await mirrorRows(ctx.db, 'orders', 'archived')).size
    const archived = [...storeRows(sim, 'orders').keys()].slice(0, 4)
    sim.clock.set(Date.now() - 120_000)
    for (const id of archived) sim.store.archiveOrder(id)
    sim.clock.useRealTime()
    sim.setOptions({ ordersHideArchived: true })
    for (let run = 0; run < 2; run += 1) {
      const summary = await runSync(sync, { full: true, tables: ['orders'] })
      expect(summary.ok).toBe(true)
      expect(summary.tables.orders).toMatchObject({ status: 'completed', deleted: 0 })
      expect(summary.tables.orders?.notes?.join(' ')).toContain(
        `the listing returned ${held - 4} rows where the store counts ${held}`,
      )
    }
    expect((await mirrorRows(ctx.db, 'orders', 'archived')).size).toBe(held)
    const status = await readStatus(ctx.db, 'archived')
    expect(status.problems.filter((p) => p.what.includes('orders'))).toEqual([])
    expect(status.notes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          table: 'orders',
          kind: 'full',
          note: expect.stringContaining('nothing was deleted'),
        }),
      ]),
    )
  })

  it.each([
    ['behind', -15 * 60_000],
    ['ahead', 15 * 60_000],
  ] as const)(
    'with the store clock 15 minutes %s, changes right after a sweep come with the next one',
    async (_, offsetMs) => {
      sim = await startStore({
        storeHash: `clock-${offsetMs < 0 ? 'behind' : 'ahead'}`,
        clockOffsetMs: offsetMs,
        data: { seed: 34, counts: { customers: 200, orders: 200, products: 200 } },
      })
      const first = await runSync(await freshContext(ctx.db, sim), { tables: [...DATED] })
      expect(first.ok).toBe(true)
      // The cursor is the run's start on the store's clock, not this machine's.
      const { tables } = await readStatus(ctx.db, sim.storeHash)
      const cursor = Date.parse(tables.orders.cursor ?? '')
      expect(Math.abs(cursor - (Date.now() + offsetMs))).toBeLessThan(60_000)
      // 50 changes right after the sweep, stamped by the store's clock.
      await new Promise((resolve) => setTimeout(resolve, 1100))
      for (let id = 1; id <= 20; id += 1) sim.store.update('orders', id, { staff_notes: 'x' })
      for (let id = 1; id <= 15; id += 1) sim.store.update('customers', id, { notes: 'x' })
      for (let id = 1; id <= 15; id += 1) sim.store.update('products', id, { name: `n ${id}` })
      await new Promise((resolve) => setTimeout(resolve, 1100))
      const second = await runSync(await freshContext(ctx.db, sim), { tables: [...DATED] })
      expect(second.ok).toBe(true)
      await expectMirrorEqualsStore(ctx.db, sim, [...DATED])
    },
  )

  it.each([
    ['exclusive', false],
    ['inclusive', true],
  ] as const)(
    'with %s date bounds, rows stamped on both edges of an incremental window are mirrored',
    async (_, inclusive) => {
      const storeHash = `bounds-${inclusive ? 'in' : 'ex'}`
      // The store's clock ahead of this machine's, so that its window ends on the store's clock.
      const t0 = Math.floor(Date.now() / 1000) * 1000 + 10 * 60_000
      sim = await startStore({
        storeHash,
        inclusiveDateBounds: inclusive,
        data: {
          seed: 35,
          counts: { customers: 150, orders: 150, products: 150 },
          to: new Date(t0 - 3_600_000),
        },
      })
      sim.clock.set(t0)
      const first = await runSync(await freshContext(ctx.db, sim), { tables: [...DATED] })
      expect(first.ok).toBe(true)
      // Each table's next window starts five minutes (the overlap) before its cursor: stamp rows
      // exactly there, and exactly at the next window's end.
      const { tables } = await readStatus(ctx.db, storeHash)
      const cursors = Object.fromEntries(DATED.map((t) => [t, Date.parse(tables[t].cursor ?? '')]))
      for (const t of DATED) {
        sim.clock.set((cursors[t] ?? 0) - 300_000)
        for (const id of [3, 4]) sim.store.update(t, id, { notes: 'lo' })
      }
      const t1 = t0 + 60_000
      sim.clock.set(t1)
      for (const t of DATED) for (const id of [5, 6]) sim.store.update(t, id, { notes: 'hi' })
      const second = await runSync(await freshContext(ctx.db, sim), { tables: [...DATED] })
      expect(second.ok).toBe(true)
      for (const t of DATED) {
        expect(second.tables[t]?.window).toEqual({
          from: new Date((cursors[t] ?? 0) - 300_000).toISOString(),
          to: new Date(t1).toISOString(),
        })
      }
      await expectMirrorEqualsStore(ctx.db, sim, [...DATED])
    },
  )

  it('rows sharing a second, in another order on every request, lose no row (customers paged by offset)', async () => {
    const at = new Date(Date.now() - 86_400_000)
    sim = await startStore({
      storeHash: 'ties',
      data: {
        seed: 36,
        counts: { customers: 900, orders: 700 },
        bulkImport: { at, share: 0.7 },
      },
    })
    const second = Math.floor(at.getTime() / 1000)
    expect(sim.store.byId('customers').filter((r) => r.modified === second).length).toBeGreaterThan(
      500,
    )
    const sync = await freshContext(ctx.db, sim)
    const summary = await runSync(sync, { tables: ['customers', 'orders'] })
    expect(summary.tables.customers?.error).toBeUndefined()
    expect(summary.ok).toBe(true)
    await expectMirrorEqualsStore(ctx.db, sim, ['customers', 'orders'])
  })

  it('429s while Requests-Left is above 0 (another app spent the quota) are waited out', async () => {
    sim = await startStore({
      storeHash: 'shared-quota',
      quota: 12,
      windowMs: 1000,
      otherApp: { requestsPerWindow: 8 },
      data: { seed: 37, counts: { coupons: 60, customers: 120, orders: 120, products: 120 } },
    })
    const sync = await freshContext(ctx.db, sim)
    const summary = await runSync(sync)
    expect(summary.ok).toBe(true)
    expect(sim.stats.throttled).toBeGreaterThan(0)
    await expectMirrorEqualsStore(ctx.db, sim, ['coupons', ...DATED])
  })
})
