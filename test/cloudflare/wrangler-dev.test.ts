// The Worker end to end under `wrangler dev` (workerd, offline, its queues local) against a fresh
// PostgreSQL database and the simulated store of its settings: signed webhooks from the store reach
// PostgreSQL through the drain job the delivery sends to the queue; a change no webhook announced
// reaches it through the jobs the cron plans; a delivery with a wrong secret is refused and stores
// nothing. Needs a PostgreSQL server (TEST_DATABASE_URL).
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBigCommerceClient } from '../../src/bigcommerce/client.ts'
import { createRatePacer } from '../../src/bigcommerce/pacer.ts'
import { WORKER_CRON } from '../../src/cloudflare/handlers.ts'
import { WEBHOOK_PATH } from '../../src/http/app.ts'
import { ensureHooks } from '../../src/sync/hooks/mirror-hooks.ts'
import { startSimStore, type SimStore } from '../../src/sim/index.ts'
import { createFreshDatabase, type FreshDatabase } from '../support/databases.ts'
import { startWranglerDev, type WranglerDev } from './wrangler.ts'

const SECRET = 'worker-test-webhook-secret-0123'
const CLIENT_SECRET = 'worker-test-client-secret'
const STATUS_TOKEN = 'worker-test-status-token-0123'

describe.runIf(process.env.TEST_DATABASE_URL)('the Worker under wrangler dev [postgres]', () => {
  let fresh: FreshDatabase
  let sim: SimStore
  let dev: WranglerDev

  beforeAll(async () => {
    fresh = await createFreshDatabase('postgres')
    sim = await startSimStore({
      quota: null,
      data: { counts: { orders: 20, products: 20, customers: 20, coupons: 10 } },
      webhooks: {
        clientSecret: CLIENT_SECRET,
        retryDelaysMs: [100, 300, 1_000],
        localTesting: true,
      },
    })
    dev = await startWranglerDev({
      BIGCOMMERCE_STORE_HASH: sim.storeHash,
      BIGCOMMERCE_ACCESS_TOKEN: sim.accessToken,
      BIGCOMMERCE_API_URL: sim.url,
      BIGCOMMERCE_CLIENT_SECRET: CLIENT_SECRET,
      WEBHOOK_SECRET: SECRET,
      STATUS_TOKEN,
      DATABASE_URL: fresh.url ?? '',
    })
    const client = createBigCommerceClient({
      apiUrl: sim.url,
      storeHash: sim.storeHash,
      accessToken: sim.accessToken,
      pacer: createRatePacer(),
    })
    await ensureHooks(client, { destination: `${dev.url}${WEBHOOK_PATH}`, secret: SECRET })
  }, 120_000)

  afterAll(async () => {
    if (process.env.SHOW_WRANGLER_OUTPUT) console.log(dev?.output())
    await dev?.stop()
    await sim?.close()
    await fresh?.dispose()
  })

  const rowData = async (table: string, id: number) => {
    const [row] = await fresh.db.execute<{ data: Record<string, unknown> }>(
      sql`select data from ${sql.raw(`bigcommerce.${table}`)} where store_hash = ${sim.storeHash} and id = ${id}`,
    )
    return row?.data ?? null
  }
  const count = async (table: string) => {
    const [row] = await fresh.db.execute<{ n: number }>(
      sql`select count(*)::int as n from ${sql.raw(`bigcommerce.${table}`)}`,
    )
    return Number(row?.n ?? 0)
  }
  const runCron = async (cron: string) => {
    const response = await fetch(`${dev.url}/__scheduled?cron=${encodeURIComponent(cron)}`, {
      signal: AbortSignal.timeout(120_000),
    })
    await response.text()
    return response.status
  }

  it('answers /healthz from the database', async () => {
    const response = await fetch(`${dev.url}/healthz`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ok: true })
  })

  it('a webhook delivered to the Worker reaches PostgreSQL within seconds (a drain job on the queue)', async () => {
    sim.store.update('products', 1, { name: 'Renamed in the store' })
    sim.store.update('customers', 2, { company: 'Acme Worker Ltd' })
    await sim.flushDeliveries()
    const failed = sim.webhooks.deliveries.filter((d) => !d.ok)
    expect(failed, dev.output()).toEqual([])
    await expect
      .poll(() => rowData('products', 1), { timeout: 30_000, interval: 250 })
      .toMatchObject({ name: 'Renamed in the store' })
    await expect
      .poll(() => rowData('customers', 2), { timeout: 30_000, interval: 250 })
      .toMatchObject({ company: 'Acme Worker Ltd' })
    // Only the rows the webhooks named: no sweep has run yet.
    expect(await count('products')).toBe(1)
  })

  it('a change no webhook announced reaches PostgreSQL through the jobs the cron sends', async () => {
    sim.webhooks.setOptions({ dropRate: 1 })
    try {
      sim.store.update('orders', 3, { staff_notes: 'changed without a webhook' })
      await sim.flushDeliveries()
      expect(await rowData('orders', 3)).toBeNull()

      expect(await runCron(WORKER_CRON)).toBe(200)
      await expect
        .poll(() => rowData('orders', 3), { timeout: 60_000, interval: 500 })
        .toMatchObject({
          staff_notes: 'changed without a webhook',
        })
      await expect.poll(() => count('products'), { timeout: 60_000, interval: 500 }).toBe(20)
      const swept = async () => {
        const cursors = await fresh.db.execute<{ table_name: string }>(
          sql`select table_name from bigcommerce.sync_state
              where store_hash = ${sim.storeHash} and cursor is not null order by table_name`,
        )
        return cursors.map((c) => c.table_name)
      }
      await expect
        .poll(swept, { timeout: 60_000, interval: 500 })
        .toEqual(['customers', 'orders', 'products'])
      // The coupon sweep is a job of its own, due at once for a store that never had one.
      await expect.poll(() => count('coupons'), { timeout: 60_000, interval: 500 }).toBe(10)
    } finally {
      sim.webhooks.setOptions({ dropRate: 0 })
    }
  })

  it('refuses a delivery with a wrong secret (401) and stores nothing', async () => {
    const before = await count('webhook_events')
    const deliver = (secret: string | undefined) =>
      fetch(`${dev.url}${WEBHOOK_PATH}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(secret ? { 'X-Webhook-Secret': secret } : {}),
        },
        body: JSON.stringify({
          scope: 'store/order/updated',
          data: { type: 'order', id: 4 },
          hash: 'wrong-secret-delivery',
          producer: `stores/${sim.storeHash}`,
        }),
      })
    const wrong = await deliver('not-the-secret-at-all')
    expect(wrong.status).toBe(401)
    expect(await wrong.text()).not.toContain(SECRET)
    expect((await deliver(undefined)).status).toBe(401)
    expect(await count('webhook_events')).toBe(before)
    expect(dev.output()).not.toContain(SECRET)
  })

  it('serves /metrics (prom-client inside workerd) and /status with the token, 401 without', async () => {
    const auth = { Authorization: `Bearer ${STATUS_TOKEN}` }
    const metrics = await fetch(`${dev.url}/metrics`, { headers: auth })
    const text = await metrics.text()
    expect(metrics.status, text).toBe(200)
    expect(text).toContain('# TYPE bcmirror_webhook_deliveries_total counter')
    expect(text).toMatch(
      new RegExp(`bcmirror_rows\\{table="orders"\\} ${await count('orders')}\\n`),
    )
    const page = await fetch(`${dev.url}/status?token=${STATUS_TOKEN}`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain(`bc-mirror: store ${sim.storeHash}`)
    expect((await fetch(`${dev.url}/metrics`)).status).toBe(401)
  })
})
