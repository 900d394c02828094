// While deliveries arrive fast, the stores' event batches start one per turn of the fleet's batch
// pace (fleet-batch-pace.ts), and a store's backfill yields to them as they do: its API requests
// take turns too, one at a time. Without the pressure both run side by side. Over real HTTP
// against simulated stores, the requests' arrival times read at the stores.
import { sql } from 'drizzle-orm'
import { afterEach, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.ts'
import { startFleetWork, type FleetWork } from '../../src/node/fleet.ts'
import { insertEvents } from '../../src/sync/events/inbox.ts'
import { PREFLIGHT_PATH } from '../../src/bigcommerce/preflight.ts'
import { startSimStore, type SimStore } from '../../src/sim/index.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { createTestDirectory } from '../support/test-directory.ts'

const BACKFILL_ONLY = { incrementalMinutes: 60, couponsMinutes: 0, fullMinutes: 0, hooksMinutes: 0 }
const INTERVAL_MS = 100
const COUNTS = { products: 600, customers: 300, orders: 60 }
// Wider for the batches: a round's three batches then start well apart under the pace and, even on
// a loaded machine, well within it without.
const BATCH_INTERVAL_MS = 250

let sims: SimStore[] = []
let fleet: FleetWork | undefined
let pressure: ReturnType<typeof setInterval> | undefined

afterEach(async () => {
  clearInterval(pressure)
  await fleet?.stop()
  await Promise.all(sims.map((sim) => sim.close()))
  sims = []
  fleet = pressure = undefined
})

/** The receiver's count of deliveries, far over the pace's threshold, from now until the test ends. */
function press(storeHash: string) {
  const deliveries = () => fleet?.wake([], storeHash, 100)
  deliveries()
  pressure = setInterval(deliveries, 50)
}

const gapsOf = (arrivals: number[]) => {
  const sorted = [...arrivals].sort((a, b) => a - b)
  return sorted.slice(1).map((at, i) => at - (sorted[i] ?? at))
}

/** The time each run of `k` consecutive gaps spans. */
const spansOf = (gaps: number[], k: number) =>
  gaps.slice(k - 1).map((_, i) => gaps.slice(i, i + k).reduce((a, b) => a + b, 0))

const WITHIN = { timeout: 20_000, interval: 50 }

async function rowsOf(db: Database, storeHash: string) {
  const [row] = await db.execute<{ n: number }>(sql`
    select (select count(*) from bigcommerce.products where store_hash = ${storeHash})
         + (select count(*) from bigcommerce.customers where store_hash = ${storeHash})::int as n`)
  return Number(row?.n)
}

/** Backfills a store in a fleet of its own; the arrival time of each of its jobs' requests. */
async function backfill(db: Database, storeHash: string, pressed: boolean) {
  const arrivals: number[] = []
  const sim = await startSimStore({
    storeHash,
    // A quota far above what the test uses: its headers tell the client's rate pacer at once.
    quota: 1_000_000,
    latencyMs: 2,
    data: { seed: 12, counts: COUNTS },
    onRequest: ({ path }) => {
      if (!path.endsWith(PREFLIGHT_PATH)) arrivals.push(performance.now())
    },
  })
  sims.push(sim)
  fleet = startPacedFleet(db, [sim], INTERVAL_MS)
  if (pressed) press(storeHash)
  const expected = COUNTS.products + COUNTS.customers
  await expect.poll(() => rowsOf(db, storeHash), WITHIN).toBe(expected)
  return gapsOf(arrivals)
}

function startPacedFleet(db: Database, stores: SimStore[], intervalMs: number) {
  const directory = createTestDirectory()
  for (const sim of stores) directory.set(sim)
  const urls = new Map(stores.map((sim) => [sim.storeHash, sim.url]))
  return startFleetWork({
    config: {
      apiUrl: stores[0]?.url ?? '',
      webhookSecret: 'fleet-pace-secret-0123456789',
      schedule: BACKFILL_ONLY,
    },
    apiUrlOf: (hash) => urls.get(hash) ?? '',
    db,
    directory,
    log: () => {},
    scheduleStartDelayMs: 0,
    worker: { idleMs: 100, gatherMs: 0 },
    batchPace: { deliveriesPerSecond: 50, batchesPerSecond: 1000 / intervalMs },
  })
}

/**
 * Three backfilled stores get an event each, three times; the arrival time of each refetch (one
 * per batch) at their stores.
 */
async function refetches(db: Database, prefix: string, pressed: boolean) {
  const arrivals: number[] = []
  for (const name of ['a', 'b', 'c']) {
    sims.push(
      await startSimStore({
        storeHash: `${prefix}${name}`,
        quota: 1_000_000,
        latencyMs: 2,
        data: { seed: 13, counts: { products: 5 } },
        onRequest: ({ path, query }) => {
          if (path.endsWith('/v3/catalog/products') && query.has('id:in'))
            arrivals.push(performance.now())
        },
      }),
    )
  }
  fleet = startPacedFleet(db, sims, BATCH_INTERVAL_MS)
  const products = async () => {
    const [row] = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from bigcommerce.products where store_hash like ${`${prefix}%`}`,
    )
    return Number(row?.n)
  }
  await expect.poll(products, WITHIN).toBe(15)
  arrivals.length = 0
  if (pressed) press(sims[0]?.storeHash ?? '')
  for (let round = 0; round < 3; round++) {
    for (const { storeHash } of sims) {
      const event = { hash: `${storeHash}-${round}`, scope: 'store/product/updated' }
      await insertEvents(db, storeHash, [
        { ...event, resource: 'products', resourceId: 1, payload: event },
      ])
      fleet.wake(['products'], storeHash, 1)
    }
    await new Promise((resolve) => setTimeout(resolve, 600))
  }
  await expect.poll(() => arrivals.length, WITHIN).toBeGreaterThanOrEqual(9)
  return gapsOf(arrivals)
}

describeEachDatabase('a backfill beside a flood of deliveries', (ctx) => {
  it('sends its requests one per turn of the pace while deliveries arrive fast', async () => {
    const gaps = await backfill(ctx.db, 'pace-pressed', true)
    expect(gaps.length).toBeGreaterThan(8)
    // Turns start INTERVAL_MS apart. Until the first answer the store's rate pacer (pacer.ts) holds
    // all but one request, so the first few may reach the store together: their gaps are left out.
    // A request may leave its turn late (a PGlite write holds the thread), so one gap alone can be
    // short; any three in a row still span three turns less that delay (side by side: a few ms).
    expect(Math.min(...spansOf(gaps.slice(3), 3))).toBeGreaterThan(INTERVAL_MS * 1.5)
    const total = gaps.reduce((a, b) => a + b, 0)
    expect(total).toBeGreaterThan(gaps.length * INTERVAL_MS * 0.9)
  })

  it('sends them side by side when deliveries are few', async () => {
    const gaps = await backfill(ctx.db, 'pace-free', false)
    expect(gaps.length).toBeGreaterThan(8)
    expect(gaps.filter((gap) => gap < INTERVAL_MS * 0.3).length).toBeGreaterThan(gaps.length / 2)
  })
})

describeEachDatabase('event batches beside a flood of deliveries', (ctx) => {
  it('of all stores start one per turn of the pace while deliveries arrive fast', async () => {
    const gaps = await refetches(ctx.db, 'pressed', true)
    expect(gaps.length).toBeGreaterThanOrEqual(8)
    // As for the backfill's requests: one batch may reach its store late, so any two gaps in a row
    // are checked (two turns, less that delay). Side by side, a round's two gaps are a few ms.
    expect(Math.min(...spansOf(gaps, 2))).toBeGreaterThan(BATCH_INTERVAL_MS)
  })

  it('of all stores start side by side when deliveries are few', async () => {
    const gaps = await refetches(ctx.db, 'free', false)
    // Within each round the three stores' batches start together.
    expect(gaps.filter((gap) => gap < BATCH_INTERVAL_MS * 0.5).length).toBeGreaterThanOrEqual(3)
  })
})
