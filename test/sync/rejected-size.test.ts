// Bounded quarantine over real HTTP against the simulated store, on both databases: an object the
// mirror cannot store keeps at most 64 KiB of itself in rejected_rows, and its reason says it was
// cut and how large it was, whether validation refused it or PostgreSQL did.
import { sql } from 'drizzle-orm'
import { afterEach, expect, it } from 'vitest'
import { MAX_REJECTED_RAW_BYTES } from '../../src/db/bounded-json.ts'
import type { SimStore } from '../../src/sim/index.ts'
import { runSync } from '../../src/sync/sweeps/sweep.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { clientFor, startStore } from './support.ts'

let sim: SimStore | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

const BIG = 3 * 1024 * 1024

describeEachDatabase('rejected rows are bounded', (ctx) => {
  it('a 3 MiB object refused by validation or by PostgreSQL keeps 64 KiB, saying so', async () => {
    const storeHash = 'big-rejects'
    sim = await startStore({ storeHash, data: { seed: 25, counts: { products: 40 } } })
    const [future, nul] = sim.store.byId('products').slice(3, 5)
    if (!future || !nul) throw new Error('the simulated store has too few products')
    const description = 'x'.repeat(BIG)
    sim.store.corrupt('products', future.id, (r) => ({
      ...r,
      description,
      date_modified: '9999-12-31T00:00:00+00:00',
    }))
    sim.store.corrupt('products', nul.id, (r) => ({ ...r, description, name: 'a\u0000b' }))

    const sync = { db: ctx.db, client: clientFor(sim).client, storeHash }
    const summary = await runSync(sync, { tables: ['products'] })
    expect(summary.tables.products).toMatchObject({ status: 'completed', rejectedCount: 2 })
    const rows = await ctx.db.execute<{ id: number; reason: string; bytes: number }>(sql`
      select id::int as id, reason, octet_length(raw)::int as bytes from bigcommerce.rejected_rows
      where store_hash = ${storeHash} order by id`)
    expect(rows.map((r) => r.id)).toEqual([future.id, nul.id].sort((a, b) => a - b))
    for (const row of rows) {
      expect(row.bytes).toBeLessThanOrEqual(MAX_REJECTED_RAW_BYTES)
      expect(row.bytes).toBeGreaterThan(MAX_REJECTED_RAW_BYTES - 100)
      expect(row.reason).toMatch(/ \(object of \d{7} bytes, first 64 KiB kept\)$/)
    }
    const byId = new Map(rows.map((r) => [r.id, r.reason]))
    expect(byId.get(future.id)).toMatch(
      /^date_modified 9999-12-31T00:00:00.000Z is more than a day/,
    )
    expect(byId.get(nul.id)).toMatch(/^PostgreSQL: /)
    // Every other product is mirrored.
    const [stored] = await ctx.db.execute<{ n: number }>(
      sql`select count(*)::int as n from bigcommerce.products where store_hash = ${storeHash}`,
    )
    expect(stored?.n).toBe(38)
  })
})
