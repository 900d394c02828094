// What the tables listed whole (no date_modified: coupons, categories, brands) cost in requests
// per row: the snapshot sweep (a backfill and every later sweep read them whole), verify's counts
// and id pages, a burst of category events (the event worker's `id:in` reads), and a sweep that
// finds rows deleted in the store without an event (each confirmed by id first). Requests are
// counted by the simulated store, in this process (no quota: requests, not time, are measured).
//
//   npm run bench:snapshots [-- --categories 2000 --brands 500 --coupons 1000 --burst 600 --deleted 20]
//
// The database is a fresh in-memory PGlite, or a scratch PostgreSQL database when
// BENCH_DATABASE_URL is set.
import { parseArgs } from 'node:util'
import { createBigCommerceClient } from '../src/bigcommerce/client.ts'
import { SNAPSHOT_TABLES } from '../src/resources/index.ts'
import { startSimStore } from '../src/sim/index.ts'
import { processBatch } from '../src/sync/events/event-worker.ts'
import { insertEvents } from '../src/sync/events/inbox.ts'
import { runSync } from '../src/sync/sweeps/sweep.ts'
import { verifyMirror } from '../src/sync/sweeps/verify.ts'
import { freshDatabase } from './support/database.ts'

const { values } = parseArgs({
  options: {
    categories: { type: 'string', default: '2000' },
    brands: { type: 'string', default: '500' },
    coupons: { type: 'string', default: '1000' },
    burst: { type: 'string', default: '600' },
    deleted: { type: 'string', default: '20' },
  },
})
const counts = {
  categories: Number(values.categories),
  brands: Number(values.brands),
  coupons: Number(values.coupons),
}
const burst = Number(values.burst)
const deleted = Number(values.deleted)

const sim = await startSimStore({ quota: null, data: { seed: 17, counts } })
const target = await freshDatabase('snapshots')
const client = createBigCommerceClient({
  apiUrl: sim.url,
  storeHash: sim.storeHash,
  accessToken: sim.accessToken,
})
const ctx = { db: target.db, client, storeHash: sim.storeHash }
const rows = counts.categories + counts.brands + counts.coupons

/** Requests since the last call, by path, and their sum. */
function take() {
  const byPath = { ...sim.stats.byPath }
  sim.resetStats()
  const total = Object.values(byPath).reduce((a, b) => a + b, 0)
  return { byPath, total }
}
const list = (byPath: Record<string, number>) =>
  Object.entries(byPath)
    .map(([path, n]) => `${n} ${path}`)
    .join(', ')
const per = (n: number, of: number) => (n / of).toFixed(4)

console.log(
  `bench:snapshots — ${counts.categories} categories, ${counts.brands} brands, ${counts.coupons} coupons; database: ${target.kind}`,
)

sim.resetStats()
const fill = await runSync(ctx, { tables: SNAPSHOT_TABLES })
if (!fill.ok) throw new Error('the snapshot sweep failed')
const sweep = take()
console.log(
  `snapshot sweep (the backfill, and every sweep after it): ${sweep.total} requests for ${rows} rows, ${per(sweep.total, rows)} per row (${list(sweep.byPath)})`,
)

const counted = await verifyMirror(ctx, { tables: SNAPSHOT_TABLES })
if (!counted.ok) throw new Error('verify found drift after the sweep')
const verifyCounts = take()
const verifyIds = (await verifyMirror(ctx, { tables: SNAPSHOT_TABLES, ids: true }), take())
console.log(
  `verify: counts ${verifyCounts.total} requests (${list(verifyCounts.byPath)}); --ids ${verifyIds.total} requests, ${per(verifyIds.total, rows)} per row (${list(verifyIds.byPath)})`,
)

const ids = Array.from({ length: burst }, (_, i) => i + 1)
for (const id of ids) sim.store.update('categories', id, { name: `Renamed ${id}` })
await insertEvents(
  target.db,
  sim.storeHash,
  ids.map((id) => ({
    hash: `c${id}`,
    scope: 'store/category/updated',
    resource: 'categories' as const,
    resourceId: id,
    payload: { scope: 'store/category/updated', data: { type: 'category', id } },
  })),
)
take()
let written = 0
for (;;) {
  const batch = await processBatch(ctx)
  if (!batch) break
  written += batch.tables.categories?.written ?? 0
}
const events = take()
console.log(
  `burst of ${burst} category events (${written} written): ${events.total} requests, ${per(events.total, burst)} per event (${list(events.byPath)})`,
)

for (let id = 0; id < deleted; id++) sim.store.delete('categories', counts.categories - id * 7)
const gone = await runSync(ctx, { tables: ['categories'] })
const removal = take()
console.log(
  `sweep finding ${deleted} categories deleted without an event (${gone.tables.categories?.deleted ?? 0} deleted): ${removal.total} requests (${list(removal.byPath)})`,
)

await sim.close()
await target.dispose()
