// The tables listed whole that came after coupons (categories, brands), added through their
// declarations alone: a backfill, categories' webhooks and a full sweep that finds rows deleted in
// the store each leave the mirror equal to the simulated store, over real HTTP, on both
// databases; a table the store refuses (403) fails alone, with one problem naming its fix.
import { sql } from 'drizzle-orm'
import { afterEach, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.ts'
import { createApp, WEBHOOK_PATH } from '../../src/http/app.ts'
import { SNAPSHOT_TABLES } from '../../src/resources/index.ts'
import type { SimEvent, SimStore } from '../../src/sim/index.ts'
import { processBatch } from '../../src/sync/events/event-worker.ts'
import { insertEvents } from '../../src/sync/events/inbox.ts'
import { readStatus } from '../../src/sync/status/status.ts'
import { runSync, type SyncContext } from '../../src/sync/sweeps/sweep.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { clientFor, expectMirrorEqualsStore, startStore } from './support.ts'

const SECRET = 'snapshot-tables-webhook-secret'
// More categories than one page holds, so the listing pages.
const COUNTS = { categories: 320, brands: 40, coupons: 10, products: 20 }

let sim: SimStore | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

async function backfilled(db: Database, storeHash: string) {
  sim = await startStore({ storeHash, data: { seed: 31, counts: COUNTS } })
  const { client } = clientFor(sim)
  const ctx: SyncContext = { db, client, storeHash }
  const first = await runSync(ctx)
  expect(first.ok).toBe(true)
  return { sim, ctx }
}

/** Delivers the store's events through the real receiver, as BigCommerce would. */
async function deliver(db: Database, store: SimStore, events: SimEvent[]) {
  const app = createApp({
    storeHash: store.storeHash,
    webhookSecret: SECRET,
    enqueue: (event) => insertEvents(db, store.storeHash, [event]).then(() => undefined),
    checkHealth: async () => true,
  })
  for (const [n, event] of events.entries()) {
    const body = { ...event, hash: `h-${n}`, producer: `stores/${store.storeHash}` }
    const response = await app.request(WEBHOOK_PATH, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'X-Webhook-Secret': SECRET },
    })
    expect(response.status).toBe(200)
  }
}

