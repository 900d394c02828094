// While deliveries arrive fast, a store's backfill yields to them as event batches do: its API
// requests take turns in the fleet's batch pace (fleet-batch-pace.ts), one at a time; without the
// pressure the same backfill runs its requests side by side. Over real HTTP against simulated
// stores, the requests' arrival times read at the store.
import { sql } from 'drizzle-orm'
import { afterEach, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.ts'
import { startFleetWork, type FleetWork } from '../../src/node/fleet.ts'
import { PREFLIGHT_PATH } from '../../src/bigcommerce/preflight.ts'
import { startSimStore, type SimStore } from '../../src/sim/index.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { createTestDirectory } from '../support/test-directory.ts'

const BACKFILL_ONLY = { incrementalMinutes: 60, couponsMinutes: 0, fullMinutes: 0, hooksMinutes: 0 }
const INTERVAL_MS = 100
const COUNTS = { products: 600, customers: 300, orders: 60 }

let sim: SimStore | undefined
let fleet: FleetWork | undefined
let pressure: ReturnType<typeof setInterval> | undefined

afterEach(async () => {
  clearInterval(pressure)
  await fleet?.stop()
  await sim?.close()
  sim = fleet = pressure = undefined
})

async function rowsOf(db: Database, storeHash: string) {
  const [row] = await db.execute<{ n: number }>(sql`
    select (select count(*) from bigcommerce.products where store_hash = ${storeHash})
         + (select count(*) from bigcommerce.customers where store_hash = ${storeHash})::int as n`)
  return Number(row?.n)
}

/** Backfills a store in a fleet of its own; the arrival time of each of its jobs' requests. */
async function backfill(db: Database, storeHash: string, pressed: boolean) {
  const arrivals: number[] = []
  sim = await startSimStore({
    storeHash,
    // A quota far above what the test uses: its headers tell the client's rate pacer at once.
    quota: 1_000_000,
    latencyMs: 2,
    data: { seed: 12, counts: COUNTS },
    onRequest: ({ path }) => {
      if (!path.endsWith(PREFLIGHT_PATH)) arrivals.push(performance.now())
    },
  })
  const directory = createTestDirectory()
  directory.set(sim)
  fleet = startFleetWork({
    config: {
      apiUrl: sim.url,
      webhookSecret: 'fleet-pace-secret-0123456789',
      schedule: BACKFILL_ONLY,
    },
    db,
    directory,
    log: () => {},
    scheduleStartDelayMs: 0,
    worker: { idleMs: 100, gatherMs: 0 },
    batchPace: { deliveriesPerSecond: 50, batchesPerSecond: 1000 / INTERVAL_MS },
  })
  // 100 deliveries every 50 ms, as the receiver counts them: far over the threshold.
  if (pressed) {
    const press = () => fleet?.wake([], storeHash, 100)
    press()
    pressure = setInterval(press, 50)
  }
  const expected = COUNTS.products + COUNTS.customers
  const deadline = Date.now() + 20_000
  while ((await rowsOf(db, storeHash)) < expected && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 50))
  expect(await rowsOf(db, storeHash)).toBe(expected)
  return arrivals.slice(1).map((at, i) => at - (arrivals[i] ?? at))
}

describeEachDatabase('a backfill beside a flood of deliveries', (ctx) => {
  it('sends its requests one per turn of the pace while deliveries arrive fast', async () => {
    const gaps = await backfill(ctx.db, 'pace-pressed', true)
    expect(gaps.length).toBeGreaterThan(8)
    // Turns start INTERVAL_MS apart. Until the first answer the store's rate pacer (pacer.ts) holds
    // all but one request, so the first few may reach the store together: their gaps are left out.
    expect(Math.min(...gaps.slice(3))).toBeGreaterThan(INTERVAL_MS * 0.5)
    const total = gaps.reduce((a, b) => a + b, 0)
    expect(total).toBeGreaterThan(gaps.length * INTERVAL_MS * 0.9)
  })

  it('sends them side by side when deliveries are few', async () => {
    const gaps = await backfill(ctx.db, 'pace-free', false)
    expect(gaps.length).toBeGreaterThan(8)
    expect(gaps.filter((gap) => gap < INTERVAL_MS * 0.3).length).toBeGreaterThan(gaps.length / 2)
  })
})
