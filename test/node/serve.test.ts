// `serve` end to end: the simulated store's webhooks (signed, with the secret header) delivered over
// real HTTP to the server, the worker refreshing rows; the database going away and coming back;
// and the real command: SIGTERM shuts it down cleanly, SIGKILL mid-batch loses no event.
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { freePort } from '../support/ports.ts'
import { serveEnvForSim } from '../support/serve-env.ts'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBigCommerceClient } from '../../src/bigcommerce/client.ts'
import { createRatePacer } from '../../src/bigcommerce/pacer.ts'
import type { Config } from '../../src/config.ts'
import type { Database } from '../../src/db/database.ts'
import { openPglite } from '../../src/db/pglite.ts'
import { WEBHOOK_PATH } from '../../src/http/app.ts'
import { startBackgroundWork } from '../../src/node/background.ts'
import type { Logger } from '../../src/util/log.ts'
import { procStatField } from '../../src/node/proc-stat.ts'
import { startServer, type RunningServer } from '../../src/node/serve.ts'
import { ensureHooks } from '../../src/sync/hooks/mirror-hooks.ts'
import { readStatus } from '../../src/sync/status/status.ts'
import { startSimStore, type SimStore } from '../../src/sim/index.ts'
import {
  listeningUrl,
  seedDataDir,
  startServeChild,
  type ServeChild,
} from '../support/serve-process.ts'
import { describeEachDatabase } from '../support/databases.ts'

const SECRET = 'serve-test-webhook-secret-0123'
const CLIENT_SECRET = 'serve-test-client-secret'
const OFF = { incrementalMinutes: 0, couponsMinutes: 0, fullMinutes: 0, hooksMinutes: 0 }

async function rowData(db: Database, table: string, storeHash: string, id: number) {
  const [found] = await db.execute<{ data: Record<string, unknown> }>(
    sql`select data from ${sql.raw(`bigcommerce.${table}`)} where store_hash = ${storeHash} and id = ${id}`,
  )
  return found?.data ?? null
}

