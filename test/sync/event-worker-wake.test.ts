// Which of the event worker's loops a stored event wakes: only its table's. Every other loop's
// claim would find nothing and cost the database a scan of the pending events; waking all of them
// on each delivery was most of the receiver's lost speed (docs/benchmarks.md, issue 23).
import { sql, type SQL } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createBigCommerceClient } from '../../src/bigcommerce/client.ts'
import { createRatePacer } from '../../src/bigcommerce/pacer.ts'
import type { Database } from '../../src/db/database.ts'
import { EVENT_TABLES } from '../../src/resources/index.ts'
import { startSimStore, type SimStore } from '../../src/sim/index.ts'
import { startEventWorker } from '../../src/sync/events/event-worker.ts'
import { insertEvents } from '../../src/sync/events/inbox.ts'
import { describeEachDatabase } from '../support/databases.ts'

const dialect = new PgDialect()
let sim: SimStore
let events = 0

beforeAll(async () => {
  sim = await startSimStore({ quota: null, data: { counts: { products: 5, customers: 5 } } })
})
afterAll(async () => {
  await sim.close()
})

/**
 * `db`, noting which loop each claim came from: a table's name, or `others`; in `claims` once
 * answered, and in `sent` (when given) as soon as it is sent.
 */
function notingClaims(db: Database, claims: string[], sent?: string[]): Database {
  return new Proxy(db, {
    get(target, key, receiver) {
      if (key !== 'execute') return Reflect.get(target, key, receiver)
      return async (query: SQL) => {
        const { sql: text, params } = dialect.sqlToQuery(query)
        const only = text.includes("coalesce(resource, '') = $")
        const loop = EVENT_TABLES.find((name) => only && params.includes(name)) ?? 'others'
        const isClaim = text.includes('with due as')
        if (isClaim) sent?.push(loop)
        const result = await target.execute(query)
        // Noted once answered: a claim called before an insert may run after it (a busy pool).
        if (isClaim) claims.push(loop)
        return result
      }
    },
  })
}

describeEachDatabase('event worker wake-ups', (ctx) => {
  it("a stored event wakes its own table's loop only; wake() without tables wakes them all", async () => {
    const claims: string[] = []
    const client = createBigCommerceClient({
      ...{ apiUrl: sim.url, storeHash: sim.storeHash, accessToken: sim.accessToken },
      pacer: createRatePacer(),
    })
    const db = notingClaims(ctx.db, claims)
    // A poll far longer than the test: every claim after the first looks comes from a wake-up.
    const worker = startEventWorker(
      { db, client, storeHash: sim.storeHash },
      { idleMs: 600_000, gatherMs: 0 },
    )
    try {
      const everyLoop = [...EVENT_TABLES, 'others'].sort()
      await expect.poll(() => [...claims].sort()).toEqual(everyLoop)
      claims.splice(0)

      events += 1
      const hash = `wake-${events}`
      const payload = { scope: 'store/product/updated', data: { type: 'product', id: 1 }, hash }
      await insertEvents(ctx.db, sim.storeHash, [
        { hash, scope: payload.scope, resource: 'products', resourceId: 1, payload },
      ])
      worker.wake(['products'])
      await expect.poll(() => pendingEvents(ctx.db)).toBe(0)
      await expect.poll(() => new Set(claims)).toEqual(new Set(['products']))

      claims.splice(0)
      worker.wake([null])
      await expect.poll(() => claims).toContain('others')
      worker.wake()
      await expect.poll(() => new Set(claims)).toEqual(new Set(everyLoop))
    } finally {
      await worker.stop()
    }
  })
})

describeEachDatabase('event worker after a batch', (ctx) => {
  it('claims again only when woken meanwhile: a batch that took every due event is not followed by an empty claim', async () => {
    const claims: string[] = []
    const sent: string[] = []
    const batches: number[] = []
    const client = createBigCommerceClient({
      ...{ apiUrl: sim.url, storeHash: sim.storeHash, accessToken: sim.accessToken },
      pacer: createRatePacer(),
    })
    const db = notingClaims(ctx.db, claims, sent)
    const worker = startEventWorker(
      {
        db,
        client,
        storeHash: sim.storeHash,
        log: (entry) => {
          if (entry.event === 'batch') batches.push(entry.claimed)
        },
      },
      { idleMs: 600_000, gatherMs: 0 },
    )
    try {
      // Every loop's first claim answered (and found nothing): each loop now waits for a wake.
      const everyLoop = [...EVENT_TABLES, 'others'].sort()
      await expect.poll(() => [...claims].sort()).toEqual(everyLoop)
      sent.splice(0)

      events += 1
      const hash = `after-batch-${events}`
      const payload = { scope: 'store/product/updated', data: { type: 'product', id: 2 }, hash }
      await insertEvents(ctx.db, sim.storeHash, [
        { hash, scope: payload.scope, resource: 'products', resourceId: 2, payload },
      ])
      worker.wake(['products'])
      await expect.poll(() => batches).toEqual([1])
      // The old loop claimed again at once, within the batch's own chain of promises: a turn of
      // the event loop later that claim has been sent, or was never made.
      await expect.poll(() => pendingEvents(ctx.db)).toBe(0)
      await new Promise((resolve) => setImmediate(resolve))
      expect(sent).toEqual(['products'])
    } finally {
      await worker.stop()
    }
  })
})

describeEachDatabase('event worker started by a wake', (ctx) => {
  it("with startAsleep, only the woken table's loop claims: the others wait for a wake of their own", async () => {
    const claims: string[] = []
    const sent: string[] = []
    const client = createBigCommerceClient({
      ...{ apiUrl: sim.url, storeHash: sim.storeHash, accessToken: sim.accessToken },
      pacer: createRatePacer(),
    })
    events += 1
    const hash = `asleep-${events}`
    const payload = { scope: 'store/product/updated', data: { type: 'product', id: 3 }, hash }
    await insertEvents(ctx.db, sim.storeHash, [
      { hash, scope: payload.scope, resource: 'products', resourceId: 3, payload },
    ])
    // As a store lane does: the worker starts on the wake that names the tables with events.
    const worker = startEventWorker(
      { db: notingClaims(ctx.db, claims, sent), client, storeHash: sim.storeHash },
      { idleMs: 600_000, gatherMs: 0, startAsleep: true },
    )
    try {
      worker.wake(['products'])
      await expect.poll(() => pendingEvents(ctx.db)).toBe(0)
      await new Promise((resolve) => setImmediate(resolve))
      expect(sent).toEqual(['products'])

      worker.wake()
      const everyLoop = [...EVENT_TABLES, 'others'].sort()
      await expect.poll(() => [...new Set(claims)].sort()).toEqual(everyLoop)
    } finally {
      await worker.stop()
    }
  })
})

async function pendingEvents(db: Database): Promise<number> {
  const [row] = await db.execute<{ n: number }>(
    sql`select count(*)::int as n from bigcommerce.webhook_events where status = 'pending'`,
  )
  return Number(row?.n)
}
