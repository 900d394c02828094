// "Absence is not deletion", the row and event side, against the simulated store over real HTTP
// on every database: a refetch that misses a row once, deletions confirmed by a second read or by
// a deleted event, tombstones that stop only older reads (and heal on sync --full), poison rows
// set aside in rejected_rows without holding back their page or batch, answers holding ids nobody
// asked for, same-hash deliveries for different targets, and error texts without row data.
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.ts'
import { MAX_ERROR_LENGTH } from '../../src/db/errors.ts'
import { deleteRows } from '../../src/db/write.ts'
import { createApp, WEBHOOK_PATH } from '../../src/http/app.ts'
import { insertEvents } from '../../src/sync/events/inbox.ts'
import { readStatus } from '../../src/sync/status/status.ts'
import { runSync } from '../../src/sync/sweeps/sweep.ts'
import {
  DEFAULT_CONFIRM_DELAY_MS,
  processBatch,
  startEventWorker,
  type EventWorkerContext,
  type WorkerLogEntry,
} from '../../src/sync/events/event-worker.ts'
import { startSimStore, type SimEvent, type SimStore } from '../../src/sim/index.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { clientFor, mirrorRows } from './support.ts'

const SECRET = 'absence-test-webhook-secret'
type Table = 'orders' | 'products' | 'customers'
let sim: SimStore
const events: SimEvent[] = []
let hashes = 0

function useSimStore() {
  beforeAll(async () => {
    // Small tables: every sweep range fits one page, so a poison row is never a page's last.
    sim = await startSimStore({
      quota: null,
      data: { counts: { coupons: 5, orders: 40, products: 60, customers: 40 } },
    })
    sim.store.onEvent((event) => events.push(event))
  })
  afterAll(async () => {
    await sim.close()
  })
}

