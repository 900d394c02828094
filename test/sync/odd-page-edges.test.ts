// An odd object (no date_modified, no id) where a sweep reads a page's bounds: the last row of a
// full page, or the first row of a probe page. The sweep takes the bounds from the page's other
// rows, sets the odd object aside in rejected_rows, and mirrors every other row of the table.
import { sql } from 'drizzle-orm'
import { afterEach, expect, it } from 'vitest'
import { runSync } from '../../src/sync/sweeps/sweep.ts'
import type { SimStore } from '../../src/sim/index.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { bySweepOrder, clientFor, mirrorRows, startStore } from './support.ts'

let sim: SimStore | undefined

afterEach(async () => {
  await sim?.close()
  sim = undefined
})

describeEachDatabase('odd objects at page edges', (ctx) => {
  it('a product without date_modified as the last row of full pages and the first of a probe page', async () => {
    sim = await startStore({ data: { seed: 3, counts: { products: 1200 } } })
    const ordered = bySweepOrder(sim.store.byId('products'))
    // 0-based positions: the last rows of pages 1 and 2, the first row of page 3.
    const odd = [249, 499, 500].map((i) => ordered[i]?.id ?? 0)
    for (const id of odd)
      sim.store.corrupt('products', id, ({ date_modified: _gone, ...rest }) => rest)
    const { client, events } = clientFor(sim)

    const summary = await runSync(
      { db: ctx.db, client, storeHash: sim.storeHash, clientEvents: events },
      { tables: ['products'], full: true },
    )

    expect(summary.tables.products?.status).toBe('completed')
    expect(summary.tables.products?.rejected.map((r) => r.id).sort()).toEqual([...odd].sort())
    const mirror = await mirrorRows(ctx.db, 'products', sim.storeHash)
    const expected = sim.store
      .byId('products')
      .map((r) => r.id)
      .filter((id) => !odd.includes(id))
    expect([...mirror.keys()].sort((a, b) => a - b)).toEqual(expected)
  })

  it('a coupon without an id as the last row of a full page', async () => {
    sim = await startStore({ data: { seed: 4, counts: { coupons: 600 } } })
    const ids = sim.store.byId('coupons').map((r) => r.id)
    const odd = ids[249] ?? 0
    sim.store.corrupt('coupons', odd, ({ id: _gone, ...rest }) => rest)
    const { client, events } = clientFor(sim)

    const summary = await runSync(
      { db: ctx.db, client, storeHash: sim.storeHash, clientEvents: events },
      { tables: ['coupons'] },
    )

    expect(summary.tables.coupons?.status).toBe('completed')
    const mirror = await mirrorRows(ctx.db, 'coupons', sim.storeHash)
    expect([...mirror.keys()].sort((a, b) => a - b)).toEqual(ids.filter((id) => id !== odd))
    const [rejected] = await ctx.db.execute<{ n: number }>(
      sql`select count(*)::int as n from bigcommerce.rejected_rows
          where store_hash = ${sim.storeHash} and resource = 'coupons' and id is null`,
    )
    expect(rejected?.n).toBe(1)
  })
})
