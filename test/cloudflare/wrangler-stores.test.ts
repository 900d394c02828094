// The Worker serving many stores under `wrangler dev` (workerd, offline; its Queues local), against
// a fresh PostgreSQL database and the simulator's stores and login service: 20 stores installed
// through the app's auth callback are mirrored whole by queue-driven jobs, one store's sweep cut
// by its 2-second budget goes on from its checkpoint in continuation messages, a store whose token
// is refused ends in the dead-letter queue (and `status` names it) while the others complete, and
// a full reconciliation in several messages deletes a customer the store lost. Needs a PostgreSQL
// server (TEST_DATABASE_URL).
import { randomBytes } from 'node:crypto'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WORKER_CRON } from '../../src/cloudflare/handlers.ts'
import type { ResourceName } from '../../src/db/schema.ts'
import { startSimStore, type SimStore, type SimStoreHandle } from '../../src/sim/index.ts'
import { registerStore } from '../../src/stores/registry.ts'
import { importTokenKeys } from '../../src/stores/token-crypto.ts'
import { readStatus } from '../../src/sync/status/status.ts'
import { createFreshDatabase, type FreshDatabase } from '../support/databases.ts'
import { freePort } from '../support/ports.ts'
import { startWranglerDev, type WranglerDev } from './wrangler.ts'

const CLIENT_ID = 'worker-app-client'
const CLIENT_SECRET = 'worker-app-secret-0123456789'
const WEBHOOK_SECRET = 'worker-stores-webhook-secret'
const STATUS_TOKEN = 'worker-stores-status-token'
const TOKEN_KEY = randomBytes(32).toString('hex')
const TABLES: ResourceName[] = ['products', 'customers', 'orders', 'coupons']
const SMALL = { products: 4, customers: 4, orders: 3, coupons: 2 }
/** The store whose jobs need more than one budget: a small quota and a few pages of customers. */
const BIG = 'shopbig'
const REFUSED = 'refused'

