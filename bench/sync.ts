// Backfill speed: `runSync` against the simulated store at 120 ms latency and a fixed quota,
// compared with the fewest requests that carry every row at that quota (the floor), and with the
// same store paged sequentially one request at a time (what Singer's and Airbyte's connectors do).
//
//   npm run bench:sync [-- --rows 80000 --quota 150 --window-ms 30000 --latency-ms 120]
//
// Each run writes into its own fresh database: PostgreSQL when BENCH_DATABASE_URL is set
// (a scratch database is created and dropped on that server), else an in-memory PGlite.
// Then the memory of a backfill: max RSS of `bc-mirror sync` at two store sizes, on PostgreSQL
// and on the embedded database (bench/memory.ts; `--memory-rows 30000,150000`, `--skip-memory`).
import { parseArgs } from 'node:util'
import { createBigCommerceClient } from '../src/bigcommerce/client.ts'
import { MAX_PAGE_SIZE } from '../src/bigcommerce/paging.ts'
import type { ResourceName } from '../src/db/schema.ts'
import { upsertRows } from '../src/db/write.ts'
import { RESOURCES } from '../src/resources/index.ts'
import { createClientEventHub } from '../src/sync/request-stats.ts'
import { runSync } from '../src/sync/sweeps/sweep.ts'
import { SYNC_TABLES } from '../src/resources/index.ts'
import { measureMemory } from './memory.ts'
import { freshDatabase } from './support/database.ts'
import { startSimProcess, type SimProcess } from './support/sim-client.ts'

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '80000' },
    quota: { type: 'string', default: '150' },
    'window-ms': { type: 'string', default: '30000' },
    'latency-ms': { type: 'string', default: '120' },
    'skip-sequential': { type: 'boolean', default: false },
    // The memory of a backfill (see bench/memory.ts): no quota, so it does not wait on one.
    'memory-rows': { type: 'string', default: '30000,150000' },
    'skip-memory': { type: 'boolean', default: false },
  },
})
const totalRows = Number(values.rows)
const quota = Number(values.quota)
const windowMs = Number(values['window-ms'])
const latencyMs = Number(values['latency-ms'])
// A store shaped like a real one: more orders than customers than products, a few coupons.
const counts: Partial<Record<ResourceName, number>> = {
  orders: Math.round(totalRows * 0.4),
  customers: Math.round(totalRows * 0.3),
  products: Math.round(totalRows * 0.25),
  coupons: Math.round(totalRows * 0.05),
}

async function startStore(): Promise<SimProcess> {
  return startSimProcess({
    quota,
    windowMs,
    latencyMs,
    cacheRendered: true,
    data: { seed: 7, counts },
  })
}

/** The fewest requests that carry every row: full pages, plus one count request for orders. */
const floorRequests =
  Object.values(counts).reduce((n, c) => n + Math.ceil(c / MAX_PAGE_SIZE), 0) + 1
const floorSeconds = (floorRequests / quota) * (windowMs / 1000)

async function measureConcurrent() {
  const sim = await startStore()
  const target = await freshDatabase('sweep')
  const events = createClientEventHub()
  const client = createBigCommerceClient({
    apiUrl: sim.url,
    storeHash: sim.storeHash,
    accessToken: sim.accessToken,
    onEvent: events.emit,
  })
  const started = performance.now()
  const summary = await runSync({
    db: target.db,
    client,
    storeHash: sim.storeHash,
    clientEvents: events,
  })
  const seconds = (performance.now() - started) / 1000
  const stats = await sim.stats()
  await sim.close()
  await target.dispose()
  for (const [table, t] of Object.entries(summary.tables)) {
    console.log(
      `  ${table.padEnd(9)} ${t.fetched} rows fetched in ${t.requests} requests (fewest: ${Math.ceil((counts[table as ResourceName] ?? 0) / MAX_PAGE_SIZE) + (table === 'orders' ? 1 : 0)}), ${t.seconds.toFixed(1)} s`,
    )
  }
  if (!summary.ok) throw new Error(`sweep failed: ${JSON.stringify(summary.tables)}`)
  return {
    seconds,
    requests: stats.requests,
    throttled: stats.throttled,
    maxInWindow: stats.maxCountedInWindow,
    kind: target.kind,
  }
}

/** One table after another, one page after another: page=1, 2, ... until a short page. */
async function measureSequential() {
  const sim = await startStore()
  const target = await freshDatabase('seq')
  const client = createBigCommerceClient({
    apiUrl: sim.url,
    storeHash: sim.storeHash,
    accessToken: sim.accessToken,
  })
  const started = performance.now()
  for (const table of SYNC_TABLES) {
    const resource = RESOURCES[table]
    for (let page = 1; ; page++) {
      const { items } = await resource.listRange(client, { page })
      await upsertRows(
        target.db,
        table,
        sim.storeHash,
        items.map((item) => resource.toRow(item)),
      )
      if (items.length < MAX_PAGE_SIZE) break
    }
  }
  const seconds = (performance.now() - started) / 1000
  const stats = await sim.stats()
  await sim.close()
  await target.dispose()
  return { seconds, requests: stats.requests, throttled: stats.throttled }
}

const rows = Object.values(counts).reduce((a, b) => a + b, 0)
console.log(
  `bench:sync — ${rows.toLocaleString('en-US')} rows (${Object.entries(counts)
    .map(([t, c]) => `${t} ${c}`)
    .join(', ')}), ` +
    `latency ${latencyMs} ms, quota ${quota} requests / ${windowMs} ms (${((quota * 1000) / windowMs).toFixed(1)} req/s)`,
)
console.log(`floor: ${floorRequests} requests at the quota = ${floorSeconds.toFixed(1)} s`)
const concurrent = await measureConcurrent()
console.log(`database: ${concurrent.kind}`)
console.log(
  `bc-mirror sync:   ${concurrent.seconds.toFixed(1)} s, ${Math.round(rows / concurrent.seconds).toLocaleString('en-US')} rows/s, ` +
    `${concurrent.requests} requests (${concurrent.throttled} throttled, ${((100 * concurrent.throttled) / concurrent.requests).toFixed(2)}%), ` +
    `max ${concurrent.maxInWindow} in a window, ${((100 * floorSeconds) / concurrent.seconds).toFixed(1)}% of the quota-limited floor`,
)
if (!values['skip-sequential']) {
  const sequential = await measureSequential()
  console.log(
    `sequential pages: ${sequential.seconds.toFixed(1)} s, ${Math.round(rows / sequential.seconds).toLocaleString('en-US')} rows/s, ` +
      `${sequential.requests} requests (${sequential.throttled} throttled)`,
  )
  console.log(`speed-up: ${(sequential.seconds / concurrent.seconds).toFixed(2)}x`)
}
if (!values['skip-memory']) {
  await measureMemory(values['memory-rows'].split(',').map(Number), 20)
}
