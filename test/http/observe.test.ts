// `/metrics` and `/status` through the app as every host builds it: off (404) without a token,
// 401 without the right one; `/metrics` parsed by a Prometheus text-format parser and its values
// checked against the database, on every database.
import { sql } from 'drizzle-orm'
import parsePrometheus from 'parse-prometheus-text-format'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError, parseConfig } from '../../src/config.ts'
import { createApp, type AppDeps } from '../../src/http/app.ts'
import { createMirrorMetrics, LATENCY_BUCKETS } from '../../src/http/metrics.ts'
import type { Database } from '../../src/db/database.ts'
import { recordHookState } from '../../src/sync/hooks/mirror-hooks.ts'
import { readStatus } from '../../src/sync/status/status.ts'
import { runSync } from '../../src/sync/sweeps/sweep.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { family, valueOf } from '../support/prometheus.ts'
import { clientFor, startStore } from '../sync/support.ts'
import type { SimStore } from '../../src/sim/index.ts'

const TOKEN = 'status-token-for-tests-0123456789'
const STORE = 'obs1'

function appFor(db: Database, token?: string, metrics = createMirrorMetrics()) {
  const deps: AppDeps = {
    storeHash: STORE,
    webhookSecret: 'webhook-secret-for-tests-0123',
    enqueue: async () => {},
    checkHealth: async () => true,
    onDelivery: (o) => metrics.recordDelivery(o),
    observe: token
      ? {
          token,
          readStatus: () => readStatus(db, STORE),
          renderMetrics: () => metrics.render(db, STORE),
          apiState: () => metrics.apiState(),
        }
      : undefined,
  }
  return { app: createApp(deps), metrics }
}

