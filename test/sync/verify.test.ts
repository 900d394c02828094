// The drift report against the simulated store over real HTTP, on every database: drift of each
// kind planted (a row missing from the mirror, an extra one, a stale one, a count that differs),
// the repair command for each, what it cost in requests, that it keeps to the store's quota, and
// that it never writes to the mirror.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import type { Executor } from '../../src/db/database.ts'
import { runSync } from '../../src/sync/sweeps/sweep.ts'
import { compareIds, verifyMirror } from '../../src/sync/sweeps/verify.ts'
import { runCli } from '../support/cli.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { seedDataDir } from '../support/serve-process.ts'
import { startSimStore, type SimStore } from '../../src/sim/index.ts'
import { clientFor, startStore, storeRows } from './support.ts'

let sim: SimStore | undefined

afterEach(async () => {
  await sim?.close()
  sim = undefined
})

/** Rows and last write per table: verify must leave both exactly as they were. */
async function fingerprint(db: Executor) {
  return db.execute(sql`
    select 'coupons' as t, count(*)::int as n, max(synced_at)::text as w from bigcommerce.coupons
    union all select 'customers', count(*)::int, max(synced_at)::text from bigcommerce.customers
    union all select 'orders', count(*)::int, max(synced_at)::text from bigcommerce.orders
    union all select 'products', count(*)::int, max(synced_at)::text from bigcommerce.products
    union all select 'categories', count(*)::int, max(synced_at)::text from bigcommerce.categories
    union all select 'brands', count(*)::int, max(synced_at)::text from bigcommerce.brands
    union all select 'runs', count(*)::int, max(finished_at)::text from bigcommerce.sync_runs
    union all select 'state', count(*)::int, max(last_finished_at)::text from bigcommerce.sync_state`)
}

