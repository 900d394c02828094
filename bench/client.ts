// Benchmark: page 50,000 products (200 pages of 250, with variants, images, custom fields and bulk
// pricing) from the simulated store at 100 ms latency, and print pages/s and how much of the
// quota the pacer used. Quotas are BigCommerce's per-plan numbers with the window scaled from
// 30 s to 3 s, so a run takes seconds while the pacer faces the same shape of problem.
//   npm run bench:client [-- --products 50000 --latency 100]
import { createBigCommerceClient } from '../src/bigcommerce/client.ts'
import { createRatePacer } from '../src/bigcommerce/pacer.ts'
import { listV3Pages } from '../src/bigcommerce/paging.ts'
import { PRODUCT_INCLUDE } from '../src/resources/products.ts'
import { startSimProcess } from './support/sim-client.ts'

function readArg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`)
  const value = index >= 0 ? Number(process.argv[index + 1]) : Number.NaN
  return Number.isFinite(value) ? value : fallback
}

const productCount = readArg('products', 50_000)
const latencyMs = readArg('latency', 100)
const windowMs = readArg('window', 3000)

const scenarios = [
  { label: 'Standard/Plus (150 per window)', quota: 150 },
  { label: 'Pro (450 per window)', quota: 450 },
]

console.log(
  `Paging ${productCount.toLocaleString('en')} products, ${latencyMs} ms latency, ${windowMs} ms windows\n`,
)
const rows: string[][] = [
  [
    'quota',
    'pages',
    'seconds',
    'pages/s',
    'quota rate/s',
    'quota used',
    'throttled',
    'max in flight',
    'max/window',
  ],
]

async function pageAllProducts(client: ReturnType<typeof createBigCommerceClient>) {
  let pages = 0
  let items = 0
  const query = { include: PRODUCT_INCLUDE, sort: 'id', direction: 'asc' }
  for await (const page of listV3Pages(client, '/v3/catalog/products', query)) {
    pages += 1
    items += page.items.length
  }
  if (items !== productCount) throw new Error(`expected ${productCount} products, got ${items}`)
  return pages
}

const sim = await startSimProcess({
  quota: null,
  cacheRendered: true,
  data: { seed: 1, counts: { products: productCount } },
})
const connect = () =>
  createBigCommerceClient({
    apiUrl: sim.url,
    storeHash: sim.storeHash,
    accessToken: sim.accessToken,
    pacer: createRatePacer(),
  })
try {
  // One unmetered pass first, so the store has rendered every row once and the measured runs time
  // the client and its pacing rather than the simulator building JSON.
  await pageAllProducts(connect())
  for (const scenario of scenarios) {
    await sim.configure({ quota: scenario.quota, windowMs, latencyMs, jitterMs: latencyMs / 5 })
    // configure() also starts a fresh window, so the run begins with the whole quota, as a new
    // backfill would; the client has not seen any rate-limit header yet either.
    const client = connect()
    let maxInFlight = 0
    const probe = setInterval(() => {
      maxInFlight = Math.max(maxInFlight, client.pacer.snapshot().inFlight)
    }, 5)
    const started = performance.now()
    const pages = await pageAllProducts(client)
    const seconds = (performance.now() - started) / 1000
    clearInterval(probe)
    const stats = await sim.stats()
    const quotaRate = scenario.quota / (windowMs / 1000)
    const used = stats.counted / seconds / quotaRate
    rows.push([
      scenario.label,
      String(pages),
      seconds.toFixed(2),
      (pages / seconds).toFixed(1),
      quotaRate.toFixed(0),
      `${(used * 100).toFixed(1)}%`,
      `${stats.throttled} of ${stats.requests}`,
      String(maxInFlight),
      `${stats.maxCountedInWindow}/${scenario.quota}`,
    ])
  }
} finally {
  await sim.close()
}

const widths = rows[0]?.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length))) ?? []
for (const row of rows)
  console.log(row.map((cell, col) => cell.padEnd(widths[col] ?? 0)).join('  '))
console.log(
  '\nquota used = requests counted by the store / (elapsed time x quota per second): 100% is the\n' +
    'quota-limited speed. Below it with max in flight at 32 (the page look-ahead), the client CPU\n' +
    '(parsing ~600 KB pages) is the limit, not pacing.',
)
