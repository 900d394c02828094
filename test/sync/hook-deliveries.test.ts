// Realistic deliveries from a store as strict as BigCommerce, on a compressed clock
// (docs/bigcommerce-api.md, "Webhooks: scopes, hook creation and deliveries"): the retry schedule
// and deactivation after it, the domain blocklist and `/v3/hooks/admin`, deactivation after 90 days
// without events, and `store/shipment/*` refreshing its order, all over real HTTP to the real
// receiver; what the hook check finds is recorded and `status` shows it with its fix.
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { sql } from 'drizzle-orm'
import { Hono } from 'hono'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { listHooks } from '../../src/bigcommerce/hooks.ts'
import { createApp, WEBHOOK_PATH } from '../../src/http/app.ts'
import { BIGCOMMERCE_RETRY_SECONDS, startSimStore, type SimStore } from '../../src/sim/index.ts'
import { processBatch } from '../../src/sync/events/event-worker.ts'
import { insertEvents } from '../../src/sync/events/inbox.ts'
import { ensureHooks, hookStateOf, recordHookState } from '../../src/sync/hooks/mirror-hooks.ts'
import { readStatus } from '../../src/sync/status/status.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { clientFor } from './support.ts'

const SECRET = 'hook-deliveries-secret'

describeEachDatabase('realistic hook deliveries', (ctx) => {
  let sim: SimStore
  let receiver: ReturnType<typeof serve>
  let destination = ''
  /** While true the receiver answers 503 to every delivery. */
  let failing = false
  const client = () => clientFor(sim).client

  beforeAll(async () => {
    sim = await startSimStore({
      quota: null,
      data: { counts: { orders: 200, products: 5, customers: 5 } },
      webhooks: { localTesting: true },
    })
    const mirror = createApp({
      storeHash: sim.storeHash,
      webhookSecret: SECRET,
      enqueue: (event) => insertEvents(ctx.db, sim.storeHash, [event]).then(() => undefined),
      checkHealth: async () => true,
    })
    const outer = new Hono()
    outer.post(WEBHOOK_PATH, (c) => (failing ? c.text('down', 503) : mirror.fetch(c.req.raw)))
    receiver = await new Promise((resolve) => {
      const s = serve({ fetch: outer.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s))
    })
    destination = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}${WEBHOOK_PATH}`
  })
  afterAll(async () => {
    await sim.close()
    await new Promise<void>((resolve) => receiver.close(() => resolve()))
  })
  beforeEach(async () => {
    failing = false
    sim.webhooks.hooks.clear()
    sim.clock.useRealTime()
    await ensureHooks(client(), { destination, secret: SECRET })
  })

  const deliveriesOf = (event: number) => sim.webhooks.deliveries.filter((d) => d.event === event)
  const orderEvent = (id: number) =>
    sim.webhooks.emit({ scope: 'store/order/updated', data: { type: 'order', id } })

  it('retries on the schedule (11 retries), then BigCommerce switches the hook off; status says why and how to fix it', async () => {
    sim.webhooks.setOptions({ timeScale: 0.00001, blocklist: false })
    failing = true
    const event = orderEvent(1)
    await sim.flushDeliveries()
    const attempts = deliveriesOf(event)
    expect(attempts).toHaveLength(1 + BIGCOMMERCE_RETRY_SECONDS.length)
    expect(attempts.every((a) => a.status === 503)).toBe(true)
    const hooks = await listHooks(client())
    expect(hooks.filter((h) => !h.is_active).map((h) => h.scope)).toEqual(['store/order/*'])
    const answer = await fetch(`${sim.url}/stores/${sim.storeHash}/v3/hooks/admin`, {
      headers: { 'X-Auth-Token': sim.accessToken },
    })
    const admin = (await answer.json()) as {
      data: { hooks_list: Array<{ scope: string; status: string }> }
    }
    const orderHook = admin.data.hooks_list.find((h) => h.scope === 'store/order/*')
    expect(orderHook?.status).toBe('deactivated')

    failing = false
    const repaired = await ensureHooks(client(), { destination, secret: SECRET })
    expect(repaired.deactivated).toEqual([
      { scope: 'store/order/*', cause: 'failures', reactivated: true },
    ])
    await recordHookState(ctx.db, sim.storeHash, hookStateOf(destination, repaired))
    const status = await readStatus(ctx.db, sim.storeHash)
    expect(status.hooks?.deactivated[0]).toMatchObject({ cause: 'failures', reactivated: true })
    expect(status.hooks?.repaired).toContain('store/order/*: was deactivated')
  })

  it('below 90% success over 100 requests the domain is blocked: events wait, /v3/hooks/admin and status show it, deliveries resume after', async () => {
    // 2 minutes → 2.4 s, 3 minutes → 3.6 s, first retry 60 s → 1.2 s, second 180 s → 3.6 s.
    sim.webhooks.setOptions({ timeScale: 0.02, blocklist: true })
    failing = true
    const events = Array.from({ length: 100 }, (_, i) => orderEvent(i + 1))
    const failed = () => events.filter((e) => deliveriesOf(e).some((d) => d.status === 503))
    await expect.poll(() => failed().length, { timeout: 5_000 }).toBe(100)
    failing = false
    const held = orderEvent(150)
    const result = await ensureHooks(client(), { destination, secret: SECRET })
    expect(result.blocked).toHaveLength(1)
    expect(result.blocked?.[0]?.destination).toBe(new URL(destination).origin)
    expect(result.blocked?.[0]?.timeLeftSeconds).toBeGreaterThan(0)
    expect(result.blocked?.[0]?.reasons.join()).toContain('HTTP 503')
    await recordHookState(ctx.db, sim.storeHash, hookStateOf(destination, result))
    const status = await readStatus(ctx.db, sim.storeHash)
    const problem = status.problems.find((p) => p.what.includes('blocks webhook deliveries'))
    expect(problem?.what).toContain(new URL(destination).origin)
    expect(problem?.fix).toMatch(/answer 2xx/)

    await sim.flushDeliveries()
    // The event that fired during the block was held back, then delivered once the block ended.
    expect(deliveriesOf(held).some((d) => d.blocked)).toBe(true)
    expect(deliveriesOf(held).at(-1)?.ok).toBe(true)
    for (const event of events) expect(deliveriesOf(event).at(-1)?.ok).toBe(true)
    const stored = await ctx.db.execute<{ n: number }>(
      sql`select count(distinct resource_id)::int as n from bigcommerce.webhook_events where store_hash = ${sim.storeHash} and resource_id in (150, 1, 100)`,
    )
    expect(stored[0]?.n).toBe(3)
  })

  it('a hook no event reached for 90 days is switched off; ensure switches it back on and status names the cause', async () => {
    sim.clock.set(Date.now())
    sim.clock.advance(60 * 86_400_000)
    orderEvent(2) // reaches store/order/* only; the others stand idle
    await sim.flushDeliveries()
    sim.clock.advance(31 * 86_400_000)
    const hooks = await listHooks(client())
    expect(hooks.find((h) => h.scope === 'store/order/*')?.is_active).toBe(true)
    expect(hooks.find((h) => h.scope === 'store/customer/*')?.is_active).toBe(false)
    const result = await ensureHooks(client(), { destination, secret: SECRET })
    const customer = result.deactivated.find((d) => d.scope === 'store/customer/*')
    expect(customer).toEqual({ scope: 'store/customer/*', cause: 'inactivity', reactivated: true })
    expect(result.deactivated.some((d) => d.scope === 'store/order/*')).toBe(false)
    await recordHookState(ctx.db, sim.storeHash, hookStateOf(destination, result))
    const status = await readStatus(ctx.db, sim.storeHash)
    expect(status.hooks?.deactivated.map((d) => d.cause)).toContain('inactivity')
    expect((await listHooks(client())).every((h) => h.is_active)).toBe(true)
  })

  it('store/shipment/* refreshes its order: quantity_shipped and items_shipped reach the mirror', async () => {
    sim.webhooks.setOptions({ timeScale: 0.001 })
    await ctx.db.execute(sql`delete from bigcommerce.webhook_events`)
    const orderId = 7
    sim.store.shipOrder(orderId)
    await sim.flushDeliveries()
    const events = await ctx.db.execute<{ scope: string; resource: string; id: number }>(
      sql`select scope, resource, resource_id::int as id from bigcommerce.webhook_events`,
    )
    expect(events).toEqual([{ scope: 'store/shipment/created', resource: 'orders', id: orderId }])
    await processBatch({ db: ctx.db, client: client(), storeHash: sim.storeHash })
    const [order] = await ctx.db.execute<{ shipped: number; total: number }>(sql`
      select (data->>'items_shipped')::int as shipped, (data->>'items_total')::int as total
      from bigcommerce.orders where store_hash = ${sim.storeHash} and id = ${orderId}`)
    expect(order?.shipped).toBeGreaterThan(0)
    expect(order?.shipped).toBe(order?.total)
    const lines = await ctx.db.execute<{ q: number; shipped: number }>(sql`
      select quantity as q, (data->>'quantity_shipped')::int as shipped
      from bigcommerce.order_products where store_hash = ${sim.storeHash} and order_id = ${orderId}`)
    expect(lines.length).toBeGreaterThan(0)
    expect(lines.every((l) => l.shipped === l.q)).toBe(true)
  })
})