describeEachDatabase('verify', (ctx) => {
  it('finds each kind of drift, names the repair, counts its requests and writes nothing', async () => {
    sim = await startStore({
      storeHash: 'drift',
      data: {
        seed: 9,
        counts: { coupons: 30, customers: 40, orders: 50, products: 60, categories: 20, brands: 8 },
      },
    })
    const { client, events } = clientFor(sim)
    const context = { db: ctx.db, client, storeHash: 'drift', clientEvents: events }
    expect((await runSync(context)).ok).toBe(true)

    sim.resetStats()
    const clean = await verifyMirror(context, { ids: true })
    expect(clean.ok).toBe(true)
    expect(Object.values(clean.tables).every((t) => t?.drift === false && t.repair === null)).toBe(
      true,
    )
    // Counts: one request a table. Ids: one id-only page for each v3 table (60, 40, 20 and 8
    // rows); v2 tables page in full after their /count (one page of 50 orders, one of 30 coupons).
    expect(clean.tables.products?.requests).toBe(2)
    expect(clean.tables.customers?.requests).toBe(2)
    expect(clean.tables.orders?.requests).toBe(3)
    expect(clean.tables.coupons?.requests).toBe(3)
    expect(clean.tables.categories?.requests).toBe(2)
    expect(clean.tables.brands?.requests).toBe(2)
    expect(clean.requests).toBe(14)
    expect(sim.stats.requests).toBe(14)
    expect(sim.stats.byPath['GET /v3/catalog/categories']).toBe(2)
    expect(sim.stats.byPath['GET /v3/catalog/products']).toBe(2)

    // Plant: a product lost from the mirror, a customer deleted in the store (extra in the
    // mirror), an order changed in the store later (stale), a coupon created (the count differs).
    await ctx.db.execute(
      sql`delete from bigcommerce.products where store_hash = 'drift' and id = 5`,
    )
    sim.store.delete('customers', 7)
    // (The generated rows were last modified in the past, so the update makes order 9 newer.)
    sim.store.update('orders', 9, { staff_notes: 'changed' })
    const coupon = sim.store.create('coupons', {})
    // A category deleted in the store: extra in the mirror until a sweep lists the table whole.
    sim.store.delete('categories', 4)

    const before = await fingerprint(ctx.db)
    const counts = await verifyMirror(context)
    expect(counts.ok).toBe(false)
    expect(counts.tables.products).toMatchObject({
      store: 60,
      mirror: 59,
      drift: true,
      repair: 'bc-mirror sync --tables products --full',
    })
    expect(counts.tables.customers).toMatchObject({ store: 39, mirror: 40, drift: true })
    expect(counts.tables.coupons).toMatchObject({
      store: 31,
      mirror: 30,
      drift: true,
      repair: 'bc-mirror sync --tables coupons',
    })
    // A stale row leaves the counts equal: only the ids show it. (Orders as the list shows them:
    // without Incomplete ones, on both sides.)
    const listedOrders = storeRows(sim, 'orders').size
    expect(listedOrders).toBeLessThan(50)
    expect(counts.tables.orders).toMatchObject({
      store: listedOrders,
      mirror: listedOrders,
      drift: false,
      repair: null,
    })
    expect(counts.tables.categories).toMatchObject({
      store: 19,
      mirror: 20,
      drift: true,
      repair: 'bc-mirror sync --tables categories',
    })
    expect(counts.tables.brands).toMatchObject({ store: 8, mirror: 8, drift: false })
    expect(counts.requests).toBe(6)

    const full = await verifyMirror(context, { ids: true })
    expect(full.ok).toBe(false)
    const day = (iso: unknown) => String(iso).slice(0, 10)
    const product5 = sim.store.get('products', 5)
    const order9 = sim.store.get('orders', 9)
    expect(full.tables.products).toMatchObject({
      missing: { count: 1, ids: [5] },
      extra: { count: 0 },
      stale: { count: 0 },
      repair: `bc-mirror sync --tables products --since ${day(new Date((product5?.modified ?? 0) * 1000).toISOString())}`,
    })
    expect(full.tables.customers).toMatchObject({
      missing: { count: 0 },
      extra: { count: 1, ids: [7] },
      repair: 'bc-mirror sync --tables customers --full',
    })
    expect(full.tables.orders).toMatchObject({
      drift: true,
      missing: { count: 0 },
      extra: { count: 0 },
      stale: { count: 1, ids: [9] },
      repair: `bc-mirror sync --tables orders --since ${day(new Date((order9?.modified ?? 0) * 1000).toISOString())}`,
    })
    expect(full.tables.orders?.note).toMatch(/v2 has no field selection/)
    expect(full.tables.coupons).toMatchObject({
      missing: { count: 1, ids: [coupon] },
      repair: 'bc-mirror sync --tables coupons',
    })
    expect(full.tables.categories).toMatchObject({ extra: { count: 1, ids: [4] } })
    expect(await fingerprint(ctx.db)).toEqual(before)

    // The repairs it names do repair.
    for (const command of Object.values(full.tables).flatMap((t) => t?.repair ?? [])) {
      const [, , , table, flag, date] = String(command).split(' ')
      const options =
        flag === '--full'
          ? { full: true }
          : flag === '--since'
            ? { since: new Date(`${date}T00:00:00Z`) }
            : {}
      expect((await runSync(context, { tables: [table as 'orders'], ...options })).ok).toBe(true)
    }
    expect((await verifyMirror(context, { ids: true })).ok).toBe(true)
  })

  it('reads the same ids whether the customers endpoint honours include_fields or not', async () => {
    sim = await startStore({ storeHash: 'fields', data: { seed: 10, counts: { customers: 300 } } })
    const { client, events } = clientFor(sim)
    const context = { db: ctx.db, client, storeHash: 'fields', clientEvents: events }
    expect((await runSync(context, { tables: ['customers'] })).ok).toBe(true)
    await ctx.db.execute(
      sql`delete from bigcommerce.customers where store_hash = 'fields' and id in (3, 250)`,
    )
    for (const honoured of [false, true]) {
      sim.setOptions({ customersIncludeFields: honoured })
      const report = await verifyMirror(context, { tables: ['customers'], ids: true })
      expect(report.tables.customers).toMatchObject({
        store: 300,
        mirror: 298,
        missing: { count: 2, ids: [3, 250] },
        stale: { count: 0 },
        requests: 3,
      })
    }
  })

  it('keeps to the store quota like a sweep', async () => {
    sim = await startSimStore({
      storeHash: 'quota',
      quota: 4,
      windowMs: 800,
      data: { seed: 11, counts: { products: 2000 } },
    })
    const { client, events } = clientFor(sim)
    const report = await verifyMirror(
      { db: ctx.db, client, storeHash: 'quota', clientEvents: events },
      { tables: ['products'], ids: true },
    )
    // 1 count + 8 id pages of 250 + 1 past the end (the last page was full: rows may have been
    // added meanwhile), over a quota of 4 requests per window.
    expect(report.tables.products).toMatchObject({
      store: 2000,
      mirror: 0,
      missing: { count: 2000 },
      requests: 10,
    })
    expect(sim.stats.maxCountedInWindow).toBeLessThanOrEqual(4)
    expect(sim.stats.throttled).toBe(0)
    expect(report.quota).toEqual({ requests: 4, windowSeconds: 0.8 })
  })
})