describeEachDatabase('serve', (ctx) => {
  let sim: SimStore
  let server: RunningServer
  const logs: Array<Record<string, unknown>> = []

  beforeAll(async () => {
    sim = await startSimStore({
      quota: null,
      latencyMs: 5,
      data: { counts: { orders: 40, products: 40, customers: 40 } },
      webhooks: {
        clientSecret: CLIENT_SECRET,
        retryDelaysMs: [50, 100, 200, 400],
        localTesting: true,
      },
    })
    const client = createBigCommerceClient({
      apiUrl: sim.url,
      storeHash: sim.storeHash,
      accessToken: sim.accessToken,
      retryBaseMs: 5,
      retryMaxMs: 20,
      pacer: createRatePacer(),
    })
    const config: Pick<Config, 'storeHash' | 'webhookSecret' | 'clientSecret' | 'schedule'> = {
      storeHash: sim.storeHash,
      webhookSecret: SECRET,
      clientSecret: CLIENT_SECRET,
      schedule: OFF,
    }
    const log: Logger = (level, msg, fields) => logs.push({ level, msg, ...fields })
    server = await startServer({
      config,
      db: ctx.db,
      background: startBackgroundWork({ config, db: ctx.db, client, log, worker: { idleMs: 100 } }),
      port: 0,
      hostname: '127.0.0.1',
      log,
    })
    await ensureHooks(client, { destination: `${server.url}${WEBHOOK_PATH}`, secret: SECRET })
  })
  afterAll(async () => {
    await server?.stop()
    await sim?.close()
  })

  const render = (name: 'orders' | 'products' | 'customers', id: number) => {
    const record = sim.store.get(name, id)
    if (!record) return null
    // Orders are read with their consignments embedded.
    return name === 'orders'
      ? sim.store.renderOrderWithConsignments(record)
      : sim.store.render(name, record)
  }
  const mirrored = (name: 'orders' | 'products' | 'customers', id: number) =>
    rowData(ctx.db, name, sim.storeHash, id)

  it('mirrors every scope family from signed deliveries, duplicates included', async () => {
    sim.webhooks.setOptions({ duplicateRate: 0.5, maxDelayMs: 30 })
    const store = sim.store
    const product2 = store.get('products', 2)
    const variantId = product2
      ? (store.fieldsOf('products', product2).variants as Array<{ id: number }>)[0]?.id
      : undefined
    const withAddress = store
      .byId('customers')
      .find((c) => (store.fieldsOf('customers', c).addresses as unknown[]).length > 0)
    const addressId = withAddress
      ? (store.fieldsOf('customers', withAddress).addresses as Array<{ id: number }>)[0]?.id
      : undefined
    store.update('products', 1, { name: 'Changed in the store' })
    store.updateVariant(2, variantId ?? 0, { price: 12.34 })
    store.update('customers', 1, { company: 'Acme' })
    store.updateAddress(withAddress?.id ?? 0, addressId ?? 0, { city: 'Porto' })
    store.update('orders', 1, { status_id: 10 })
    store.archiveOrder(2)
    const created = store.create('customers', { email: 'new@example.com' })
    store.delete('products', 3)
    store.delete('customers', 4)
    await sim.flushDeliveries()
    await expect
      .poll(() => mirrored('customers', created), { timeout: 10_000 })
      .toMatchObject({ email: 'new@example.com' })
    await expect.poll(() => mirrored('products', 3), { timeout: 10_000 }).toBeNull()
    await expect.poll(() => mirrored('customers', 4), { timeout: 10_000 }).toBeNull()
    await expect
      .poll(() => mirrored('orders', 2), { timeout: 10_000 })
      .toMatchObject({ is_deleted: true })
    await expect.poll(() => mirrored('products', 1)).toEqual(render('products', 1))
    await expect.poll(() => mirrored('products', 2)).toEqual(render('products', 2))
    await expect.poll(() => mirrored('customers', 1)).toEqual(render('customers', 1))
    await expect
      .poll(() => mirrored('customers', withAddress?.id ?? 0))
      .toEqual(render('customers', withAddress?.id ?? 0))
    await expect.poll(() => mirrored('orders', 1)).toEqual(render('orders', 1))
    expect(sim.webhooks.deliveries.every((d) => d.ok)).toBe(true)
    expect(logs.some((l) => l.msg === 'worker batch')).toBe(true)
    expect(JSON.stringify(logs)).not.toContain(SECRET)
    sim.webhooks.setOptions({ duplicateRate: 0, maxDelayMs: 0 })
  })

  it('the hook check reactivates a deactivated hook and records what it did for status', async () => {
    const [first] = [...sim.webhooks.hooks.values()]
    if (first) first.is_active = false
    const client = createBigCommerceClient({
      apiUrl: sim.url,
      storeHash: sim.storeHash,
      accessToken: sim.accessToken,
      pacer: createRatePacer(),
    })
    const config = {
      storeHash: sim.storeHash,
      webhookSecret: SECRET,
      schedule: { ...OFF, hooksMinutes: 60 },
    }
    const log: Logger = () => {}
    const checker = await startServer({
      config,
      db: ctx.db,
      background: startBackgroundWork({ config, db: ctx.db, client, log, scheduleStartDelayMs: 0 }),
      port: 0,
      hostname: '127.0.0.1',
      log,
    })
    try {
      await expect
        .poll(async () => (await readStatus(ctx.db, sim.storeHash)).hooks, { timeout: 10_000 })
        .toMatchObject({
          status: 'ok',
          destination: `${server.url}${WEBHOOK_PATH}`,
          repaired: [`${first?.scope}: was deactivated`],
        })
      expect(first?.is_active).toBe(true)
    } finally {
      await checker.stop()
    }
  })

  // Only PostgreSQL can go away on its own: the embedded database lives in this process (the app
  // suite covers the 503 for both with an injected failure).
  if (ctx.kind === 'postgres') {
    it('answers 503 while PostgreSQL is unreachable, then recovers by itself', async () => {
      if (!ctx.url) throw new Error('a PostgreSQL suite has a database URL')
      const name = new URL(ctx.url).pathname.slice(1)
      const admin = postgres(process.env.TEST_DATABASE_URL ?? '', { max: 1, onnotice: () => {} })
      const deliver = (id: number) =>
        fetch(`${server.url}${WEBHOOK_PATH}`, {
          method: 'POST',
          headers: { 'X-Webhook-Secret': SECRET },
          body: JSON.stringify({
            scope: 'store/order/updated',
            data: { type: 'order', id },
            hash: `down-${id}`,
            producer: `stores/${sim.storeHash}`,
          }),
        })
      try {
        await admin.unsafe(`alter database "${name}" allow_connections false`)
        await admin.unsafe(
          `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}'`,
        )
        expect((await deliver(30)).status).toBe(503)
        expect((await fetch(`${server.url}/healthz`)).status).toBe(503)
      } finally {
        await admin.unsafe(`alter database "${name}" allow_connections true`)
        await admin.end()
      }
      sim.store.update('orders', 30, { staff_notes: 'after the outage' })
      await sim.flushDeliveries()
      expect((await deliver(31)).status).toBe(200)
      // Each pooled connection finds out on its next use that the old one was cut: recovery may
      // take a failed check or two, never a restart.
      await expect
        .poll(async () => (await fetch(`${server.url}/healthz`)).status, { timeout: 10_000 })
        .toBe(200)
      await expect
        .poll(() => mirrored('orders', 30), { timeout: 10_000 })
        .toMatchObject({ staff_notes: 'after the outage' })
      expect(logs.some((l) => l.msg === 'request failed')).toBe(true)
    })
  }
})

