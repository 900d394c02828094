// The worker's write of refetched products that did not change: 200 products (with their
// variants, in the product's transaction) written again and again, as the webhook bench's
// worker does every batch. Prints, per write, the CPU of the scratch database's PostgreSQL
// backends (from /proc, so PostgreSQL on this machine) and of this process (the statements' JSON).
//
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres tsx bench/refetch-write.ts [-- --products 200 --rounds 200]
import { parseArgs } from 'node:util'
import { sql } from 'drizzle-orm'
import { createBigCommerceClient } from '../src/bigcommerce/client.ts'
import { writeItems } from '../src/db/write-items.ts'
import { products } from '../src/resources/products.ts'
import { startSimStore } from '../src/sim/index.ts'
import { statCpuSeconds } from './support/ack-phases.ts'
import { freshDatabase } from './support/database.ts'

const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '200' },
    /** Write the products alone, without their variants (to tell the two statements apart). */
    'no-children': { type: 'boolean', default: false },
  },
})
if (!process.env.BENCH_DATABASE_URL) throw new Error('set BENCH_DATABASE_URL (a local PostgreSQL)')
const count = Number(values.products)
const rounds = Number(values.rounds)

const sim = await startSimStore({ quota: null, data: { seed: 7, counts: { products: count } } })
const target = await freshDatabase('refetch_write')
const client = createBigCommerceClient({
  apiUrl: sim.url,
  storeHash: sim.storeHash,
  accessToken: sim.accessToken,
})
const ctx = { db: target.db, client, storeHash: sim.storeHash }
const ids = sim.store.byId('products').map((r) => r.id)
const answer = await products.fetchByIds(client, ids)
const items = [...answer.found.values()]
const write = () =>
  writeItems(target.db, products, sim.storeHash, items, {
    prepare: async (rows) => {
      await products.prepareRows?.(ctx, rows)
      if (values['no-children']) for (const row of rows) delete row.children
    },
  })
await write()
const backends = await target.db.execute<{ pid: number }>(
  sql`select pid from pg_stat_activity where datname = current_database()`,
)
const backendSeconds = () =>
  backends.reduce((sum, { pid }) => sum + statCpuSeconds(`/proc/${pid}/stat`), 0)
const backendBefore = backendSeconds()
const ownStart = process.cpuUsage()
const started = performance.now()
let written = 0
for (let round = 0; round < rounds; round++) written += (await write()).written
const elapsed = performance.now() - started
const own = process.cpuUsage(ownStart)
const backendMs = (backendSeconds() - backendBefore) * 1000
console.log(
  `${rounds} writes of ${items.length} unchanged products (${target.kind}): ${(elapsed / rounds).toFixed(2)} ms each, ` +
    `PostgreSQL backend ${(backendMs / rounds).toFixed(2)} ms, this process ${((own.user + own.system) / 1000 / rounds).toFixed(2)} ms CPU each; ${written} rows written`,
)
await target.dispose()
await sim.close()