describe('compareIds', () => {
  it('splits ids into missing, extra and stale (older in the mirror only)', () => {
    const store = new Map<number, number | null>([
      [1, 100],
      [2, 200],
      [3, 300],
      [4, null],
    ])
    const mirror = new Map<number, number | null>([
      [2, 200],
      [3, 299],
      [5, 10],
      [4, null],
      [1, 101],
    ])
    expect(compareIds(store, mirror)).toEqual({ missing: [], extra: [5], stale: [3] })
    expect(compareIds(store, new Map())).toEqual({ missing: [1, 2, 3, 4], extra: [], stale: [] })
  })
})

describe('bc-mirror verify', () => {
  it('exits 1 on drift with the repair and its request cost, 0 once repaired', async () => {
    sim = await startStore({
      storeHash: 'clidrift',
      data: { seed: 12, counts: { coupons: 20, customers: 5, orders: 5, products: 5 } },
    })
    const dir = await mkdtemp(join(tmpdir(), 'bc-mirror-verify-'))
    const env = {
      BIGCOMMERCE_STORE_HASH: 'clidrift',
      BIGCOMMERCE_ACCESS_TOKEN: sim.accessToken,
      BIGCOMMERCE_API_URL: sim.url,
      // Already made (what a first command makes from the image): verify is the subject here.
      DATA_DIR: await seedDataDir(join(dir, 'data')),
    }
    try {
      expect((await runCli(['sync'], env)).code).toBe(0)
      sim.store.delete('coupons', 4)
      const drift = await runCli(['verify', '--ids', '--tables', 'coupons,orders'], env)
      expect(drift.code).toBe(1)
      expect(drift.stdout).toContain('extra in the mirror: 1: 4')
      expect(drift.stdout).toContain('repair: bc-mirror sync --tables coupons')
      expect(drift.stdout).toMatch(/cost: 6 requests/)
      expect(drift.stderr).toContain('drifts from the store in coupons')
      const json = await runCli(['verify', '--json', '--tables', 'coupons'], env)
      expect(JSON.parse(json.stdout)).toMatchObject({
        ok: false,
        tables: { coupons: { store: 19, mirror: 20 } },
      })
      expect((await runCli(['verify', '--tables', 'nope'], env)).code).toBe(2)
      expect((await runCli(['sync', '--tables', 'coupons'], env)).code).toBe(0)
      const clean = await runCli(['verify', '--ids'], env)
      expect(clean.stdout).toContain('no drift')
      expect(clean.code).toBe(0)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