describe.runIf(process.env.TEST_DATABASE_URL)('the Worker on Queues, 20 stores [postgres]', () => {
  let fresh: FreshDatabase
  let sim: SimStore
  let dev: WranglerDev
  const installed: SimStoreHandle[] = []

  beforeAll(async () => {
    fresh = await createFreshDatabase('postgres')
    const port = await freePort()
    const publicUrl = `http://127.0.0.1:${port}`
    sim = await startSimStore({
      storeHash: 'shop00',
      quota: null,
      data: { counts: SMALL },
      app: {
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        authCallbackUrl: `${publicUrl}/bigcommerce/auth`,
      },
      webhooks: { localTesting: true },
    })
    installed.push(sim.storeOf('shop00') as SimStoreHandle)
    for (let i = 1; i < 19; i += 1) {
      const storeHash = `shop${String(i).padStart(2, '0')}`
      installed.push(
        sim.addStore({ storeHash, data: { counts: SMALL }, webhooks: { localTesting: true } }),
      )
    }
    installed.push(
      sim.addStore({
        storeHash: BIG,
        // 3 requests a second: its sweeps need a few budgets of 2 s.
        quota: 3,
        windowMs: 1_000,
        data: { counts: { products: 30, customers: 600, orders: 3, coupons: 5 } },
        webhooks: { localTesting: true },
      }),
    )
    sim.addStore({ storeHash: REFUSED, data: { counts: SMALL } })
    // Registered from a machine with a token the store does not know.
    await registerStore(fresh.db, await importTokenKeys(TOKEN_KEY), {
      storeHash: REFUSED,
      kind: 'api_account',
      accessToken: 'not-the-stores-token',
    })
    dev = await startWranglerDev(
      {
        PUBLIC_URL: publicUrl,
        BIGCOMMERCE_CLIENT_ID: CLIENT_ID,
        BIGCOMMERCE_CLIENT_SECRET: CLIENT_SECRET,
        BIGCOMMERCE_LOGIN_URL: sim.url,
        BIGCOMMERCE_API_URL: sim.url,
        WEBHOOK_SECRET,
        TOKEN_ENCRYPTION_KEY: TOKEN_KEY,
        STATUS_TOKEN,
        DATABASE_URL: fresh.url ?? '',
        JOB_BUDGET_SECONDS: '2',
      },
      '/healthz',
      port,
    )
  }, 120_000)

  afterAll(async () => {
    if (process.env.SHOW_WRANGLER_OUTPUT) console.log(dev?.output())
    await dev?.stop()
    await sim?.close()
    await fresh?.dispose()
  })

  const mirrored = async (storeHash: string, table: ResourceName) => {
    const [row] = await fresh.db.execute<{ n: number }>(
      sql`select count(*)::int as n from ${sql.raw(`bigcommerce.${table}`)} where store_hash = ${storeHash}`,
    )
    return Number(row?.n ?? 0)
  }
  /** The rows the store's lists show (its orders list leaves out Incomplete ones). */
  const listed = (store: SimStoreHandle, table: ResourceName) =>
    store.store
      .byId(table)
      .filter((r) => table !== 'orders' || store.store.fieldsOf('orders', r).status_id !== 0).length
  const wholeStores = async () => {
    let whole = 0
    for (const store of installed) {
      const counts = await Promise.all(TABLES.map((t) => mirrored(store.storeHash, t)))
      if (TABLES.every((t, i) => counts[i] === listed(store, t))) whole += 1
    }
    return whole
  }
  const runCron = async () => {
    const response = await fetch(`${dev.url}/__scheduled?cron=${encodeURIComponent(WORKER_CRON)}`)
    await response.text()
    return response.status
  }
  const logLines = () =>
    dev
      .output()
      .split('\n')
      .flatMap((line) => {
        const start = line.indexOf('{"time"')
        if (start < 0) return []
        try {
          return [JSON.parse(line.slice(start)) as Record<string, unknown>]
        } catch {
          return []
        }
      })

  it('20 stores installed through the app callback are mirrored whole by queue-driven jobs', async () => {
    const started = Date.now()
    for (const store of installed) {
      const { code, scope, context } = sim.installApp(store.storeHash)
      const answer = await fetch(
        `${dev.url}/bigcommerce/auth?${new URLSearchParams({ code, scope, context })}`,
      )
      expect(answer.status, await answer.text()).toBe(200)
    }
    expect(await runCron()).toBe(200)
    await expect.poll(wholeStores, { timeout: 90_000, interval: 1_000 }).toBe(20)
    console.log(`20 stores mirrored whole in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    const [stores] = await fresh.db.execute<{ n: number }>(
      sql`select count(*)::int as n from bigcommerce.stores where kind = 'app' and status = 'active'`,
    )
    expect(stores?.n).toBe(20)
    // Each installed store's hooks point at the Worker.
    const big = installed.at(-1)
    const hooks = [...(big?.webhooks.hooks.values() ?? [])]
    expect(hooks.length).toBeGreaterThan(0)
  }, 120_000)

  it('a job cut by its budget went on from its checkpoint in continuation messages', () => {
    const lines = logLines()
    const continued = lines.filter((l) => l.msg === 'job continues' && l.store === BIG)
    expect(continued.length, dev.output().slice(-4000)).toBeGreaterThan(0)
    expect(lines.some((l) => l.msg === 'sweep incremental paused' && l.store === BIG)).toBe(true)
  })

  it('the store whose token is refused lands in the dead-letter queue; status names it', async () => {
    const dead = async () => (await readStatus(fresh.db, REFUSED)).deadJobs.map((d) => d.job)
    await expect.poll(dead, { timeout: 60_000, interval: 1_000 }).toContain('incremental')
    const status = await readStatus(fresh.db, REFUSED)
    const problem = status.problems.find((p) => p.what.includes('dead-letter'))
    expect(problem?.what).toMatch(/refuses the access token/)
    expect(problem?.fix).toContain(`--store ${REFUSED}`)
    const page = await fetch(`${dev.url}/status?token=${STATUS_TOKEN}`)
    expect(await page.text()).toContain('dead-letter')
    // The others were not held back.
    expect(await wholeStores()).toBe(20)
  }, 90_000)

  it('a nightly full reconciliation in several messages deletes a customer the store lost', async () => {
    const big = installed.at(-1) as SimStoreHandle
    big.webhooks.setOptions({ dropRate: 1 }) // no webhook tells of it: only the sweep can
    big.setOptions({ quota: 5 }) // still a few budgets for the whole listing, fewer than at 3/s
    const [gone] = big.store.byId('customers')
    big.store.delete('customers', gone?.id ?? 0)
    const before = await mirrored(BIG, 'customers')
    // A day has passed since the full job was planned.
    await fresh.db.execute(sql`
      update bigcommerce.sync_state
      set last_summary = jsonb_build_object('plannedAt', (now() - interval '2 days')::text)
      where store_hash = ${BIG} and table_name = 'job:full'`)
    expect(await runCron()).toBe(200)
    await expect
      .poll(() => mirrored(BIG, 'customers'), { timeout: 90_000, interval: 1_000 })
      .toBe(before - 1)
    const lines = logLines()
    const chunks = lines.filter(
      (l) => l.msg === 'job continues' && l.store === BIG && l.job === 'full',
    )
    expect(chunks.length).toBeGreaterThan(0)
    const [state] = await fresh.db.execute<{ deleted: number }>(sql`
      select (last_summary->>'deleted')::int as deleted from bigcommerce.sync_state
      where store_hash = ${BIG} and table_name = 'customers'`)
    expect(state?.deleted).toBe(1)
  }, 120_000)
})
