// A full sweep run in chunks (the Worker's nightly reconciliation, one queue message per chunk),
// over real HTTP against the simulated store, on both databases: a chunk stopped by its signal
// keeps what it listed in its checkpoint, and the chunk that ends the listing deletes the rows the
// store no longer has, by the same rules as one run (whole listing, each id asked, the valve).
// Without `chunked`, a resumed full sweep still deletes nothing (the next whole run does).
import { sql } from 'drizzle-orm'
import { afterEach, expect, it } from 'vitest'
import type { SimStore } from '../../src/sim/index.ts'
import { runSync, type SyncContext } from '../../src/sync/sweeps/sweep.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { clientFor, startStore } from './support.ts'

let sim: SimStore | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

describeEachDatabase('a full sweep in chunks', (ctx) => {
  const ids = async (storeHash: string) =>
    (
      await ctx.db.execute<{ id: number }>(
        sql`select id::int as id from bigcommerce.orders where store_hash = ${storeHash} order by id`,
      )
    ).map((r) => r.id)

  /** A full sweep of orders stopped once `pages` pages were committed. */
  async function cutAfter(sync: SyncContext, pages: number, chunked: boolean) {
    const stop = new AbortController()
    let committed = 0
    const summary = await runSync(
      {
        ...sync,
        onProgress: (p) => {
          if (p.state === 'running' && ++committed >= pages) stop.abort()
        },
      },
      { full: true, tables: ['orders'], signal: stop.signal, chunked },
    )
    expect(summary.tables.orders?.status).toBe('interrupted')
  }

  async function start(storeHash: string) {
    sim = await startStore({ storeHash, data: { seed: 5, counts: { orders: 320 } } })
    const sync: SyncContext = {
      db: ctx.db,
      client: clientFor(sim).client,
      storeHash,
      concurrency: 1,
    }
    expect((await runSync(sync, { tables: ['orders'] })).ok).toBe(true)
    const held = (await ids(storeHash)).length
    expect(held).toBeGreaterThan(250) // more than a page: the listing takes two chunks
    return { sim, sync, held }
  }

  it('the last chunk deletes an order the store lost, listed or not by the chunks before', async () => {
    const { sim, sync, held } = await start('chunked')
    const all = await ids('chunked')
    const [first, last] = [all[0], all.at(-1)]
    sim.store.delete('orders', first ?? 0)
    await cutAfter(sync, 1, true)
    const [row] = await ctx.db.execute<{ evidence: unknown }>(sql`
      select checkpoint->'evidence' as evidence from bigcommerce.sync_state
      where store_hash = 'chunked' and table_name = 'orders'`)
    expect(row?.evidence).toMatchObject({ seen: expect.any(Array), listed: expect.any(Object) })
    // Deleted between chunks: the next chunk may or may not list it; either way it goes.
    sim.store.delete('orders', last ?? 0)

    const end = await runSync(sync, { full: true, tables: ['orders'], chunked: true })
    expect(end.tables.orders).toMatchObject({ status: 'completed', deleted: 2 })
    const left = await ids('chunked')
    expect(left).toHaveLength(held - 2)
    expect(left).not.toContain(first)
    expect(left).not.toContain(last)
  })

  it('without chunked, a resumed full sweep deletes nothing; the next whole one does', async () => {
    const { sim, sync } = await start('unchunked')
    const [first] = await ids('unchunked')
    sim.store.delete('orders', first ?? 0)
    await cutAfter(sync, 1, false)
    const resumed = await runSync(sync, { full: true, tables: ['orders'] })
    expect(resumed.tables.orders).toMatchObject({ status: 'completed', deleted: 0 })
    expect(await ids('unchunked')).toContain(first)
    const whole = await runSync(sync, { full: true, tables: ['orders'] })
    expect(whole.tables.orders).toMatchObject({ status: 'completed', deleted: 1 })
  })
})