// ---- the command itself ------------------------------------------------------------------------

describeEachDatabase('bc-mirror serve (the command)', (ctx) => {
  let sim: SimStore
  let workDir = ''
  beforeAll(async () => {
    sim = await startSimStore({ quota: null, data: { counts: { orders: 20 } } })
    workDir = await mkdtemp(join(tmpdir(), 'bc-mirror-serve-'))
    if (ctx.kind === 'pglite') await seedDataDir(join(workDir, 'data'))
  })
  afterAll(async () => {
    await sim?.close()
    await rm(workDir, { recursive: true, force: true })
  })

  const env = async () => ({
    ...serveEnvForSim(sim, SECRET, await freePort()),
    ...(ctx.url ? { DATABASE_URL: ctx.url } : { DATA_DIR: join(workDir, 'data') }),
  })

  /** The mirror's database, opened by the test once no server holds it (PGlite) or at once. */
  async function withMirror<T>(fn: (db: Database) => Promise<T>): Promise<T> {
    if (ctx.kind === 'postgres') return fn(ctx.db)
    const db = await openPglite({ dataDir: join(workDir, 'data') })
    try {
      return await fn(db)
    } finally {
      await db.close()
    }
  }

  const deliver = (url: string, id: number) =>
    fetch(`${url}${WEBHOOK_PATH}`, {
      method: 'POST',
      headers: { 'X-Webhook-Secret': SECRET },
      body: JSON.stringify({
        scope: 'store/order/updated',
        data: { type: 'order', id },
        hash: `cmd-${id}`,
        producer: `stores/${sim.storeHash}`,
      }),
    })

  it('a worker killed mid-batch loses nothing: its events are taken over once its claim runs out; SIGTERM stops cleanly', async () => {
    for (let id = 1; id <= 10; id++) sim.store.update('orders', id, { staff_notes: `kept ${id}` })
    let inFlight = 0
    sim.setOptions({ latencyMs: 60_000, onRequest: () => void (inFlight += 1) })
    // A claim of 3 s (the default is 20), renewed while the batch works: after a SIGKILL its
    // events wait 3 s for the next worker instead of 20.
    const lease = ['--worker-lease', '3']
    const first = startServeChild(await env(), lease)
    const url = await listeningUrl(first)
    for (let id = 1; id <= 10; id++) expect((await deliver(url, id)).status).toBe(200)
    // The batch is claimed and its refetches are on the wire: kill the process outright.
    await expect.poll(() => inFlight, { timeout: 10_000 }).toBeGreaterThan(0)
    first.process.kill('SIGKILL')
    await first.exited
    sim.setOptions({ latencyMs: 0, onRequest: undefined })

    const second = startServeChild(await env(), lease)
    await listeningUrl(second)
    const claimed = () =>
      second.lines
        .filter((l) => l.msg === 'worker batch')
        .reduce((sum, l) => sum + Number(l.claimed), 0)
    await expect.poll(claimed, { timeout: 20_000, interval: 250 }).toBe(10)
    second.process.kill('SIGTERM')
    expect(await second.exited).toBe(0)
    expect(second.lines.at(-1)).toMatchObject({ msg: 'stopped' })
    expect(second.lines.some((l) => l.msg === 'stopping' && l.signal === 'SIGTERM')).toBe(true)
    expect(second.raw()).not.toContain(SECRET)
    expect(second.raw()).not.toContain(sim.accessToken)

    await withMirror(async (db) => {
      for (let id = 1; id <= 10; id++)
        expect(await rowData(db, 'orders', sim.storeHash, id)).toMatchObject({
          staff_notes: `kept ${id}`,
        })
      const states = await db.execute<{ status: string; n: number }>(
        sql`select status, count(*)::int as n from bigcommerce.webhook_events group by status`,
      )
      expect(states).toEqual([{ status: 'done', n: 10 }])
    })
  })

  if (ctx.kind === 'postgres' && process.platform === 'linux') {
    it('on PostgreSQL the worker and sweeps run in a thread below the receiver in CPU priority; its API requests reach /metrics by store', async () => {
      const statusToken = 'serve-test-status-token-0123'
      const child = startServeChild({ ...(await env()), STATUS_TOKEN: statusToken })
      const url = await listeningUrl(child)
      try {
        // Nice values per thread, from /proc: the receiver's threads at the process's own (0, or
        // what `nice` started the suite at), the background 10 steps below, at most 19.
        const pid = child.process.pid
        const niceOf = (tid: string | number) =>
          Number(procStatField(`/proc/${pid}/task/${tid}/stat`, 19))
        const base = niceOf(pid ?? 0)
        const background = Math.min(19, base + 10)
        const nice = (await readdir(`/proc/${pid}/task`)).map(niceOf)
        if (background === base) expect(new Set(nice)).toEqual(new Set([base]))
        else {
          expect(nice.filter((n) => n === background)).toHaveLength(1)
          expect(nice.filter((n) => n === base).length).toBe(nice.length - 1)
        }
        // Its log lines reach stdout through the main thread's logger.
        sim.store.update('orders', 11, { staff_notes: 'through the thread' })
        expect((await deliver(url, 11)).status).toBe(200)
        await expect
          .poll(() => child.lines.some((l) => l.msg === 'worker batch'), { timeout: 10_000 })
          .toBe(true)
        // The thread's refetch was counted by the receiver, under the store it was for.
        const metrics = await fetch(`${url}/metrics`, {
          headers: { authorization: `Bearer ${statusToken}` },
        }).then((r) => r.text())
        const perStore = new RegExp(
          `^bcmirror_store_api_requests_total\\{store="${sim.storeHash}"\\} (\\d+)$`,
          'm',
        )
        expect(Number(perStore.exec(metrics)?.[1])).toBeGreaterThan(0)
      } finally {
        child.process.kill('SIGTERM')
      }
      expect(await child.exited).toBe(0)
      expect(child.lines.at(-1)).toMatchObject({ msg: 'stopped' })
    })
  }
})

