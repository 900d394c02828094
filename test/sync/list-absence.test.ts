// "Absence is not deletion", the list and sweep side: odd list answers from the simulated store
// (over real HTTP, switched on per route) never empty the mirror. A list that answers 404 or a v3
// body without its data array fails its table and deletes nothing; a v2 204 on a first page while
// /count says rows exist deletes nothing; short pages are read on while totals say more rows
// exist; a listing that leaves rows out deletes nothing; a full sweep deletes no more than the
// safety share unless allowed. (The row and event side is in absence.test.ts.)
import { sql } from 'drizzle-orm'
import { afterEach, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.ts'
import type { ResourceName } from '../../src/db/schema.ts'
import { runSync, type SyncContext } from '../../src/sync/sweeps/sweep.ts'
import { describeEachDatabase } from '../support/databases.ts'
import type { SimFault, SimOddAnswer, SimStore } from '../../src/sim/index.ts'
import { pick } from '../../src/bigcommerce/validate.ts'
import { listedOrderCount } from '../../src/resources/orders.ts'
import {
  clientFor,
  expectMirrorEqualsStore,
  listedByStore,
  mirrorRows,
  startStore,
} from './support.ts'

const ALL: ResourceName[] = ['coupons', 'customers', 'orders', 'products']
// Small tables: each odd answer below is given to every list request, so it fails the first page
// whatever the size; the mirror only needs rows for "deletes nothing" to mean something.
const COUNTS = { coupons: 20, customers: 60, orders: 60, products: 60 }
const LIST_PATH: Record<ResourceName, RegExp> = {
  coupons: /^\/v2\/coupons$/,
  customers: /^\/v3\/customers$/,
  orders: /^\/v2\/orders$/,
  products: /^\/v3\/catalog\/products$/,
  categories: /^\/v3\/catalog\/categories$/,
  brands: /^\/v3\/catalog\/brands$/,
}

let sim: SimStore | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

async function rowCounts(db: Database, storeHash: string) {
  const counts: Partial<Record<ResourceName, number>> = {}
  for (const table of ALL) counts[table] = (await mirrorRows(db, table, storeHash)).size
  return counts
}

async function tableState(db: Database, storeHash: string, table: ResourceName) {
  const [row] = await db.execute<{ cursor: string | null; covered: unknown; status: string }>(sql`
    select cursor::text as cursor, checkpoint->'covered' as covered, last_status as status
    from bigcommerce.sync_state where store_hash = ${storeHash} and table_name = ${table}`)
  return row
}

/** A store whose every table is mirrored, and the sync context for it. */
async function mirroredStore(
  db: Database,
  storeHash: string,
  counts: Partial<Record<ResourceName, number>> = COUNTS,
) {
  sim = await startStore({ storeHash, data: { seed: 21, counts } })
  const { client } = clientFor(sim)
  const ctx: SyncContext = { db, client, storeHash }
  const first = await runSync(ctx)
  expect(first.ok).toBe(true)
  return { sim, ctx }
}

describeEachDatabase('absence is not deletion', (ctx) => {
  const oddLists: Array<[ResourceName, SimOddAnswer, RegExp]> = [
    ['products', 'not-found', /GET \/v3\/catalog\/products answered 404/],
    ['products', 'empty-object', /GET \/v3\/catalog\/products answered 200 with \{\}/],
    ['customers', 'null-data', /GET \/v3\/customers answered 200 with \{"data": null\}/],
    ['customers', 'empty-body', /GET \/v3\/customers answered 200 with an empty body/],
    ['coupons', 'not-found', /GET \/v2\/coupons answered 404/],
    ['orders', 'empty-object', /GET \/v2\/orders answered 200 with \{\}/],
    [
      'products',
      'not-json',
      /^no answer on GET \/v3\/catalog\/products after \d+ attempts \(unreadable body\)/,
    ],
  ]

  it.each(oddLists)(
    'a %s list answering %s fails that table and deletes nothing',
    async (table, answer, reason) => {
      const storeHash = `odd-${table}-${answer}`
      const { sim, ctx: sync } = await mirroredStore(ctx.db, storeHash)
      const before = await rowCounts(ctx.db, storeHash)
      const cursorBefore = (await tableState(ctx.db, storeHash, table))?.cursor
      sim.injectFaults({ path: LIST_PATH[table], answer, times: 'always' })

      const summary = await runSync(sync, { full: true })
      expect(summary.ok).toBe(false)
      expect(summary.tables[table]).toMatchObject({ status: 'failed', deleted: 0 })
      expect(summary.tables[table]?.error).toMatch(reason)
      // One line, naming the path and what came back, no row data.
      expect(summary.tables[table]?.error).not.toMatch(/\n|@/)
      for (const other of ALL.filter((t) => t !== table))
        expect(summary.tables[other]?.status).toBe('completed')
      expect(await rowCounts(ctx.db, storeHash)).toEqual(before)
      const state = await tableState(ctx.db, storeHash, table)
      expect(state).toMatchObject({ status: 'failed', cursor: cursorBefore ?? null, covered: [] })
      const [tombstones] = await ctx.db.execute<{ n: number }>(
        sql`select count(*)::int as n from bigcommerce.deletions where store_hash = ${storeHash}`,
      )
      expect(tombstones?.n).toBe(0)
    },
  )

  it('one odd answer is asked again, and the sweep completes with nothing lost', async () => {
    const storeHash = 'odd-once'
    const { sim, ctx: sync } = await mirroredStore(ctx.db, storeHash)
    sim.injectFaults(
      { path: LIST_PATH.products, answer: 'empty-object' },
      { path: LIST_PATH.customers, answer: 'not-found' },
      { path: LIST_PATH.coupons, answer: 'not-found' },
    )
    const summary = await runSync(sync, { full: true })
    expect(summary.ok).toBe(true)
    expect(sim.pendingFaults()).toBe(0)
    for (const table of ALL) expect(summary.tables[table]?.deleted).toBe(0)
    await expectMirrorEqualsStore(ctx.db, sim, ALL)
  })

  it.each(['orders', 'coupons'] as const)(
    'a v2 204 on the first page of a full %s sweep while /count says rows exist deletes nothing',
    async (table) => {
      const storeHash = `no-content-${table}`
      const { sim, ctx: sync } = await mirroredStore(ctx.db, storeHash)
      const held = (await mirrorRows(ctx.db, table, storeHash)).size
      const first: SimFault = {
        path: LIST_PATH[table],
        query: { page: '1' },
        answer: 'no-content',
        times: 'always',
      }
      sim.injectFaults(first)
      // The count still says every row is there (every order the list shows: not Incomplete ones).
      const counted = await sync.client.get(`/v2/${table}/count`)
      expect(table === 'orders' ? listedOrderCount(counted) : pick(counted, 'count')).toBe(held)

      const summary = await runSync(sync, { full: true, tables: [table] })
      expect(summary.tables[table]).toMatchObject({ status: 'failed', deleted: 0 })
      expect(summary.tables[table]?.error).toBe(
        `${table}: GET /v2/${table} answered no rows on page 1 although the store counts ${held} in that range`,
      )
      expect((await mirrorRows(ctx.db, table, storeHash)).size).toBe(held)

      // Once the store answers again, the same sweep completes.
      sim.clearFaults()
      expect((await runSync(sync, { full: true, tables: [table] })).ok).toBe(true)
      await expectMirrorEqualsStore(ctx.db, sim, [table])
    },
  )

  it('short pages with totals are read on: every row is mirrored', async () => {
    const storeHash = 'short'
    sim = await startStore({
      storeHash,
      // 300 rows: more than one page of 250, so the short answers span the pages asked for.
      data: { seed: 22, counts: { customers: 300, orders: 300, products: 300 } },
    })
    const { client } = clientFor(sim)
    const tables: ResourceName[] = ['customers', 'orders', 'products']
    // Every list page holds at most 60 rows (asked for 250), while totals count every row.
    for (const table of tables)
      sim.injectFaults({ path: LIST_PATH[table], shortPage: 60, times: 'always' })
    const summary = await runSync({ db: ctx.db, client, storeHash }, { tables })
    expect(summary.ok).toBe(true)
    await expectMirrorEqualsStore(ctx.db, sim, tables)
    // A full sweep over short pages sees everything, so it deletes nothing.
    const full = await runSync({ db: ctx.db, client, storeHash }, { tables, full: true })
    expect(full.ok).toBe(true)
    for (const table of tables) expect(full.tables[table]?.deleted).toBe(0)
    await expectMirrorEqualsStore(ctx.db, sim, tables)
  })

  it('short coupon pages (no count within id bounds) are read on until a request past them is empty', async () => {
    const storeHash = 'short-coupons'
    const { sim, ctx: sync } = await mirroredStore(ctx.db, storeHash, { coupons: 900 })
    for (const id of [7, 400, 899]) sim.store.delete('coupons', id)
    sim.store.create('coupons', {})
    sim.injectFaults({ path: LIST_PATH.coupons, shortPage: 60, times: 'always' })
    const summary = await runSync(sync, { tables: ['coupons'] })
    expect(summary.tables.coupons).toMatchObject({ status: 'completed', deleted: 3 })
    await expectMirrorEqualsStore(ctx.db, sim, ['coupons'])
  })

  it.each(['products', 'orders'] as const)(
    'a %s listing that silently leaves rows out (totals count them) deletes nothing, says so and completes',
    async (table) => {
      const storeHash = `omit-${table}`
      const { sim, ctx: sync } = await mirroredStore(ctx.db, storeHash)
      const held = (await mirrorRows(ctx.db, table, storeHash)).size
      const omitted = sim.store
        .byId(table)
        .filter((r) => listedByStore(sim, table, r))
        .slice(10, 21)
        .map((r) => r.id)
      // Every list answer leaves them out (for products the requests by id:in too, so asking
      // for them by id would not save them), as a broken proxy might; the counts do not.
      sim.injectFaults({ path: LIST_PATH[table], omitIds: omitted, times: 'always' })
      // Run after run: the table completes, deletes nothing and says why; it never fails.
      for (let run = 0; run < 2; run += 1) {
        const summary = await runSync(sync, { full: true, tables: [table] })
        expect(summary.tables[table]).toMatchObject({ status: 'completed', deleted: 0 })
        expect(summary.tables[table]?.notes).toContain(
          `the listing returned ${held - 11} rows where the store counts ${held}, and the API does not say which rows it left out; the rows listed were written and nothing was deleted (the next full sync checks again)`,
        )
        expect((await mirrorRows(ctx.db, table, storeHash)).size).toBe(held)
      }
    },
  )

  it('a full sweep while rows are modified, created and deleted under it is still whole', async () => {
    const storeHash = 'busy-full'
    const { sim, ctx: sync } = await mirroredStore(ctx.db, storeHash, {
      customers: 1500,
      orders: 1500,
      products: 1500,
      coupons: 600,
    })
    const tables: ResourceName[] = ['coupons', 'customers', 'orders', 'products']
    const tableOf = (path: string): ResourceName | null =>
      tables.find((t) => LIST_PATH[t].test(path)) ?? null
    let changes = 0
    // Before every list request: modify the oldest row (it leaves the window, and every later row
    // shifts up a place), create one (at the window's end) and delete one.
    sim.setOptions({
      onRequest: ({ path }) => {
        const table = tableOf(path)
        if (!table || !sim) return
        const rows = sim.store.byModified(table)
        const oldest = rows[changes % 50]
        const doomed = rows[rows.length - 1 - (changes % 50)]
        if (oldest) sim.store.update(table, oldest.id, { notes: 'moved' })
        sim.store.create(table, {})
        if (doomed && doomed.id !== oldest?.id) sim.store.delete(table, doomed.id)
        changes += 1
      },
    })
    const summary = await runSync({ ...sync, concurrency: 8 }, { full: true })
    expect(changes).toBeGreaterThan(20)
    for (const table of tables)
      expect({ table, error: summary.tables[table]?.error }).toEqual({ table, error: undefined })
  })

  it('the mass-delete valve: refuses above the safety share, deletes with allowMassDelete, and small deletions go through', async () => {
    const storeHash = 'valve'
    const { sim, ctx: sync } = await mirroredStore(ctx.db, storeHash, {
      coupons: 2500,
    })
    // On coupons: the valve is the same for every table (removeGone), and 2,500 coupons cost a
    // fifth of 2,500 products with their variants. Above 2,000 rows the 1,000-row floor, not half
    // of the table, is the limit. A small, real deletion (under the share) happens as before.
    for (const id of [3, 4, 5]) sim.store.delete('coupons', id)
    const small = await runSync(sync, { full: true, tables: ['coupons'] })
    expect(small.tables.coupons).toMatchObject({ status: 'completed', deleted: 3 })

    // 1,200 of 2,497: more than 1,000 rows and more than 10%.
    const doomed = sim.store
      .byId('coupons')
      .slice(100, 1300)
      .map((r) => r.id)
    for (const id of doomed) sim.store.delete('coupons', id)
    const refused = await runSync(sync, { full: true, tables: ['coupons'] })
    expect(refused.ok).toBe(false)
    expect(refused.tables.coupons).toMatchObject({
      status: 'failed',
      deleted: 0,
      wouldDelete: 1200,
    })
    expect(refused.tables.coupons?.error).toBe(
      'coupons: would delete 1200 of 2497 rows, more than the safety share (half of the table, and at most 10% of it or 1000 rows, whichever is larger); nothing deleted. If the store really lost them, run: bc-mirror sync --tables coupons --allow-mass-delete',
    )
    expect((await mirrorRows(ctx.db, 'coupons', storeHash)).size).toBe(2497)

    const allowed = await runSync(sync, { full: true, tables: ['coupons'], allowMassDelete: true })
    expect(allowed.tables.coupons).toMatchObject({ status: 'completed', deleted: 1200 })
    await expectMirrorEqualsStore(ctx.db, sim, ['coupons'])
  })
})
