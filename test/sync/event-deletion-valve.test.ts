// The event processor's deletion valve, over real HTTP against the simulated store, on both
// databases: rows read by id as gone are deleted only up to the valve per table and window; the
// rest wait, held, and `status` names them with the command that lets a full sweep confirm them;
// a completed full sweep settles them (docs/reliability.md, "The mass-delete valve").
import { sql } from 'drizzle-orm'
import { afterEach, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.ts'
import type { SimStore } from '../../src/sim/index.ts'
import { processBatch, type EventWorkerContext } from '../../src/sync/events/event-worker.ts'
import { eventDeleteLimit } from '../../src/sync/events/deletion-valve.ts'
import { insertEvents } from '../../src/sync/events/inbox.ts'
import type { WorkerLogEntry } from '../../src/sync/events/worker-types.ts'
import { readStatus } from '../../src/sync/status/status.ts'
import { runSync } from '../../src/sync/sweeps/sweep.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { clientFor, expectMirrorEqualsStore, mirrorRows, startStore } from './support.ts'

let sim: SimStore | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

it('the valve per 10 minutes: 10 rows or 1% of the table, whichever is larger', () => {
  expect([0, 5, 60, 1000, 1001, 5000].map(eventDeleteLimit)).toEqual([10, 10, 10, 10, 11, 50])
})

/** Queues one event per id, as the receiver would, and works the inbox until nothing is due. */
async function work(db: Database, ctx: EventWorkerContext, scope: string, ids: number[]) {
  await insertEvents(
    db,
    ctx.storeHash,
    ids.map((id) => ({
      hash: `valve-${scope}-${id}`,
      scope,
      resource: 'products' as const,
      resourceId: id,
      payload: { scope, data: { type: 'product', id } },
    })),
  )
  for (let round = 0; round < 6; round++) {
    if (!(await processBatch(ctx, { confirmDelayMs: 0 }))) break
  }
}

async function statuses(db: Database, storeHash: string) {
  const rows = await db.execute<{ status: string; n: number }>(sql`
    select status, count(*)::int as n from bigcommerce.webhook_events
    where store_hash = ${storeHash} group by status order by status`)
  return Object.fromEntries(rows.map((r) => [r.status, r.n]))
}

describeEachDatabase('the event processor deletion valve', (ctx) => {
  async function mirrored(storeHash: string) {
    sim = await startStore({ storeHash, data: { seed: 24, counts: { products: 60 } } })
    const logs: WorkerLogEntry[] = []
    const sync = { db: ctx.db, client: clientFor(sim).client, storeHash }
    expect((await runSync(sync, { tables: ['products'] })).ok).toBe(true)
    const worker: EventWorkerContext = { ...sync, log: (entry) => logs.push(entry) }
    return { sim, sync, worker, logs }
  }

  it('30 of 60 products missing from reads by id: 10 go, 20 wait and show in status; a full sweep settles them', async () => {
    const storeHash = 'valve-misses'
    const { sim, sync, worker, logs } = await mirrored(storeHash)
    const ids = sim.store
      .byId('products')
      .slice(0, 30)
      .map((r) => r.id)
    // Reads by id miss them (twice: the read and its confirmation); the list still has them.
    for (const id of ids) sim.store.hideById('products', id, 2)
    await work(ctx.db, worker, 'store/product/updated', ids)

    expect((await mirrorRows(ctx.db, 'products', storeHash)).size).toBe(50)
    expect(await statuses(ctx.db, storeHash)).toEqual({ done: 10, held: 20 })
    expect(logs).toContainEqual(
      expect.objectContaining({ event: 'deletions_held', resource: 'products', ids: 20 }),
    )
    const status = await readStatus(ctx.db, storeHash)
    const reason =
      'products: the event processor read more rows as gone by id than its valve lets it delete (10 rows of 60 in 10 minutes); they and later ones wait for a full sweep to confirm them. If the store really deleted them, run: bc-mirror sync --full --tables products --allow-mass-delete'
    expect(status.inbox.held).toEqual([{ resource: 'products', reason, count: 20 }])
    expect(status.problems).toContainEqual({
      what: `20 webhook events for products wait at the deletion valve: ${reason}`,
      fix: 'check in the store that the rows are gone, then bc-mirror sync --full --tables products --allow-mass-delete',
    })

    // The store has them all: the full sweep restores the 10 and deletes none of the 20.
    const full = await runSync(sync, { full: true, tables: ['products'] })
    expect(full.tables.products).toMatchObject({ status: 'completed', deleted: 0 })
    await expectMirrorEqualsStore(ctx.db, sim, ['products'])
    expect(await statuses(ctx.db, storeHash)).toEqual({ done: 30 })
    expect((await readStatus(ctx.db, storeHash)).inbox.held).toEqual([])
  })

  it('deletions announced by webhooks past the valve wait, and a full sweep deletes them', async () => {
    const storeHash = 'valve-deleted'
    const { sim, sync, worker } = await mirrored(storeHash)
    const ids = sim.store
      .byId('products')
      .slice(5, 17)
      .map((r) => r.id)
    for (const id of ids) sim.store.delete('products', id)
    await work(ctx.db, worker, 'store/product/deleted', ids)
    expect((await mirrorRows(ctx.db, 'products', storeHash)).size).toBe(50)
    expect(await statuses(ctx.db, storeHash)).toEqual({ done: 10, held: 2 })

    // A new delivery for a held row tries again, and is held again while the window is full.
    await work(ctx.db, worker, 'store/product/deleted', ids.slice(-1))
    expect(await statuses(ctx.db, storeHash)).toEqual({ done: 10, held: 2 })

    // Once the window has passed, deletions still wait while any of the table's are held: the
    // valve is not a slow drain.
    await ctx.db.execute(sql`update bigcommerce.deletions
      set deleted_at = deleted_at - interval '11 minutes' where store_hash = ${storeHash}`)
    const next = sim.store.byId('products')[30]?.id ?? 0
    sim.store.delete('products', next)
    await work(ctx.db, worker, 'store/product/deleted', [next])
    expect(await statuses(ctx.db, storeHash)).toEqual({ done: 10, held: 3 })
    expect((await mirrorRows(ctx.db, 'products', storeHash)).has(next)).toBe(true)

    const full = await runSync(sync, { full: true, tables: ['products'] })
    expect(full.tables.products).toMatchObject({ status: 'completed', deleted: 3 })
    await expectMirrorEqualsStore(ctx.db, sim, ['products'])
    expect(await statuses(ctx.db, storeHash)).toEqual({ done: 13 })
  })
})