describe('npm start (serve --demo-unless-configured)', () => {
  let workDir = ''
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'bc-mirror-demo-'))
    await seedDataDir(join(workDir, 'demo'))
  })
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true })
  })

  // One demo run in steps, each a test of its own, so that a stall names the step that stalled.
  describe('with no settings runs the demo: a simulated store whose changes reach the embedded database', () => {
    let demo: ServeChild | undefined
    const running = () => {
      if (!demo || demo.process.exitCode !== null) throw new Error('the demo is not running')
      return demo
    }
    afterAll(async () => {
      if (demo?.process.exitCode === null) demo.process.kill('SIGKILL')
      await demo?.exited
    })

    it('listens', async () => {
      demo = startServeChild({ PORT: String(await freePort()), DATA_DIR: workDir }, [
        '--demo-unless-configured',
      ])
      expect(await listeningUrl(demo)).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    })

    it('its worker refreshes the rows the store changes', async () => {
      const child = running()
      await expect
        .poll(() => child.lines.filter((l) => l.msg === 'worker batch').length, {
          timeout: 20_000,
        })
        .toBeGreaterThan(1)
    })

    it('sweeps the tables listed whole right after the backfill, and its hook check never races the demo hooks', async () => {
      const child = running()
      // Not a minute later; and the hooks were made before serve started, so the check finds them.
      await expect
        .poll(() => child.lines.some((l) => l.msg === 'sweep snapshot'), { timeout: 30_000 })
        .toBe(true)
      expect(child.lines.filter((l) => String(l.msg).startsWith('hooks'))).toEqual([])
    })

    it('stops on SIGTERM, leaving the mirrored rows and the done events in the database', async () => {
      const child = running()
      child.process.kill('SIGTERM')
      expect(await child.exited).toBe(0)
      expect(child.raw()).toContain('bc-mirror DEMO')
      expect(child.raw()).toContain('webhooks ensure --url https://')
      const db = await openPglite({ dataDir: join(workDir, 'demo') })
      try {
        const [rows] = await db.execute<{ n: number }>(sql`
          select (select count(*) from bigcommerce.orders) + (select count(*) from bigcommerce.products)
               + (select count(*) from bigcommerce.customers) as n`)
        expect(Number(rows?.n)).toBeGreaterThan(0)
        const [done] = await db.execute<{ n: number }>(
          sql`select count(*)::int as n from bigcommerce.webhook_events where status = 'done'`,
        )
        expect(done?.n).toBeGreaterThan(1)
        const [coupons] = await db.execute<{ n: number }>(
          sql`select count(*)::int as n from bigcommerce.coupons`,
        )
        expect(coupons?.n).toBe(20)
      } finally {
        await db.close()
      }
    })
  })

  it('with only some store settings it stops with the usual settings error, exit code 2', async () => {
    const partial = startServeChild({ BIGCOMMERCE_STORE_HASH: 'abc123', DATA_DIR: workDir }, [
      '--demo-unless-configured',
    ])
    expect(await partial.exited).toBe(2)
    expect(partial.raw()).toContain('BIGCOMMERCE_ACCESS_TOKEN is missing')
    expect(partial.raw()).toContain('WEBHOOK_SECRET is missing')
  })
})
