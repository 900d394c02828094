// The deletion valve for sweeps and the rule that a resumed run which read nothing proves nothing,
// over real HTTP against the simulated store, on both databases: a store that lists nothing
// (well-formed empty lists, every id "not found") empties no table; no full sweep removes more
// than half of a table without allowMassDelete; a resumed full sweep whose lists and counts answer
// nothing neither completes nor moves its cursor (docs/reliability.md, "The mass-delete valve").
import { sql } from 'drizzle-orm'
import { afterEach, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.ts'
import type { ResourceName } from '../../src/db/schema.ts'
import type { SimStore } from '../../src/sim/index.ts'
import { massDeleteLimit, runSync, type SyncContext } from '../../src/sync/sweeps/sweep.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { clientFor, expectMirrorEqualsStore, mirrorRows, startStore } from './support.ts'

let sim: SimStore | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

async function mirrored(db: Database, storeHash: string, counts: Record<string, number>) {
  sim = await startStore({ storeHash, data: { seed: 23, counts } })
  const ctx: SyncContext = { db, client: clientFor(sim).client, storeHash }
  expect((await runSync(ctx)).ok).toBe(true)
  return { sim, ctx }
}

async function tableState(db: Database, storeHash: string, table: ResourceName) {
  const [row] = await db.execute<{
    cursor: string | null
    checkpoint: unknown
    status: string
  }>(sql`
    select cursor::text as cursor, checkpoint, last_status as status
    from bigcommerce.sync_state where store_hash = ${storeHash} and table_name = ${table}`)
  return row
}

it('the safety share: at most half of any table, and of a large one 10% or 1,000 rows', () => {
  expect([0, 1, 2, 3, 60, 2000, 2497, 20_000].map(massDeleteLimit)).toEqual([
    0, 0, 1, 1, 30, 1000, 1000, 2000,
  ])
})

describeEachDatabase('the mass-delete valve', (ctx) => {
  it('a store that lists nothing and finds no id empties no table; allowMassDelete does', async () => {
    const storeHash = 'lists-nothing'
    const { sim, ctx: sync } = await mirrored(ctx.db, storeHash, { customers: 40, products: 60 })
    // Every request on these paths (lists and id:in reads alike) answers a well-formed empty list.
    for (const path of [/^\/v3\/customers$/, /^\/v3\/catalog\/products$/])
      sim.injectFaults({ path, answer: 'no-rows', times: 'always' })
    const tables: ResourceName[] = ['customers', 'products']

    const refused = await runSync(sync, { full: true, tables })
    expect(refused.ok).toBe(false)
    expect(refused.tables.customers).toMatchObject({
      status: 'failed',
      deleted: 0,
      wouldDelete: 40,
    })
    expect(refused.tables.customers?.error).toBe(
      'customers: would delete all 40 rows, emptying the table; nothing deleted. If the store really lost them, run: bc-mirror sync --full --tables customers --allow-mass-delete',
    )
    expect(refused.tables.products).toMatchObject({ status: 'failed', deleted: 0, wouldDelete: 60 })
    expect((await mirrorRows(ctx.db, 'customers', storeHash)).size).toBe(40)
    expect((await mirrorRows(ctx.db, 'products', storeHash)).size).toBe(60)

    const allowed = await runSync(sync, {
      full: true,
      tables: ['customers'],
      allowMassDelete: true,
    })
    expect(allowed.tables.customers).toMatchObject({ status: 'completed', deleted: 40 })
    expect((await mirrorRows(ctx.db, 'customers', storeHash)).size).toBe(0)
  })

  it('a full sweep removes half of a small table, refuses more than half, and deletes it when allowed', async () => {
    const storeHash = 'half'
    const { sim, ctx: sync } = await mirrored(ctx.db, storeHash, { products: 60 })
    const ids = sim.store.byId('products').map((r) => r.id)
    for (const id of ids.slice(0, 31)) sim.store.delete('products', id)

    const refused = await runSync(sync, { full: true, tables: ['products'] })
    expect(refused.tables.products).toMatchObject({ status: 'failed', deleted: 0, wouldDelete: 31 })
    expect(refused.tables.products?.error).toBe(
      'products: would delete 31 of 60 rows, more than the safety share (half of the table, and at most 10% of it or 1000 rows, whichever is larger); nothing deleted. If the store really lost them, run: bc-mirror sync --full --tables products --allow-mass-delete',
    )
    expect((await mirrorRows(ctx.db, 'products', storeHash)).size).toBe(60)
    // The refusal leaves nothing to resume: the next run lists afresh.
    expect((await tableState(ctx.db, storeHash, 'products'))?.checkpoint).toBeNull()

    const allowed = await runSync(sync, { full: true, tables: ['products'], allowMassDelete: true })
    expect(allowed.tables.products).toMatchObject({ status: 'completed', deleted: 31 })
    await expectMirrorEqualsStore(ctx.db, sim, ['products'])

    // Half of what is left (14 of 29) goes without the flag.
    for (const id of ids.slice(31, 45)) sim.store.delete('products', id)
    const half = await runSync(sync, { full: true, tables: ['products'] })
    expect(half.tables.products).toMatchObject({ status: 'completed', deleted: 14 })
  })

  it('the coupon sweep (always full) refuses to empty the coupons table', async () => {
    const storeHash = 'coupons-nothing'
    const { sim, ctx: sync } = await mirrored(ctx.db, storeHash, { coupons: 30 })
    for (const record of sim.store.byId('coupons')) sim.store.delete('coupons', record.id)
    const refused = await runSync(sync, { tables: ['coupons'] })
    expect(refused.tables.coupons).toMatchObject({ status: 'failed', deleted: 0, wouldDelete: 30 })
    expect(refused.tables.coupons?.error).toMatch(
      /^coupons: would delete all 30 rows, emptying the table; nothing deleted\. .* run: bc-mirror sync --tables coupons --allow-mass-delete$/,
    )
    expect((await mirrorRows(ctx.db, 'coupons', storeHash)).size).toBe(30)
  })
})

describeEachDatabase('a resumed sweep that reads nothing', (ctx) => {
  /** A full sweep of `table` whose list fails after its first answer, leaving a checkpoint. */
  async function failFullMidway(
    sim: SimStore,
    sync: SyncContext,
    table: ResourceName,
    path: RegExp,
  ) {
    let lists = 0
    sim.setOptions({
      onRequest: (request) => {
        if (path.test(request.path) && ++lists === 2)
          sim.injectFaults({ path, answer: 'not-found', times: 'always' })
      },
    })
    const failed = await runSync({ ...sync, concurrency: 2 }, { full: true, tables: [table] })
    expect(failed.tables[table]?.status).toBe('failed')
    expect(failed.tables[table]?.fetched).toBeGreaterThan(0)
    sim.setOptions({ onRequest: undefined })
    sim.clearFaults()
    const state = await tableState(ctx.db, sync.storeHash, table)
    expect(state?.checkpoint).toMatchObject({ mode: 'full' })
    return state
  }

  it('orders: a list and a /count that both answer 204 neither complete the run nor move the cursor', async () => {
    const storeHash = 'resume-204'
    const { sim, ctx: sync } = await mirrored(ctx.db, storeHash, { orders: 300 })
    const before = await failFullMidway(sim, sync, 'orders', /^\/v2\/orders$/)
    // The orders the list shows (Incomplete ones are not listed): none may go.
    const held = (await mirrorRows(ctx.db, 'orders', storeHash)).size
    expect(held).toBeGreaterThan(250)
    sim.injectFaults(
      { path: /^\/v2\/orders$/, answer: 'no-content', times: 'always' },
      { path: /^\/v2\/orders\/count$/, answer: 'no-content', times: 'always' },
    )
    const resumed = await runSync(sync, { full: true, tables: ['orders'] })
    expect(resumed.ok).toBe(false)
    expect(resumed.tables.orders).toMatchObject({ status: 'failed', fetched: 0, deleted: 0 })
    expect(resumed.tables.orders?.error).toMatch(
      /GET \/v2\/orders\/count answered 204 with no content instead of a count; a count that does not answer is an error/,
    )
    const after = await tableState(ctx.db, storeHash, 'orders')
    expect(after).toMatchObject({ status: 'failed', cursor: before?.cursor ?? null })
    expect((await mirrorRows(ctx.db, 'orders', storeHash)).size).toBe(held)

    sim.clearFaults()
    expect((await runSync(sync, { full: true, tables: ['orders'] })).ok).toBe(true)
    await expectMirrorEqualsStore(ctx.db, sim, ['orders'])
  })

  it('products: well-formed empty lists after a failed run fail the resumed run, and the next starts afresh', async () => {
    const storeHash = 'resume-no-rows'
    const { sim, ctx: sync } = await mirrored(ctx.db, storeHash, { products: 400 })
    const before = await failFullMidway(sim, sync, 'products', /^\/v3\/catalog\/products$/)
    sim.injectFaults({ path: /^\/v3\/catalog\/products$/, answer: 'no-rows', times: 'always' })
    const resumed = await runSync(sync, { full: true, tables: ['products'] })
    expect(resumed.tables.products).toMatchObject({ status: 'failed', fetched: 0, deleted: 0 })
    expect(resumed.tables.products?.error).toMatch(
      /^products: this run resumed an interrupted sweep and the store listed no rows where the mirror holds \d+; not counted as read and the cursor stays/,
    )
    const after = await tableState(ctx.db, storeHash, 'products')
    expect(after).toMatchObject({
      status: 'failed',
      cursor: before?.cursor ?? null,
      checkpoint: null,
    })
    // A fresh full run over the same answers is held by the valve instead.
    const fresh = await runSync(sync, { full: true, tables: ['products'] })
    expect(fresh.tables.products).toMatchObject({ status: 'failed', deleted: 0, wouldDelete: 400 })
    expect((await mirrorRows(ctx.db, 'products', storeHash)).size).toBe(400)

    sim.clearFaults()
    expect((await runSync(sync, { full: true, tables: ['products'] })).ok).toBe(true)
    await expectMirrorEqualsStore(ctx.db, sim, ['products'])
  })
})
