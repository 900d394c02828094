// What orders' line items, shipping addresses and coupons cost in requests: a backfill of orders
// (runSync) and a burst of order events (the event worker), against the simulated store in its own
// process on a Standard-plan quota (150 requests a window; the window is scaled down from 30 s so
// the run takes minutes, and every time is also given at the real 30 s). Prints requests per order
// for each kind of child and the backfill's time against the quota floor: the fewest requests
// that carry every order (full pages, the count) and every applied coupon (one per order that has
// any), at the quota.
//
//   npm run bench:orders [-- --orders 20000 --burst 2000 --quota 150 --window-ms 10000 --latency-ms 120]
//
// The database is a fresh in-memory PGlite, or a scratch PostgreSQL database when
// BENCH_DATABASE_URL is set.
import { parseArgs } from 'node:util'
import { createBigCommerceClient } from '../src/bigcommerce/client.ts'
import { MAX_PAGE_SIZE } from '../src/bigcommerce/paging.ts'
import { insertEvents } from '../src/sync/events/inbox.ts'
import { createClientEventHub } from '../src/sync/request-stats.ts'
import { runSync } from '../src/sync/sweeps/sweep.ts'
import { processBatch } from '../src/sync/events/event-worker.ts'
import { freshDatabase } from './support/database.ts'
import { startSimProcess } from './support/sim-client.ts'

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '20000' },
    burst: { type: 'string', default: '2000' },
    quota: { type: 'string', default: '150' },
    'window-ms': { type: 'string', default: '10000' },
    'latency-ms': { type: 'string', default: '120' },
  },
})
const orders = Number(values.orders)
const burst = Number(values.burst)
const quota = Number(values.quota)
const windowMs = Number(values['window-ms'])
const latencyMs = Number(values['latency-ms'])
const scale = 30_000 / windowMs
const perSecond = (quota * 1000) / windowMs

const sim = await startSimProcess({
  quota,
  windowMs,
  latencyMs,
  cacheRendered: true,
  data: { seed: 13, counts: { orders } },
})
const target = await freshDatabase('orders')
const events = createClientEventHub()
const client = createBigCommerceClient({
  apiUrl: sim.url,
  storeHash: sim.storeHash,
  accessToken: sim.accessToken,
  onEvent: events.emit,
})
const ctx = { db: target.db, client, storeHash: sim.storeHash }

const byKind = (byPath: Record<string, number>) => ({
  lists: byPath['GET /v2/orders'] ?? 0,
  counts: byPath['GET /v2/orders/count'] ?? 0,
  singles: byPath['GET /v2/orders/:id'] ?? 0,
  products: byPath['GET /v2/orders/:id/products'] ?? 0,
  addresses: byPath['GET /v2/orders/:id/shipping_addresses'] ?? 0,
  coupons: byPath['GET /v2/orders/:id/coupons'] ?? 0,
})
const per = (n: number, of: number) => (n / of).toFixed(4)
const fullScale = (seconds: number) => `${(seconds * scale).toFixed(0)} s at 30 s windows`

console.log(
  `bench:orders — ${orders.toLocaleString('en-US')} orders, a burst of ${burst} order events; quota ${quota} requests / ${windowMs} ms ` +
    `(Standard plan scaled ${scale}x: ${perSecond.toFixed(0)} req/s), latency ${latencyMs} ms; database: ${target.kind}`,
)

// ---- backfill ----------------------------------------------------------------------------------
const started = performance.now()
const summary = await runSync(ctx, { tables: ['orders'] })
const seconds = (performance.now() - started) / 1000
if (!summary.ok) throw new Error(`backfill failed: ${summary.tables.orders?.error ?? 'unknown'}`)
const fill = byKind((await sim.stats()).byPath)
const withCoupons = fill.coupons
const floorRequests = Math.ceil(orders / MAX_PAGE_SIZE) + 1 + withCoupons
const floorSeconds = floorRequests / perSecond
const fillTotal = Object.values(fill).reduce((a, b) => a + b, 0)
console.log('backfill:')
console.log(
  `  requests: ${fillTotal} (${fill.lists} list pages, ${fill.counts} counts, ${fill.singles} single orders, ${fill.products} /products, ${fill.addresses} /shipping_addresses, ${fill.coupons} /coupons)`,
)
console.log(
  `  extra requests per order: line items ${per(fill.products, orders)}, addresses ${per(fill.addresses, orders)}, coupons ${per(fill.coupons, orders)} (${withCoupons} orders have coupons)`,
)
console.log(
  `  time: ${seconds.toFixed(1)} s (${fullScale(seconds)}); floor ${floorRequests} requests = ${floorSeconds.toFixed(1)} s (${fullScale(floorSeconds)}); ` +
    `${((100 * floorSeconds) / seconds).toFixed(1)}% of the floor`,
)

// ---- burst -------------------------------------------------------------------------------------
// The newest orders change (a line's quantity each), and one event per order arrives.
const ids = Array.from({ length: burst }, (_, i) => orders - burst + 1 + i)
await sim.editOrders(ids)
await sim.configure({})
let hash = 0
await insertEvents(
  target.db,
  sim.storeHash,
  ids.map((id) => ({
    hash: `b${++hash}`,
    scope: 'store/order/updated',
    resource: 'orders' as const,
    resourceId: id,
    payload: { scope: 'store/order/updated', data: { type: 'order', id } },
  })),
)
const burstStarted = performance.now()
let written = 0
for (;;) {
  const batch = await processBatch(ctx)
  if (!batch) break
  written += batch.tables.orders?.written ?? 0
}
const burstSeconds = (performance.now() - burstStarted) / 1000
const hit = byKind((await sim.stats()).byPath)
const besides = hit.lists + hit.counts + hit.singles + hit.products + hit.addresses
console.log(`burst of ${burst} events on ${burst} changed orders (${written} written):`)
console.log(
  `  requests besides coupons: ${besides} (${hit.lists} id ranges, ${hit.singles} single orders, ${hit.products} /products, ${hit.addresses} /shipping_addresses); coupons: ${hit.coupons}`,
)
console.log(
  `  time: ${burstSeconds.toFixed(1)} s (${fullScale(burstSeconds)}); one request per order would be ${burst} requests = ${(burst / perSecond).toFixed(1)} s (${fullScale(burst / perSecond)})`,
)

await sim.close()
await target.dispose()
