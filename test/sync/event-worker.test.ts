// The event worker against the simulated store: each scope family refreshes the right row,
// coalescing (identical deliveries and bursts), the staleness guard, retries and failure, and a
// worker that dies holding a lease.
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { createBigCommerceClient } from '../../src/bigcommerce/client.ts'
import { createRatePacer } from '../../src/bigcommerce/pacer.ts'
import type { Database } from '../../src/db/database.ts'
import { upsertRows } from '../../src/db/write.ts'
import { createApp, WEBHOOK_PATH } from '../../src/http/app.ts'
import { RESOURCES } from '../../src/resources/index.ts'
import { claimEvents, insertEvents } from '../../src/sync/events/inbox.ts'
import { readStatus } from '../../src/sync/status/status.ts'
import {
  processBatch,
  startEventWorker,
  type EventWorkerContext,
} from '../../src/sync/events/event-worker.ts'
import { startSimStore, type SimEvent, type SimStore } from '../../src/sim/index.ts'
import { describeEachDatabase } from '../support/databases.ts'

const SECRET = 'worker-test-webhook-secret'
let sim: SimStore
const events: SimEvent[] = []
let hashes = 0

/** A fresh simulated store for each database kind's suite (the tests mutate and delete rows). */
function useSimStore() {
  beforeAll(async () => {
    sim = await startSimStore({
      quota: null,
      data: { counts: { orders: 30, products: 600, customers: 30 } },
    })
    // Collect the store's events here instead of delivering them over HTTP (serve's suite does that).
    sim.store.onEvent((event) => events.push(event))
  })
  afterAll(async () => {
    await sim.close()
  })
}

function clientFor(options: { fetch?: typeof fetch; maxRetries?: number } = {}) {
  return createBigCommerceClient({
    apiUrl: sim.url,
    storeHash: sim.storeHash,
    accessToken: sim.accessToken,
    retryBaseMs: 1,
    retryMaxMs: 5,
    timeoutMs: 5000,
    pacer: createRatePacer(),
    ...options,
  })
}

/** Delivers the collected store events through the real app, as BigCommerce would. */
async function deliver(db: Database, list: SimEvent[] = events.splice(0), copies = 1) {
  const app = createApp({
    storeHash: sim.storeHash,
    webhookSecret: SECRET,
    enqueue: (event) => insertEvents(db, sim.storeHash, [event]).then(() => undefined),
    checkHealth: async () => true,
  })
  for (const event of list) {
    const body = JSON.stringify({
      ...event,
      hash: `hash-${++hashes}`,
      producer: `stores/${sim.storeHash}`,
    })
    for (let i = 0; i < copies; i++) {
      const response = await app.request(WEBHOOK_PATH, {
        method: 'POST',
        body,
        headers: { 'X-Webhook-Secret': SECRET },
      })
      expect(response.status).toBe(200)
    }
  }
}

async function row(db: Database, table: string, id: number) {
  const [found] = await db.execute<{ data: Record<string, unknown>; date_modified: string | null }>(
    sql`select data, date_modified from ${sql.raw(`bigcommerce.${table}`)} where store_hash = ${sim.storeHash} and id = ${id}`,
  )
  return found
}

const render = (name: 'orders' | 'products' | 'customers', id: number) => {
  const record = sim.store.get(name, id)
  return record ? sim.store.render(name, record) : undefined
}

/** A customer (other than 3 and 9, which other tests use) that has an address, and that address. */
function firstAddress(): [number, number] {
  for (const record of sim.store.byId('customers')) {
    const addresses = sim.store.fieldsOf('customers', record).addresses
    const first = Array.isArray(addresses)
      ? (addresses[0] as { id?: number } | undefined)
      : undefined
    if (record.id > 20 && first?.id) return [record.id, first.id]
  }
  throw new Error('no customer with an address in the simulated store')
}

const requests = () => Object.values(sim.stats.byPath).reduce((a, b) => a + b, 0)

async function inboxStatuses(db: Database) {
  return db.execute<{ status: string; n: number }>(
    sql`select status, count(*)::int as n from bigcommerce.webhook_events group by status order by status`,
  )
}

