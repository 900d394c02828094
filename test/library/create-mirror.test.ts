// createMirror from the sources, on each database: settings by their environment names, the
// receiver mounted in a parent Hono app, sync/status/verify returning what the commands print,
// start() running the worker in this process (onChange hearing what it wrote), and close() stopping
// it all. The packed package
// running the example app is test/package/library.test.ts.
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { count, eq, sql } from 'drizzle-orm'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, createMirror, type Mirror } from '../../src/library/index.ts'
import { orders } from '../../src/library/schema.ts'
import { startSimStore, type SimStore } from '../../src/sim/index.ts'
import type { LogFields } from '../../src/util/log.ts'
import { createFreshDatabase, databaseKinds, type FreshDatabase } from '../support/databases.ts'
import { serveEnvForSim } from '../support/serve-env.ts'

const SECRET = 'create-mirror-webhook-secret-0123'

describe('createMirror settings', () => {
  it('refuses bad settings with one ConfigError naming each, before opening anything', async () => {
    const made = createMirror({ settings: { BIGCOMMERCE_STORE_HASH: 'abc123', PORT: 'x' } })
    await expect(made).rejects.toBeInstanceOf(ConfigError)
    const message = await made.catch((e: Error) => e.message)
    expect(message).toContain('BIGCOMMERCE_ACCESS_TOKEN')
    expect(message).toContain('WEBHOOK_SECRET')
    expect(message).toContain('PORT')
  })
})

for (const kind of databaseKinds()) {
  describe(`createMirror [${kind}]`, () => {
    let sim: SimStore
    let database: FreshDatabase | undefined
    let dataDir = ''
    let mirror: Mirror
    const logs: Array<{ msg: string } & LogFields> = []
    const parent = new Hono()

    beforeAll(async () => {
      sim = await startSimStore({
        quota: null,
        data: { counts: { orders: 15, products: 8, customers: 8 } },
      })
      if (kind === 'postgres') database = await createFreshDatabase('postgres')
      else dataDir = await mkdtemp(join(tmpdir(), 'bcm-lib-'))
      const where = database?.url
        ? { DATABASE_URL: database.url }
        : { DATA_DIR: join(dataDir, 'db') }
      mirror = await createMirror({
        settings: { ...serveEnvForSim(sim, SECRET, 3000), ...where },
        log: (_level, msg, fields) => logs.push({ msg, ...fields }),
      })
      parent.get('/hello', (c) => c.text('the app'))
      parent.route('/', mirror.app)
    })
    afterAll(async () => {
      await mirror?.close()
      await sim?.close()
      await database?.dispose()
      if (dataDir) await rm(dataDir, { recursive: true, force: true })
    })

    it("serves the mirror's routes beside the app's own in the app's Hono", async () => {
      expect(await (await parent.request('/hello')).text()).toBe('the app')
      expect((await parent.request('/healthz')).status).toBe(200)
      const unsigned = await parent.request('/webhooks/bigcommerce', { method: 'POST', body: '{}' })
      expect(unsigned.status).toBe(401)
    })

    it('sync, status and verify return what the commands print, and the rows read typed', async () => {
      await expect(mirror.sync({ tables: ['orders', 'nope' as 'orders'] })).rejects.toThrow(
        /unknown table "nope"/,
      )
      const summary = await mirror.sync({ tables: ['orders', 'coupons'] })
      expect(summary.ok).toBe(true)
      expect(Object.keys(summary.tables).sort()).toEqual(['coupons', 'orders'])
      const [mirrored] = await mirror.db
        .select({ n: count() })
        .from(orders)
        .where(eq(orders.store_hash, mirror.storeHash))
      expect(mirrored?.n).toBe(summary.tables.orders?.upserted)
      expect(mirrored?.n).toBeGreaterThan(0)

      const status = await mirror.status()
      expect(status.tables.orders.rows).toBe(mirrored?.n)
      expect(status.access?.result).toBe('ok')
      const report = await mirror.verify({ tables: ['orders'] })
      expect(report.ok).toBe(true)
      expect(report.tables.orders?.mirror).toBe(mirrored?.n)
    })

    it("start() runs the worker in this process: a delivery through the app's Hono refreshes the row", async () => {
      const first = mirror.start()
      expect(mirror.start()).toBe(first)
      await first
      const [row] = await mirror.db.select().from(orders).limit(1)
      const id = row?.id ?? 0
      const newStatus = row?.status_id === 5 ? 6 : 5
      const statusOf = async () =>
        (await mirror.db.select().from(orders).where(eq(orders.id, id)))[0]?.status_id
      // onChange hears the order's commit, and the row read then is the new one.
      let markers = 0
      const heard = new Promise<number | null | undefined>((resolve) => {
        const stop = mirror.onChange((change) => {
          if (change.store_hash === 'marker') markers += 1
          if (change.table !== 'orders' || !change.ids.includes(id)) return
          stop()
          void statusOf().then(resolve)
        })
      })
      // The feed starts listening in the background: a marker heard says it does.
      const marker = JSON.stringify({
        store_hash: 'marker',
        table: 'marker',
        op: 'upsert',
        ids: [1],
      })
      await expect
        .poll(
          async () => {
            await mirror.db.execute(sql`select pg_notify('bigcommerce_mirror', ${marker})`)
            return markers
          },
          { timeout: 10_000 },
        )
        .toBeGreaterThan(0)
      sim.store.update('orders', id, { status_id: newStatus })
      const delivery = await parent.request('/webhooks/bigcommerce', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRET },
        body: JSON.stringify({
          scope: 'store/order/statusUpdated',
          data: { type: 'order', id },
          hash: randomUUID(),
          producer: `stores/${sim.storeHash}`,
        }),
      })
      expect(delivery.status).toBe(200)
      expect(await heard).toBe(newStatus)
      expect(JSON.stringify(logs)).not.toContain(SECRET)
    })

    it('close() stops everything once, however often it is called', async () => {
      await Promise.all([mirror.close(), mirror.close()])
      await expect(mirror.start()).rejects.toThrow('closed')
    })
  })
}