/** Delivers events through the real app; `hash` fixes the payload hash (default: a fresh one). */
async function deliver(db: Database, list: SimEvent[], hash?: string) {
  const app = createApp({
    storeHash: sim.storeHash,
    webhookSecret: SECRET,
    enqueue: (event) => insertEvents(db, sim.storeHash, [event]).then(() => undefined),
    checkHealth: async () => true,
  })
  for (const event of list) {
    const body = JSON.stringify({
      ...event,
      hash: hash ?? `absence-${++hashes}`,
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

const updated = (table: Table, id: number): SimEvent => ({
  scope: `store/${table.slice(0, -1)}/updated`,
  data: { type: table.slice(0, -1), id },
})

async function row(db: Database, table: Table, id: number) {
  const [found] = await db.execute<{ data: Record<string, unknown> }>(
    sql`select data from ${sql.raw(`bigcommerce.${table}`)} where store_hash = ${sim.storeHash} and id = ${id}`,
  )
  return found
}

async function tombstone(db: Database, table: Table, id: number) {
  const [found] = await db.execute<{ id: number }>(
    sql`select id::int as id from bigcommerce.deletions where store_hash = ${sim.storeHash} and resource = ${table} and id = ${id}`,
  )
  return found
}

async function rejections(db: Database, table: string) {
  return db.execute<{ id: number | null; reason: string; raw: string }>(
    sql`select id::float8 as id, reason, raw from bigcommerce.rejected_rows
        where store_hash = ${sim.storeHash} and resource = ${table} order by id nulls first`,
  )
}

const render = (table: Table, id: number) => {
  const record = sim.store.get(table, id)
  if (!record) return undefined
  // Orders are read with their consignments embedded.
  return table === 'orders'
    ? sim.store.renderOrderWithConsignments(record)
    : sim.store.render(table, record)
}

/** Makes deferred events due now, as if the confirmation delay had passed. */
async function skipConfirmationDelay(db: Database) {
  await db.execute(
    sql`update bigcommerce.webhook_events set available_at = now() where status = 'pending'`,
  )
}

describeEachDatabase('absence is not deletion: rows and events', (ctx) => {
  useSimStore()
  const logs: WorkerLogEntry[] = []
  const context = (): EventWorkerContext => ({
    db: ctx.db,
    client: clientFor(sim).client,
    storeHash: sim.storeHash,
    log: (entry) => logs.push(entry),
  })
  const sync = () => ({ db: ctx.db, client: clientFor(sim).client, storeHash: sim.storeHash })

  beforeEach(async () => {
    events.splice(0)
    logs.splice(0)
    await ctx.db.execute(sql`delete from bigcommerce.webhook_events`)
  })

  it('an order refetch that 404s once right after store/order/created, then exists, ends up mirrored', async () => {
    const id = sim.store.create('orders', {})
    sim.store.hideById('orders', id, 1)
    await deliver(ctx.db, events.splice(0))
    const first = await processBatch(context())
    expect(first?.tables.orders).toMatchObject({ written: 0, deleted: 0, deferred: 1 })
    expect(await row(ctx.db, 'orders', id)).toBeUndefined()
    expect(await tombstone(ctx.db, 'orders', id)).toBeUndefined()
    // The confirming read comes after the delay, not at once.
    expect(await processBatch(context())).toBeNull()
    await skipConfirmationDelay(ctx.db)
    const second = await processBatch(context())
    expect(second?.tables.orders).toMatchObject({ written: 1, deleted: 0, deferred: 0 })
    expect((await row(ctx.db, 'orders', id))?.data).toEqual(render('orders', id))
  })

  it('an order that 404ed once on its refetch is mirrored by the next sync', async () => {
    const id = sim.store.create('orders', {})
    sim.store.hideById('orders', id, 1)
    await deliver(ctx.db, events.splice(0))
    expect((await processBatch(context()))?.tables.orders).toMatchObject({ deferred: 1 })
    const summary = await runSync(sync(), { tables: ['orders'] })
    expect(summary.tables.orders?.status).toBe('completed')
    expect((await row(ctx.db, 'orders', id))?.data).toEqual(render('orders', id))
  })

  it('a not-found confirmed by a second read is deleted with a tombstone', async () => {
    const id = 3
    await deliver(ctx.db, [updated('orders', id)])
    await processBatch(context())
    expect(await row(ctx.db, 'orders', id)).toBeDefined()
    // Orders have no deleted event; an update event for an order that is gone.
    sim.store.delete('orders', id)
    await deliver(ctx.db, [updated('orders', id)])
    expect((await processBatch(context()))?.tables.orders).toMatchObject({
      deleted: 0,
      deferred: 1,
    })
    expect(await row(ctx.db, 'orders', id)).toBeDefined()
    await skipConfirmationDelay(ctx.db)
    expect((await processBatch(context()))?.tables.orders).toMatchObject({ deleted: 1 })
    expect(await row(ctx.db, 'orders', id)).toBeUndefined()
    expect(await tombstone(ctx.db, 'orders', id)).toEqual({ id })
  })

  it('a deleted webhook removes the row as soon as a refetch misses it, and within a minute when the store still answers', async () => {
    await deliver(ctx.db, [updated('products', 4), updated('products', 5)])
    await processBatch(context())
    expect(await row(ctx.db, 'products', 4)).toBeDefined()

    // The refetch misses product 4: the deleted event and that miss are the evidence.
    sim.store.delete('products', 4)
    await deliver(ctx.db, events.splice(0))
    expect((await processBatch(context()))?.tables.products).toMatchObject({ deleted: 1 })
    expect(await row(ctx.db, 'products', 4)).toBeUndefined()
    expect(await tombstone(ctx.db, 'products', 4)).toEqual({ id: 4 })

    // The deleted event arrives while the store still answers for product 5 (it lags).
    await deliver(ctx.db, [{ scope: 'store/product/deleted', data: { type: 'product', id: 5 } }])
    expect((await processBatch(context()))?.tables.products).toMatchObject({
      deleted: 0,
      deferred: 1,
    })
    const [due] = await ctx.db.execute<{ wait: number }>(
      sql`select extract(epoch from available_at - now())::float8 as wait from bigcommerce.webhook_events where status = 'pending'`,
    )
    // Read again after the confirmation delay: well within a minute.
    expect(DEFAULT_CONFIRM_DELAY_MS).toBeLessThanOrEqual(30_000)
    expect(Number(due?.wait)).toBeGreaterThan(15)
    expect(Number(due?.wait)).toBeLessThanOrEqual(DEFAULT_CONFIRM_DELAY_MS / 1000)
    sim.store.delete('products', 5)
    events.splice(0)
    await skipConfirmationDelay(ctx.db)
    expect((await processBatch(context()))?.tables.products).toMatchObject({ deleted: 1 })
    expect(await row(ctx.db, 'products', 5)).toBeUndefined()
  })

  it('a running worker deletes a row whose deleted event came early once its confirming read misses it', async () => {
    await deliver(ctx.db, [updated('products', 6)])
    await processBatch(context())
    expect(await row(ctx.db, 'products', 6)).toBeDefined()
    await deliver(ctx.db, [{ scope: 'store/product/deleted', data: { type: 'product', id: 6 } }])
    const worker = startEventWorker(context(), { confirmDelayMs: 2000, idleMs: 50, gatherMs: 0 })
    try {
      const rechecks = async () => {
        const [event] = await ctx.db.execute<{ rechecks: number }>(
          sql`select rechecks from bigcommerce.webhook_events where scope = 'store/product/deleted'`,
        )
        return event?.rechecks
      }
      // The first read still found it: put back for a confirming read, the row kept meanwhile.
      await expect.poll(rechecks, { timeout: 10_000 }).toBe(1)
      expect(await row(ctx.db, 'products', 6)).toBeDefined()
      sim.store.delete('products', 6)
      events.splice(0)
      await expect.poll(() => row(ctx.db, 'products', 6), { timeout: 10_000 }).toBeUndefined()
      expect(await tombstone(ctx.db, 'products', 6)).toEqual({ id: 6 })
    } finally {
      await worker.stop()
    }
  })

  it('rows deleted and tombstoned at T by the old behaviour are all restored by a later sync --full', async () => {
    const first = await runSync(sync(), { tables: ['customers', 'products'], full: true })
    expect(first.ok).toBe(true)
    const held = {
      customers: [...(await mirrorRows(ctx.db, 'customers', sim.storeHash)).keys()],
      products: [...(await mirrorRows(ctx.db, 'products', sim.storeHash)).keys()],
    }
    // What an empty list answer did: every row deleted, tombstoned at the time of the deletion,
    // which is newer than every date_modified (the old guard then refused every later version).
    const T = new Date(Date.now() - 1000)
    for (const table of ['customers', 'products'] as const) {
      expect(await deleteRows(ctx.db, table, sim.storeHash, held[table], { deletedAt: T })).toBe(
        held[table].length,
      )
      expect((await mirrorRows(ctx.db, table, sim.storeHash)).size).toBe(0)
    }
    const healed = await runSync(sync(), { tables: ['customers', 'products'], full: true })
    expect(healed.ok).toBe(true)
    for (const table of ['customers', 'products'] as const) {
      const mirror = await mirrorRows(ctx.db, table, sim.storeHash)
      expect([...mirror.keys()].sort((a, b) => a - b)).toEqual(
        sim.store.byId(table).map((r) => r.id),
      )
    }
    expect(healed.tables.products?.upserted).toBe(held.products.length)
    const [left] = await ctx.db.execute<{ n: number }>(
      sql`select count(*)::int as n from bigcommerce.deletions
          where store_hash = ${sim.storeHash} and deleted_at = ${T.toISOString()}::timestamptz`,
    )
    expect(left?.n).toBe(0)
  })

  it('poison rows in a sweep go to rejected_rows; every other row of the page is mirrored; a fixed row clears its entry', async () => {
    const store = sim.store
    store.update('products', 10, { inventory_level: 3_000_000_000 })
    store.corrupt('products', 11, ({ date_modified: _gone, ...rest }) => rest)
    store.corrupt('products', 12, (r) => ({ ...r, date_modified: '9999-12-31T00:00:00+00:00' }))
    store.update('customers', 10, { notes: 'a NUL \u0000 here' })
    store.corrupt('customers', 11, ({ id: _gone, ...rest }) => rest)
    events.splice(0)
    await ctx.db.execute(sql`delete from bigcommerce.rejected_rows`)
    await ctx.db.execute(sql`delete from bigcommerce.products where id in (10, 11, 12)`)
    await ctx.db.execute(sql`delete from bigcommerce.customers where id in (10, 11)`)

    const summary = await runSync(sync(), { tables: ['customers', 'products'], full: true })
    expect(summary.tables.products?.status).toBe('completed')
    expect(summary.tables.customers?.status).toBe('completed')
    expect(summary.tables.products?.rejected.map((r) => r.id).sort()).toEqual([10, 11, 12])
    expect(summary.tables.customers?.rejected.map((r) => r.id)).toEqual(
      expect.arrayContaining([10, null]),
    )
    for (const [table, poison] of [
      ['products', [10, 11, 12]],
      ['customers', [10, 11]],
    ] as const) {
      const mirror = await mirrorRows(ctx.db, table, sim.storeHash)
      const expected = store
        .byId(table)
        .map((r) => r.id)
        .filter((id) => !(poison as readonly number[]).includes(id))
      expect([...mirror.keys()].sort((a, b) => a - b)).toEqual(expected)
    }
    const products = await rejections(ctx.db, 'products')
    expect(products.map((r) => [Number(r.id), r.reason])).toEqual([
      [10, expect.stringMatching(/PostgreSQL: .*out of range for type integer/)],
      [11, expect.stringMatching(/date_modified/)],
      [12, expect.stringMatching(/more than a day in the future/)],
    ])
    const customers = await rejections(ctx.db, 'customers')
    expect(customers.map((r) => [r.id === null ? null : Number(r.id), r.reason])).toEqual([
      [null, expect.stringMatching(/id/)],
      [10, expect.stringMatching(/PostgreSQL: .*(Unicode|\\u0000)/)],
    ])
    // PostgreSQL's message, never the SQL or its parameters.
    for (const r of [...products, ...customers]) {
      expect(r.reason).not.toMatch(/Failed query|insert into|@example\.com/)
      expect(r.reason.length).toBeLessThanOrEqual(MAX_ERROR_LENGTH)
    }
    const status = await readStatus(ctx.db, sim.storeHash)
    expect(status.tables.products.rejected).toBe(3)
    expect(status.tables.customers.rejected).toBe(2)

    // Fixed in the store: the next read stores the rows and clears their entries.
    store.update('products', 10, { inventory_level: 7 })
    for (const id of [11, 12]) store.corrupt('products', id, null)
    store.update('customers', 10, { notes: 'fine now' })
    const fixed = await runSync(sync(), { tables: ['customers', 'products'], full: true })
    expect(fixed.ok).toBe(true)
    for (const id of [10, 11, 12])
      expect((await row(ctx.db, 'products', id))?.data).toEqual(render('products', id))
    expect((await row(ctx.db, 'customers', 10))?.data).toEqual(render('customers', 10))
    expect(await rejections(ctx.db, 'products')).toEqual([])
    // Customer 11 still has no id in the store: its entry stays.
    expect((await rejections(ctx.db, 'customers')).map((r) => r.id)).toEqual([null])
    store.corrupt('customers', 11, null)
  })

  it('poison rows in a worker batch go to rejected_rows; every other row of the batch is mirrored', async () => {
    const store = sim.store
    await ctx.db.execute(sql`delete from bigcommerce.rejected_rows`)
    store.update('products', 20, { inventory_level: 3_000_000_000 })
    store.corrupt('products', 21, ({ date_modified: _gone, ...rest }) => rest)
    store.corrupt('products', 22, (r) => ({ ...r, date_modified: '9999-12-31T00:00:00+00:00' }))
    store.update('customers', 20, { notes: 'a NUL \u0000 here' })
    store.update('orders', 20, { staff_notes: 'a NUL \u0000 here' })
    store.corrupt('customers', 21, ({ id: _gone, ...rest }) => rest)
    for (const id of [21, 22, 23, 24, 25]) store.update('products', id, { name: `batch ${id}` })
    for (const id of [21, 22, 23]) store.update('customers', id, { first_name: `Batch${id}` })
    store.update('orders', 21, { staff_notes: 'fine' })
    await deliver(ctx.db, events.splice(0))
    const summary = await processBatch(context())
    expect(summary?.tables.products?.rejected.map((r) => r.id).sort()).toEqual([20, 21, 22])
    expect(summary?.tables.customers?.rejected.map((r) => r.id).sort()).toEqual([20, null])
    expect(summary?.tables.orders?.rejected.map((r) => r.id)).toEqual([20])
    for (const id of [23, 24, 25])
      expect((await row(ctx.db, 'products', id))?.data).toEqual(render('products', id))
    for (const id of [22, 23])
      expect((await row(ctx.db, 'customers', id))?.data).toEqual(render('customers', id))
    expect((await row(ctx.db, 'orders', 21))?.data).toEqual(render('orders', 21))
    // The far-future version was set aside; the row mirrored before stays as it was.
    expect((await row(ctx.db, 'products', 22))?.data.date_modified).not.toMatch(/^9999/)
    // The answer held an object without an id, so it says nothing about customer 21: retried, not deleted.
    expect(summary?.tables.customers).toMatchObject({ unanswered: 1, deleted: 0 })
    expect(await tombstone(ctx.db, 'customers', 21)).toBeUndefined()
    expect((await rejections(ctx.db, 'orders')).map((r) => [Number(r.id), r.reason])).toEqual([
      [20, expect.stringMatching(/PostgreSQL: /)],
    ])
    for (const id of [21, 22]) store.corrupt('products', id, null)
    store.corrupt('customers', 21, null)
  })

  it('an answer holding ids nobody asked for is ignored for those ids and is no evidence about the asked ones', async () => {
    await ctx.db.execute(sql`delete from bigcommerce.products where id in (30, 31, 32)`)
    await ctx.db.execute(sql`delete from bigcommerce.orders where id in (30, 31)`)
    // id:in=30,31 answers with 30 and 32; GET /v2/orders/30 answers with order 31.
    sim.store.answerAs('products', 31, 32)
    sim.store.answerAs('orders', 30, 31)
    await deliver(ctx.db, [updated('products', 30), updated('products', 31), updated('orders', 30)])
    const summary = await processBatch(context())
    expect(summary?.tables.products).toMatchObject({ written: 1, deleted: 0, unanswered: 1 })
    expect(summary?.tables.orders).toMatchObject({ written: 0, deleted: 0, unanswered: 1 })
    expect(summary?.retried).toBe(2)
    expect((await row(ctx.db, 'products', 30))?.data).toEqual(render('products', 30))
    for (const id of [31, 32]) expect(await row(ctx.db, 'products', id)).toBeUndefined()
    for (const id of [30, 31]) expect(await row(ctx.db, 'orders', id)).toBeUndefined()
    expect(await tombstone(ctx.db, 'products', 31)).toBeUndefined()
    expect(await tombstone(ctx.db, 'orders', 30)).toBeUndefined()
    // Once the answers are right again, the retries mirror the asked rows.
    sim.store.answerAs('products', 31, null)
    sim.store.answerAs('orders', 30, null)
    await skipConfirmationDelay(ctx.db)
    await processBatch(context())
    expect((await row(ctx.db, 'products', 31))?.data).toEqual(render('products', 31))
    expect((await row(ctx.db, 'orders', 30))?.data).toEqual(render('orders', 30))
  })

  it("a full sweep's read by id that answers with other ids deletes nothing", async () => {
    await runSync(sync(), { tables: ['products'], full: true })
    // A row the mirror holds that the sweep will not see, as after a deletion in the store.
    await ctx.db.execute(sql`
      insert into bigcommerce.products (store_hash, id, date_modified, data, synced_at)
      values (${sim.storeHash}, 9999, now() - interval '1 day', '{"id": 9999}', now() - interval '1 day')`)
    // Asked by id, the store answers with product 1 instead: no evidence that 9999 is gone.
    sim.store.answerAs('products', 9999, 1)
    const strayed = await runSync(sync(), { tables: ['products'], full: true })
    expect(strayed.tables.products?.deleted).toBe(0)
    expect(await row(ctx.db, 'products', 9999)).toBeDefined()
    expect(await tombstone(ctx.db, 'products', 9999)).toBeUndefined()
    // A straight answer that lacks it is evidence.
    sim.store.answerAs('products', 9999, null)
    const straight = await runSync(sync(), { tables: ['products'], full: true })
    expect(straight.tables.products?.deleted).toBe(1)
    expect(await row(ctx.db, 'products', 9999)).toBeUndefined()
  })

  it('deliveries with the same hash but another scope or id each get their rows refreshed', async () => {
    sim.store.update('products', 40, { name: 'same hash, product 40' })
    sim.store.update('products', 41, { name: 'same hash, product 41' })
    sim.store.update('customers', 30, { first_name: 'Samehash' })
    events.splice(0)
    const list: SimEvent[] = [
      updated('products', 40),
      updated('products', 41),
      { scope: 'store/product/inventory/updated', data: { type: 'product', id: 40 } },
      updated('customers', 30),
    ]
    await deliver(ctx.db, list, 'one-hash-for-all')
    // An identical delivery (same hash, scope and id) is still absorbed.
    await deliver(ctx.db, [updated('products', 40)], 'one-hash-for-all')
    const [stored] = await ctx.db.execute<{ n: number }>(
      sql`select count(*)::int as n from bigcommerce.webhook_events`,
    )
    expect(stored?.n).toBe(4)
    const summary = await processBatch(context())
    expect(summary).toMatchObject({
      claimed: 4,
      tables: { products: { ids: 2 }, customers: { ids: 1 } },
    })
    for (const id of [40, 41])
      expect((await row(ctx.db, 'products', id))?.data).toEqual(render('products', id))
    expect((await row(ctx.db, 'customers', 30))?.data).toMatchObject({ first_name: 'Samehash' })
  })

  it("error texts name the table and PostgreSQL's cause, never a row's data", async () => {
    await ctx.db.execute(
      sql.raw(`
      create or replace function bigcommerce.refuse_writes() returns trigger language plpgsql as $$
      begin raise exception 'writes refused for this test'; end $$`),
    )
    await ctx.db.execute(
      sql.raw(`
      create trigger refuse_writes before insert or update on bigcommerce.customers
      for each row execute function bigcommerce.refuse_writes()`),
    )
    try {
      await ctx.db.execute(
        sql`delete from bigcommerce.customers where store_hash = ${sim.storeHash}`,
      )
      const emails = sim.store
        .byId('customers')
        .map((r) => String(sim.store.fieldsOf('customers', r).email))
      const summary = await runSync(sync(), { tables: ['customers'], full: true })
      expect(summary.tables.customers?.status).toBe('failed')
      const [state] = await ctx.db.execute<{ last_error: string }>(
        sql`select last_error from bigcommerce.sync_state where store_hash = ${sim.storeHash} and table_name = 'customers'`,
      )
      const stored = state?.last_error ?? ''
      // The table is named by its sync_state row and its summary line ("customers: ...").
      expect(stored).toMatch(/^PostgreSQL: writes refused for this test/)
      expect(stored.length).toBeLessThanOrEqual(MAX_ERROR_LENGTH)
      expect(summary.tables.customers?.error).toBe(stored)

      sim.store.update('customers', 5, { first_name: 'Refused' })
      await deliver(ctx.db, events.splice(0))
      await processBatch(context())
      const [event] = await ctx.db.execute<{ last_error: string }>(
        sql`select last_error from bigcommerce.webhook_events`,
      )
      expect(event?.last_error).toMatch(/^customers id 5: PostgreSQL: writes refused for this test/)
      const logged = JSON.stringify(logs)
      expect(logged).toContain('writes refused for this test')
      for (const text of [stored, event?.last_error ?? '', logged]) {
        for (const email of emails) expect(text).not.toContain(email)
        expect(text).not.toMatch(/Failed query|params:/)
      }
    } finally {
      await ctx.db.execute(sql.raw('drop trigger refuse_writes on bigcommerce.customers'))
    }
  })
})