describeEachDatabase('event worker', (ctx) => {
  useSimStore()
  const context = (): EventWorkerContext => ({
    db: ctx.db,
    client: clientFor(),
    storeHash: sim.storeHash,
  })

  beforeEach(async () => {
    events.splice(0)
    await ctx.db.execute(sql`delete from bigcommerce.webhook_events`)
    sim.setOptions({ latencyMs: 0 })
  })

  it('mirrors every scope family: products, SKUs, customers, addresses, orders, archive, deletes', async () => {
    const store = sim.store
    store.update('products', 1, { name: 'Renamed by a webhook' })
    store.updateVariant(2, 21, { price: 99.5 })
    store.update('customers', 3, { first_name: 'Zelda' })
    const [withAddress, addressId] = firstAddress()
    store.updateAddress(withAddress, addressId, { city: 'Lisbon' })
    store.update('orders', 5, { status_id: 2 })
    store.archiveOrder(6)
    const created = store.create('products', { name: 'Brand new' })
    await deliver(ctx.db)
    const summary = await processBatch(context())
    expect(summary).toMatchObject({ claimed: 8, ignored: 0, retried: 0, failed: 0 })
    expect((await row(ctx.db, 'products', 1))?.data).toEqual(render('products', 1))
    expect((await row(ctx.db, 'products', 2))?.data).toEqual(render('products', 2))
    expect(
      (
        (await row(ctx.db, 'products', 2))?.data.variants as Array<{ id: number; price: number }>
      ).find((v) => v.id === 21)?.price,
    ).toBe(99.5)
    expect((await row(ctx.db, 'customers', 3))?.data).toMatchObject({ first_name: 'Zelda' })
    expect((await row(ctx.db, 'customers', withAddress))?.data).toEqual(
      render('customers', withAddress),
    )
    expect((await row(ctx.db, 'orders', 5))?.data).toMatchObject({ status_id: 2 })
    const archived = await row(ctx.db, 'orders', 6)
    expect(archived?.data).toMatchObject({ id: 6, is_deleted: true })
    expect((await row(ctx.db, 'products', created))?.data).toMatchObject({ name: 'Brand new' })
    // The SKU and address events carried the variant's and the address's ids; those rows do not exist.
    expect(await row(ctx.db, 'products', 21)).toBeUndefined()
    expect(await row(ctx.db, 'customers', addressId)).toBeUndefined()
    expect(await inboxStatuses(ctx.db)).toEqual([{ status: 'done', n: 8 }])

    store.delete('products', 1)
    store.delete('customers', 3)
    await deliver(ctx.db)
    expect(await processBatch(context())).toMatchObject({
      claimed: 2,
      tables: { products: { deleted: 1 }, customers: { deleted: 1 } },
    })
    expect(await row(ctx.db, 'products', 1)).toBeUndefined()
    expect(await row(ctx.db, 'customers', 3)).toBeUndefined()
    const tombstones = await ctx.db.execute<{ resource: string; id: number }>(
      sql`select resource, id::int as id from bigcommerce.deletions order by resource`,
    )
    expect(tombstones).toEqual([
      { resource: 'customers', id: 3 },
      { resource: 'products', id: 1 },
    ])
  })

  it('six identical deliveries cost one refetch', async () => {
    sim.store.update('orders', 7, { staff_notes: 'six times' })
    const list = events.splice(0)
    expect(list).toHaveLength(1)
    await deliver(ctx.db, list, 6)
    sim.resetStats()
    expect(await processBatch(context())).toMatchObject({ claimed: 1 })
    expect(sim.stats.byPath).toEqual({ 'GET /v2/orders/:id': 1 })
    expect((await row(ctx.db, 'orders', 7))?.data).toMatchObject({ staff_notes: 'six times' })
  })

  const TURN_WAIT_MS = 800
  it("the fleet's turn is taken after a claim that found events, before the API is asked; an empty claim takes none", async () => {
    const turns: Array<{ requests: number; claimed: number }> = []
    const paced: EventWorkerContext = {
      ...context(),
      batchTurn: async () => {
        const [held] = await ctx.db.execute<{ n: number }>(
          sql`select count(*)::int as n from bigcommerce.webhook_events where locked_until is not null`,
        )
        turns.push({ requests: requests(), claimed: held?.n ?? 0 })
        // A long wait for the turn, which the batch's duration must leave out.
        await new Promise((resolve) => setTimeout(resolve, TURN_WAIT_MS))
      },
    }
    sim.resetStats()
    expect(await processBatch(paced)).toBeNull()
    expect(turns).toEqual([])

    sim.store.update('products', 8, { name: 'Paced' })
    await deliver(ctx.db)
    sim.resetStats()
    const summary = await processBatch(paced)
    expect(summary).toMatchObject({ claimed: 1 })
    expect(summary?.durationMs).toBeLessThan(TURN_WAIT_MS)
    expect(turns).toEqual([{ requests: 0, claimed: 1 }])
    expect(requests()).toBe(1)
  })

  it('coalesces a burst: 500 product events on 500 products are two id:in requests', async () => {
    for (let id = 100; id < 600; id++) sim.store.update('products', id, { inventory_level: id })
    await deliver(ctx.db)
    sim.resetStats()
    const summary = await processBatch(context())
    expect(summary).toMatchObject({
      claimed: 500,
      tables: { products: { ids: 500, written: 500 } },
    })
    expect(requests()).toBe(2)
    expect((await row(ctx.db, 'products', 599))?.data).toMatchObject({ inventory_level: 599 })
  })

  it('a refetch older than the stored row never overwrites it', async () => {
    const current = render('products', 8)
    const newer = RESOURCES.products.toRow({
      ...current,
      name: 'Newer than the API',
      date_modified: '2099-01-01T00:00:00+00:00',
    })
    await upsertRows(ctx.db, 'products', sim.storeHash, [newer])
    await deliver(ctx.db, [{ scope: 'store/product/updated', data: { type: 'product', id: 8 } }])
    expect(await processBatch(context())).toMatchObject({
      claimed: 1,
      tables: { products: { written: 0, unchanged: 1 } },
    })
    expect((await row(ctx.db, 'products', 8))?.data).toMatchObject({ name: 'Newer than the API' })
    expect(await inboxStatuses(ctx.db)).toEqual([{ status: 'done', n: 1 }])
  })

  it('a failing refetch stays pending with backoff, then is marked failed and shown in status', async () => {
    await deliver(ctx.db, [{ scope: 'store/customer/updated', data: { type: 'customer', id: 9 } }])
    sim.injectFaults({ path: '/v3/customers', status: 500 }, { path: '/v3/customers', status: 500 })
    const failing: EventWorkerContext = { ...context(), client: clientFor({ maxRetries: 0 }) }
    const retry = { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 }
    expect(await processBatch(failing, { retry })).toMatchObject({
      claimed: 1,
      retried: 1,
      failed: 0,
    })
    const [pending] = await ctx.db.execute<{
      status: string
      attempts: number
      last_error: string
    }>(sql`select status, attempts, last_error from bigcommerce.webhook_events`)
    expect(pending).toMatchObject({ status: 'pending', attempts: 1 })
    expect(pending?.last_error).toMatch(/500/)
    expect(await processBatch(failing, { retry })).toMatchObject({
      claimed: 1,
      retried: 0,
      failed: 1,
    })
    expect((await readStatus(ctx.db, sim.storeHash)).inbox).toMatchObject({ pending: 0, failed: 1 })
    // Another delivery of the same event re-arms it.
    await insertEvents(ctx.db, sim.storeHash, [
      {
        hash: `hash-${hashes}`,
        scope: 'store/customer/updated',
        resource: 'customers',
        resourceId: 9,
        payload: {},
      },
    ])
    expect(await processBatch(context())).toMatchObject({ claimed: 1, failed: 0 })
    expect((await row(ctx.db, 'customers', 9))?.data).toEqual(render('customers', 9))
  })

  it('a backoff keeps a retried event out of the next batch until it is due', async () => {
    await deliver(ctx.db, [{ scope: 'store/order/updated', data: { type: 'order', id: 10 } }])
    sim.injectFaults({ path: '/v2/orders/10', status: 500 })
    const failing: EventWorkerContext = { ...context(), client: clientFor({ maxRetries: 0 }) }
    await processBatch(failing, {
      retry: { maxAttempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 },
    })
    expect(await processBatch(context())).toBeNull()
  })

  it('a batch slower than its lease keeps its events: the claim is renewed while it works', async () => {
    for (let id = 21; id <= 24; id++) sim.store.update('orders', id, { staff_notes: `slow ${id}` })
    await deliver(
      ctx.db,
      [21, 22, 23, 24].map((id) => ({ scope: 'store/order/updated', data: { type: 'order', id } })),
    )
    sim.setOptions({ latencyMs: 2_000 })
    try {
      const slow = processBatch(context(), { leaseMs: 600 })
      // Well past the lease, another worker finds nothing to take.
      await new Promise((resolve) => setTimeout(resolve, 1_200))
      expect(await claimEvents(ctx.db, sim.storeHash, { limit: 100, leaseMs: 600 })).toEqual([])
      expect(await slow).toMatchObject({ claimed: 4, tables: { orders: { written: 4 } } })
    } finally {
      sim.setOptions({ latencyMs: 0 })
    }
    expect(await inboxStatuses(ctx.db)).toEqual([{ status: 'done', n: 4 }])
  })

  it('a worker that dies mid-batch loses nothing: its events are claimed again when its lease ends', async () => {
    for (let id = 11; id <= 20; id++) sim.store.update('orders', id, { staff_notes: `note ${id}` })
    await deliver(ctx.db)
    // The doomed worker claims everything and dies: nobody renews its claim.
    expect(await claimEvents(ctx.db, sim.storeHash, { limit: 100, leaseMs: 800 })).toHaveLength(10)
    expect(await processBatch(context())).toBeNull()
    // The restarted worker finds them once the lease has run out.
    const restarted = startEventWorker(context(), { leaseMs: 60_000, idleMs: 100 })
    await expect
      .poll(() => inboxStatuses(ctx.db), { timeout: 10_000 })
      .toEqual([{ status: 'done', n: 10 }])
    await restarted.stop()
    for (let id = 11; id <= 20; id++)
      expect((await row(ctx.db, 'orders', id))?.data).toMatchObject({ staff_notes: `note ${id}` })
  })
})