describeEachDatabase('tables listed whole: categories and brands', (ctx) => {
  it('a backfill mirrors every category and brand, a page of 250 at a time', async () => {
    const { sim } = await backfilled(ctx.db, 'wholebackfill')
    await expectMirrorEqualsStore(ctx.db, sim, ['categories', 'brands', 'coupons'])
    expect(sim.stats.byPath['GET /v3/catalog/categories']).toBe(2)
    expect(sim.stats.byPath['GET /v3/catalog/brands']).toBe(1)
    const [row] = await ctx.db.execute<{ name: string; data: Record<string, unknown> }>(sql`
      select name, data from bigcommerce.categories where store_hash = 'wholebackfill' and id = 7`)
    const record = sim.store.get('categories', 7)
    expect(row?.data).toEqual(record && sim.store.render('categories', record))
    expect(row?.name).toBe(row?.data.name)
  })

  it("categories' webhooks create, change and delete rows; brands have no events", async () => {
    const { sim, ctx: sync } = await backfilled(ctx.db, 'wholeevents')
    const events: SimEvent[] = []
    sim.store.onEvent((event) => events.push(event))
    const created = sim.store.create('categories', { name: 'Made by a webhook' })
    sim.store.update('categories', 3, { name: 'Renamed', is_visible: false })
    sim.store.delete('categories', 5)
    sim.store.update('brands', 2, { name: 'No event for this' })
    expect(events.map((e) => e.scope)).toEqual([
      'store/category/created',
      'store/category/updated',
      'store/category/deleted',
    ])
    await deliver(ctx.db, sim, events)
    const summary = await processBatch({
      db: ctx.db,
      client: sync.client,
      storeHash: sim.storeHash,
    })
    expect(summary).toMatchObject({ claimed: 3, failed: 0, tables: { categories: { deleted: 1 } } })
    await expectMirrorEqualsStore(ctx.db, sim, ['categories'])
    const [renamed] = await ctx.db.execute<{ name: string; is_visible: boolean }>(sql`
      select name, is_visible from bigcommerce.categories where store_hash = 'wholeevents' and id = 3`)
    expect(renamed).toEqual({ name: 'Renamed', is_visible: false })
    const ids = await ctx.db.execute<{ id: number }>(sql`
      select id::int as id from bigcommerce.categories
      where store_hash = 'wholeevents' and id in (${created}, 5) order by id`)
    expect(ids).toEqual([{ id: created }])
    const tombstones = await ctx.db.execute<{ resource: string; id: number }>(sql`
      select resource, id::int as id from bigcommerce.deletions where store_hash = 'wholeevents'`)
    expect(tombstones).toEqual([{ resource: 'categories', id: 5 }])
    // The brand changed without an event: the next sweep of the tables listed whole brings it.
    expect((await runSync(sync, { tables: SNAPSHOT_TABLES })).ok).toBe(true)
    const [brand] = await ctx.db.execute<{ name: string }>(sql`
      select name from bigcommerce.brands where store_hash = 'wholeevents' and id = 2`)
    expect(brand?.name).toBe('No event for this')
  })

  it('a failed category event stops being a problem once a sweep of the whole table completes', async () => {
    const { ctx: sync } = await backfilled(ctx.db, 'wholefailed')
    await ctx.db.execute(sql`
      insert into bigcommerce.webhook_events (store_hash, hash, scope, resource, resource_id, payload, status, processed_at, last_error)
      values ('wholefailed', 'f1', 'store/category/updated', 'categories', 7, '{}'::jsonb, 'failed', now(), 'refetch failed: 500')`)
    expect((await readStatus(ctx.db, 'wholefailed')).problems).toEqual([
      {
        what: '1 webhook event for categories failed: refetch failed: 500',
        fix: 'bc-mirror sync --tables categories',
      },
    ])
    expect((await runSync(sync, { tables: ['categories'] })).ok).toBe(true)
    const status = await readStatus(ctx.db, 'wholefailed')
    expect(status.problems).toEqual([])
    expect(status.inbox).toMatchObject({ failed: 1, unresolvedFailed: 0 })
  })

  it('a sweep finds rows deleted in the store without an event, and removes only those', async () => {
    const { sim, ctx: sync } = await backfilled(ctx.db, 'wholedeleted')
    for (const id of [1, 250, 251, 320]) sim.store.delete('categories', id)
    sim.store.delete('brands', 40)
    sim.store.create('brands', {})
    const summary = await runSync(sync, { tables: SNAPSHOT_TABLES })
    expect(summary.ok).toBe(true)
    expect(summary.tables.categories).toMatchObject({ status: 'completed', deleted: 4 })
    expect(summary.tables.brands).toMatchObject({ status: 'completed', deleted: 1 })
    await expectMirrorEqualsStore(ctx.db, sim, ['categories', 'brands'])
    const [gone] = await ctx.db.execute<{ n: number }>(sql`
      select count(*)::int as n from bigcommerce.deletions where store_hash = 'wholedeleted'`)
    expect(gone?.n).toBe(5)
  })

  it('a listing short of its total deletes nothing', async () => {
    const { sim, ctx: sync } = await backfilled(ctx.db, 'wholeshort')
    sim.store.delete('categories', 9)
    sim.injectFaults({ path: /^\/v3\/catalog\/categories$/, omitIds: [10, 11], times: 'always' })
    const summary = await runSync(sync, { tables: ['categories'] })
    expect(summary.tables.categories?.deleted).toBe(0)
    const [kept] = await ctx.db.execute<{ n: number }>(sql`
      select count(*)::int as n from bigcommerce.categories
      where store_hash = 'wholeshort' and id in (9, 10, 11)`)
    expect(kept?.n).toBe(3)
  })

  it('a table the store refuses (403) fails alone, as one problem with its fix', async () => {
    sim = await startStore({ storeHash: 'whole403', data: { seed: 32, counts: COUNTS } })
    sim.injectFaults({ path: /^\/v3\/catalog\/brands/, status: 403, times: 'always' })
    const { client } = clientFor(sim)
    const summary = await runSync({ db: ctx.db, client, storeHash: 'whole403' })
    expect(summary.ok).toBe(false)
    const failed = Object.entries(summary.tables).filter(([, t]) => t?.status !== 'completed')
    expect(failed.map(([name]) => name)).toEqual(['brands'])
    await expectMirrorEqualsStore(ctx.db, sim, ['categories', 'coupons', 'products'])
    const { problems } = await readStatus(ctx.db, 'whole403')
    expect(problems).toEqual([
      {
        what: expect.stringMatching(
          /^the last sweep of brands failed: 403 Forbidden on GET \/v3\/catalog\/brands: the API account lacks the Products read scope \(store_v2_products_read_only\)/,
        ),
        fix: expect.stringMatching(/store_v2_products_read_only.*bc-mirror sync --tables brands$/),
      },
    ])
  })
})