describe('the status page and metrics are off without STATUS_TOKEN', () => {
  it('STATUS_TOKEN is optional, and a short one is refused without showing it', () => {
    expect(parseConfig({}).statusToken).toBeUndefined()
    expect(parseConfig({ STATUS_TOKEN: TOKEN }).statusToken).toBe(TOKEN)
    const error = (() => {
      try {
        parseConfig({ STATUS_TOKEN: 'short-secret' })
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(ConfigError)
    expect(String(error)).toContain('STATUS_TOKEN is too short')
    expect(String(error)).not.toContain('short-secret')
  })

  it('answers 404 on both', async () => {
    const { app } = appFor({} as Database)
    expect((await app.request('/metrics')).status).toBe(404)
    expect((await app.request('/status')).status).toBe(404)
  })
})

let sim: SimStore | undefined
afterAll(async () => {
  await sim?.close()
})

describeEachDatabase('metrics and status page', (ctx) => {
  it('need the token: a bearer header for both, ?token= for the page only', async () => {
    const { app } = appFor(ctx.db, TOKEN)
    expect((await app.request('/metrics')).status).toBe(401)
    expect(
      (
        await app.request('/metrics', {
          headers: { Authorization: 'Bearer wrong-token-of-some-length' },
        })
      ).status,
    ).toBe(401)
    expect((await app.request(`/metrics?token=${TOKEN}`)).status).toBe(401)
    expect((await app.request('/status?token=nope')).status).toBe(401)
    const ok = await app.request('/metrics', { headers: { Authorization: `Bearer ${TOKEN}` } })
    expect(ok.status).toBe(200)
    expect(ok.headers.get('content-type')).toContain('text/plain; version=0.0.4')
    const page = await app.request(`/status?token=${TOKEN}`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
    const html = await page.text()
    expect(html).toMatch(/^<!doctype html>/)
    expect(html).toContain('<meta http-equiv="refresh" content="30"')
    expect(html).toContain('name="viewport"')
  })

  it('the page, and its 401, forbid framing, sniffing, referrers and any script', async () => {
    const { app } = appFor(ctx.db, TOKEN)
    for (const path of [`/status?token=${TOKEN}`, '/status?token=nope']) {
      const answer = await app.request(path)
      const csp = answer.headers.get('content-security-policy') ?? ''
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).toContain("default-src 'none'")
      expect(csp).not.toContain('script-src')
      expect(answer.headers.get('x-frame-options')).toBe('DENY')
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff')
      expect(answer.headers.get('referrer-policy')).toBe('no-referrer')
    }
    // The page's own style carries the nonce the policy names, so it still applies.
    const page = await app.request(`/status?token=${TOKEN}`)
    const nonce = /style-src 'nonce-([^']+)'/.exec(
      page.headers.get('content-security-policy') ?? '',
    )
    expect(nonce?.[1]).toBeTruthy()
    expect(await page.text()).toContain(`<style nonce="${nonce?.[1]}">`)
  })

  it('/metrics parses as Prometheus text and agrees with the database', async () => {
    sim = await startStore({
      storeHash: STORE,
      data: { seed: 21, counts: { coupons: 7, customers: 11, orders: 13, products: 17 } },
    })
    const { client, events } = clientFor(sim)
    const { app, metrics } = appFor(ctx.db, TOKEN)
    events.subscribe((event) => metrics.recordApiEvent(event, client.pacer.snapshot()))
    expect((await runSync({ db: ctx.db, client, storeHash: STORE, clientEvents: events })).ok).toBe(
      true,
    )
    await recordHookState(ctx.db, STORE, { status: 'missing', destination: null, repaired: [] })
    // Events: three done after 0.2, 3 and 40 s; one pending for 2 minutes; one failed.
    await ctx.db.execute(sql`
      insert into bigcommerce.webhook_events (store_hash, hash, scope, resource, resource_id, payload, status, received_at, processed_at, last_error)
      values (${STORE}, 'd1', 'store/order/updated', 'orders', 1, '{}'::jsonb, 'done', now() - interval '1 hour', now() - interval '1 hour' + interval '200 milliseconds', null),
             (${STORE}, 'd2', 'store/order/updated', 'orders', 2, '{}'::jsonb, 'done', now() - interval '1 hour', now() - interval '1 hour' + interval '3 seconds', null),
             (${STORE}, 'd3', 'store/order/updated', 'orders', 3, '{}'::jsonb, 'done', now() - interval '1 hour', now() - interval '1 hour' + interval '40 seconds', null),
             (${STORE}, 'p1', 'store/order/updated', 'orders', 4, '{}'::jsonb, 'pending', now() - interval '2 minutes', null, null),
             (${STORE}, 'f1', 'store/order/updated', 'orders', 5, '{}'::jsonb, 'failed', now() - interval '1 minute', now(), 'refetch failed: 500')`)
    await ctx.db.execute(sql`
      insert into bigcommerce.rejected_rows (store_hash, resource, id, reason, raw)
      values (${STORE}, 'products', 999, 'no date_modified', '{"id":999}')`)
    // Deliveries through the app itself: one stored, one refused.
    const deliver = (secret: string) =>
      app.request('/webhooks/bigcommerce', {
        method: 'POST',
        headers: { 'X-Webhook-Secret': secret, 'content-type': 'application/json' },
        body: JSON.stringify({
          scope: 'store/order/updated',
          data: { type: 'order', id: 1 },
          hash: 'x1',
        }),
      })
    expect((await deliver('webhook-secret-for-tests-0123')).status).toBe(200)
    expect((await deliver('wrong-secret')).status).toBe(401)

    const response = await app.request('/metrics', {
      headers: { Authorization: `Bearer ${TOKEN}` },
    })
    const families = parsePrometheus(await response.text())

    for (const table of ['coupons', 'customers', 'orders', 'products']) {
      const [row] = await ctx.db.execute<{ n: number; at: number }>(sql`
        select (select count(*)::int from ${sql.raw(`bigcommerce.${table}`)} where store_hash = ${STORE}) as n,
               (select extract(epoch from last_success_at)::float8 from bigcommerce.sync_state where store_hash = ${STORE} and table_name = ${table}) as at`)
      expect(valueOf(families, 'bcmirror_rows', { table })).toBe(row?.n)
      expect(
        valueOf(families, 'bcmirror_last_successful_sweep_timestamp_seconds', { table }),
      ).toBeCloseTo(Number(row?.at), 2)
      expect(valueOf(families, 'bcmirror_sweeps_recorded', { table, outcome: 'completed' })).toBe(1)
      expect(valueOf(families, 'bcmirror_sweep_last_failed', { table })).toBe(0)
    }
    expect(valueOf(families, 'bcmirror_rows', { table: 'products' })).toBe(17)
    expect(valueOf(families, 'bcmirror_inbox_events', { status: 'pending' })).toBe(1)
    expect(valueOf(families, 'bcmirror_inbox_events', { status: 'failed' })).toBe(1)
    expect(valueOf(families, 'bcmirror_inbox_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(
      119,
    )

    const latency = family(families, 'bcmirror_event_to_row_seconds')
    expect(latency.type).toBe('HISTOGRAM')
    const buckets = latency.metrics[0]?.buckets ?? {}
    expect(Object.keys(buckets)).toHaveLength(LATENCY_BUCKETS.length + 1)
    expect(Number(buckets['0.5'])).toBe(1)
    expect(Number(buckets['5'])).toBe(2)
    expect(Number(buckets['60'])).toBe(3)
    expect(Number(buckets['+Inf'])).toBe(3)
    expect(Number(latency.metrics[0]?.count)).toBe(3)
    expect(Number(latency.metrics[0]?.sum)).toBeCloseTo(43.2, 3)

    expect(valueOf(families, 'bcmirror_rejected_rows', { table: 'products' })).toBe(1)
    expect(valueOf(families, 'bcmirror_rejected_rows', { table: 'orders' })).toBe(0)
    expect(valueOf(families, 'bcmirror_hooks_state', { state: 'missing' })).toBe(1)
    expect(valueOf(families, 'bcmirror_hooks_state', { state: 'ok' })).toBe(0)
    const status = await readStatus(ctx.db, STORE)
    expect(valueOf(families, 'bcmirror_problems')).toBe(status.problems.length)
    expect(status.problems.length).toBeGreaterThan(0)

    expect(family(families, 'bcmirror_webhook_deliveries_total').type).toBe('COUNTER')
    expect(
      valueOf(families, 'bcmirror_webhook_deliveries_total', { outcome: 'stored', status: '200' }),
    ).toBe(1)
    expect(
      valueOf(families, 'bcmirror_webhook_deliveries_total', { outcome: 'refused', status: '401' }),
    ).toBe(1)
    const api = family(families, 'bcmirror_api_requests_total').metrics
    const total = api.reduce((sum, m) => sum + Number(m.value), 0)
    expect(total).toBe(sim.stats.requests)
    expect(
      valueOf(families, 'bcmirror_api_requests_total', {
        route: '/v2/orders/count',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(1)
    expect(valueOf(families, 'bcmirror_api_quota')).toBeGreaterThan(0)
  })
})
