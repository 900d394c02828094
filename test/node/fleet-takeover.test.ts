// Several serve processes on one database share the stores (fleet.ts): each store's job runs once
// across them at a time, a process whose job slots are full leaves due jobs to the others, and a
// process killed mid-sweep has its store's job taken over by the one left (the real command, two
// processes on PostgreSQL and a SIGKILL), and leases held by a process on another machine that
// died (no pid to check) are taken once they run out.
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.ts'
import { startFleetWork, type FleetWork } from '../../src/node/fleet.ts'
import type { LeaseIdentity } from '../../src/node/lease-identity.ts'
import { startSimStore, type SimStore } from '../../src/sim/index.ts'
import type { Logger } from '../../src/util/log.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { freePort } from '../support/ports.ts'
import { serveEnvForSim } from '../support/serve-env.ts'
import {
  listeningUrl,
  startServeChild,
  stopChild,
  type ServeChild,
} from '../support/serve-process.ts'
import { createTestDirectory } from '../support/test-directory.ts'
import { createProductsGate } from '../support/products-gate.ts'

const SECRET = 'takeover-test-webhook-secret-0123'
const BACKFILL_ONLY = { incrementalMinutes: 60, couponsMinutes: 0, fullMinutes: 0, hooksMinutes: 0 }

async function products(db: Database, storeHash: string) {
  const [row] = await db.execute<{ n: number }>(
    sql`select count(*)::int as n from bigcommerce.products where store_hash = ${storeHash}`,
  )
  return Number(row?.n)
}

/** A lease holder of its own, alive as long as the test: two "processes" in this one. */
const identity = (name: string): LeaseIdentity => ({ holder: name, isGone: () => false })

describeEachDatabase('serve processes sharing stores', (ctx) => {
  const gates = { one: createProductsGate(), two: createProductsGate() }
  const sims: Record<string, SimStore> = {}
  const fleets: FleetWork[] = []
  const logs: Array<Record<string, unknown>> = []

  beforeAll(async () => {
    for (const [name, gate] of Object.entries(gates))
      sims[name] = await startSimStore({
        quota: null,
        storeHash: `store${name}`,
        data: { counts: { products: 20 } },
        onRequest: gate.onRequest,
      })
  })
  afterAll(async () => {
    for (const gate of Object.values(gates)) gate.open()
    await Promise.all(fleets.map((fleet) => fleet.stop()))
    await Promise.all(Object.values(sims).map((sim) => sim.close()))
  })

  it('runs each store’s backfill once across two processes, each taking one when its only slot is busy', async () => {
    const directory = createTestDirectory()
    for (const sim of Object.values(sims)) directory.set(sim)
    for (const name of ['first', 'second']) {
      const log: Logger = (level, msg, fields) =>
        logs.push({ level, msg, process: name, ...fields })
      fleets.push(
        startFleetWork({
          config: { apiUrl: '', webhookSecret: SECRET, schedule: BACKFILL_ONLY },
          apiUrlOf: (hash) => (hash === 'storeone' ? sims.one : sims.two)?.url ?? '',
          db: ctx.db,
          directory,
          log,
          lease: identity(name),
          leaseMs: 3_000,
          jobSlots: 1,
          scheduleStartDelayMs: 0,
          worker: { idleMs: 100 },
        }),
      )
    }
    // Both backfills are held on their first page: each in a different process, since a process
    // with its one slot busy takes no other store's job.
    await expect
      .poll(() => gates.one.held() > 0 && gates.two.held() > 0, { timeout: 10_000 })
      .toBe(true)
    const leases = await ctx.db.execute<{ name: string; holder: string }>(
      sql`select name, holder from bigcommerce.leases where name like 'job:%' order by name`,
    )
    expect(leases.map((l) => l.name)).toEqual([
      'job:storeone:incremental',
      'job:storetwo:incremental',
    ])
    expect(new Set(leases.map((l) => l.holder))).toEqual(new Set(['first', 'second']))
    gates.one.open()
    gates.two.open()
    await expect.poll(() => products(ctx.db, 'storeone'), { timeout: 10_000 }).toBe(20)
    await expect.poll(() => products(ctx.db, 'storetwo'), { timeout: 10_000 }).toBe(20)
    // Once each: the other process found the job done when it looked again.
    await expect
      .poll(() => logs.filter((l) => l.msg === 'sweep incremental').length, { timeout: 10_000 })
      .toBe(2)
    expect(
      logs
        .filter((l) => l.msg === 'sweep incremental')
        .map((l) => l.store)
        .sort(),
    ).toEqual(['storeone', 'storetwo'])
  })

  it('takes over the backfill of a store whose holder on another machine died, once its lease runs out', async () => {
    const sim = await startSimStore({
      quota: null,
      storeHash: 'orphanstore',
      data: { counts: { products: 6 } },
    })
    try {
      // A serve on another host held the store's job and sweep leases and died: nothing here can
      // tell that its pid is gone, so only their running out frees them.
      let expiresAt = ''
      for (const name of ['job:orphanstore:incremental', 'sync:orphanstore']) {
        const [lease] = await ctx.db.execute<{ expires_at: string }>(sql`
          insert into bigcommerce.leases (name, holder, acquired_at, expires_at)
          values (${name}, 'otherhost:4242:dead', now(), now() + interval '1500 milliseconds')
          returning expires_at::text`)
        expiresAt = String(lease?.expires_at)
      }
      const directory = createTestDirectory()
      directory.set(sim)
      const log: Logger = (level, msg, fields) =>
        logs.push({ level, msg, process: 'heir', ...fields })
      const fleet = startFleetWork({
        config: { apiUrl: sim.url, webhookSecret: SECRET, schedule: BACKFILL_ONLY },
        db: ctx.db,
        directory,
        log,
        lease: identity('heir'),
        // Serve's lease is 30 s (a look every 15 s: taken over within 45 s); the same, shorter.
        leaseMs: 2_000,
        scheduleStartDelayMs: 0,
        worker: { idleMs: 100 },
      })
      fleets.push(fleet)
      await expect.poll(() => products(ctx.db, 'orphanstore'), { timeout: 10_000 }).toBe(6)
      const sweptBy = () =>
        logs
          .filter((l) => l.msg === 'sweep incremental' && l.store === 'orphanstore')
          .map((l) => l.process)
      await expect.poll(sweptBy, { timeout: 10_000 }).toEqual(['heir'])
      // Not before the dead holder's lease ran out: it was looked at again, not taken by force.
      const [job] = await ctx.db.execute<{ after: boolean }>(sql`
        select last_started_at >= ${expiresAt}::timestamptz as after from bigcommerce.sync_state
        where store_hash = 'orphanstore' and table_name = 'job:incremental'`)
      expect(job?.after).toBe(true)
    } finally {
      await sim.close()
    }
  })

  // Two processes on one database need PostgreSQL: the embedded one belongs to one process.
  if (ctx.kind === 'postgres') {
    it('a store whose serve was killed mid-backfill is taken over by the other serve', async () => {
      const gate = createProductsGate()
      const sim = await startSimStore({
        quota: null,
        storeHash: 'killedstore',
        data: { counts: { products: 30 } },
        onRequest: gate.onRequest,
      })
      const children: ServeChild[] = []
      try {
        const env = async () => ({
          ...serveEnvForSim(sim, SECRET, await freePort()),
          DATABASE_URL: ctx.url,
          SYNC_INTERVAL_MINUTES: '60',
        })
        const first = startServeChild(await env(), ['--job-lease', '2'])
        children.push(first)
        await listeningUrl(first)
        await expect.poll(() => gate.held(), { timeout: 20_000 }).toBeGreaterThan(0)
        const second = startServeChild(await env(), ['--job-lease', '2'])
        children.push(second)
        await listeningUrl(second)
        first.process.kill('SIGKILL')
        await first.exited
        gate.open()
        await expect.poll(() => products(ctx.db, 'killedstore'), { timeout: 30_000 }).toBe(30)
        const swept = () => second.lines.some((l) => l.msg === 'sweep incremental')
        await expect.poll(swept, { timeout: 10_000 }).toBe(true)
        expect(first.lines.some((l) => l.msg === 'sweep incremental')).toBe(false)
        expect(await stopChild(second)).toBe(0)
      } finally {
        gate.open()
        for (const child of children)
          if (child.process.exitCode === null) child.process.kill('SIGKILL')
        await sim.close()
      }
    })
  }
})
