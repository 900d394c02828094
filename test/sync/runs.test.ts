// Run history and what `status` says needs a person: every sweep and hook check leaves a row in
// sync_runs with its counts; old rows are pruned; failed sweeps, failed events, missing hooks and
// rejected rows become problems with the command that fixes them, and stop being problems once
// fixed. On every database, against the simulated store over real HTTP.
import { sql } from 'drizzle-orm'
import { afterEach, expect, it } from 'vitest'
import { startBackgroundWork } from '../../src/node/background.ts'
import { recordHookState } from '../../src/sync/hooks/mirror-hooks.ts'
import { readRecentRuns, recordRun } from '../../src/sync/status/runs.ts'
import { readStatus } from '../../src/sync/status/status.ts'
import { runSync } from '../../src/sync/sweeps/sweep.ts'
import { describeEachDatabase } from '../support/databases.ts'
import type { SimStore } from '../../src/sim/index.ts'
import { clientFor, startStore, storeRows } from './support.ts'

let sim: SimStore | undefined

afterEach(async () => {
  await sim?.close()
  sim = undefined
})

describeEachDatabase('run history', (ctx) => {
  it('records each sweep with its kind, outcome and per-table counts, newest first', async () => {
    sim = await startStore({
      storeHash: 'runs',
      data: { seed: 4, counts: { coupons: 30, customers: 40, orders: 50, products: 60 } },
    })
    const { client, events } = clientFor(sim)
    const sync = { db: ctx.db, client, storeHash: 'runs', clientEvents: events }

    const first = await runSync(sync)
    expect(first.ok).toBe(true)
    await runSync(sync, { tables: ['coupons'] })
    sim.store.delete('coupons', 3)
    await runSync(sync, { full: true, tables: ['coupons', 'orders'] })
    // A refused request (403) fails that table's sweep.
    sim.injectFaults({ path: '/v3/catalog/products', status: 403 })
    const failed = await runSync(sync, { tables: ['products'] })
    expect(failed.ok).toBe(false)

    const runs = await readRecentRuns(ctx.db, 'runs')
    expect(runs.map((r) => [r.kind, r.outcome])).toEqual([
      ['incremental', 'failed'],
      ['full', 'completed'],
      ['snapshot', 'completed'],
      ['incremental', 'completed'],
    ])
    const [bad, full, , backfill] = runs
    // Every order the list shows: not Incomplete ones.
    const listed = storeRows(sim, 'orders').size
    expect(backfill?.tables.orders).toMatchObject({
      status: 'completed',
      fetched: listed,
      written: listed,
      deleted: 0,
    })
    expect(backfill?.requests).toBe(
      first.tables.orders!.requests +
        first.tables.products!.requests +
        first.tables.customers!.requests +
        first.tables.coupons!.requests +
        first.tables.categories!.requests +
        first.tables.brands!.requests,
    )
    expect(backfill?.requests).toBeGreaterThan(0)
    expect(full?.tables.coupons).toMatchObject({ deleted: 1, fetched: 29 })
    expect(bad?.tables.products?.status).toBe('failed')
    expect(bad?.error).toMatch(/^products: /)
    expect(bad!.finishedAt.getTime()).toBeGreaterThanOrEqual(bad!.startedAt.getTime())
  })

  it('records hook checks, and prunes runs older than the kept age when recording', async () => {
    await recordHookState(ctx.db, 'hookruns', {
      status: 'missing',
      destination: null,
      repaired: [],
    })
    const old = new Date(Date.now() - 40 * 86_400_000)
    await recordRun(ctx.db, 'hookruns', {
      kind: 'incremental',
      startedAt: old,
      finishedAt: old,
      outcome: 'completed',
      tables: {},
      requests: 1,
      throttled: 0,
      error: null,
    })
    // Pruning is relative to the run being recorded: the old one goes with the next record.
    expect((await readRecentRuns(ctx.db, 'hookruns')).map((r) => r.kind)).toEqual([
      'hooks',
      'incremental',
    ])
    const now = new Date()
    await recordRun(ctx.db, 'hookruns', {
      kind: 'full',
      startedAt: new Date(now.getTime() - 29 * 86_400_000),
      finishedAt: now,
      outcome: 'completed',
      tables: {},
      requests: 1,
      throttled: 0,
      error: null,
    })
    const runs = await readRecentRuns(ctx.db, 'hookruns')
    expect(runs.map((r) => [r.kind, r.outcome])).toEqual([
      ['hooks', 'missing'],
      ['full', 'completed'],
    ])
    expect(runs[0]?.error).toBe('the store has no hooks for this mirror')
  })
})

describeEachDatabase('run history of serve', (ctx) => {
  it("records serve's scheduled sweeps with their requests, and its hook checks", async () => {
    sim = await startStore({ storeHash: 'served', data: { seed: 6, counts: { coupons: 600 } } })
    const { client, events } = clientFor(sim)
    const config = {
      storeHash: 'served',
      webhookSecret: 'served-webhook-secret-0123',
      schedule: { incrementalMinutes: 0, couponsMinutes: 60, fullMinutes: 0, hooksMinutes: 60 },
    }
    const work = startBackgroundWork({
      config,
      db: ctx.db,
      client,
      clientEvents: events,
      log: () => {},
      scheduleStartDelayMs: 0,
    })
    try {
      await expect
        .poll(async () => (await readRecentRuns(ctx.db, 'served')).map((r) => r.kind).sort(), {
          timeout: 20_000,
        })
        .toEqual(['hooks', 'snapshot'])
    } finally {
      await work.stop()
    }
    const runs = await readRecentRuns(ctx.db, 'served')
    const snapshot = runs.find((r) => r.kind === 'snapshot')
    // 600 coupons take at least three pages; the requests are counted from the client's events.
    expect(snapshot).toMatchObject({ outcome: 'completed', tables: { coupons: { written: 600 } } })
    expect(Object.keys(snapshot?.tables ?? {}).sort()).toEqual(['brands', 'categories', 'coupons'])
    expect(snapshot?.tables.coupons?.requests).toBeGreaterThanOrEqual(3)
    expect(snapshot?.requests).toBe(
      (snapshot?.tables.coupons?.requests ?? 0) +
        (snapshot?.tables.categories?.requests ?? 0) +
        (snapshot?.tables.brands?.requests ?? 0),
    )
    expect(runs.find((r) => r.kind === 'hooks')).toMatchObject({ outcome: 'missing' })
  })
})

describeEachDatabase('status problems', (ctx) => {
  it('names what needs a person and the command that fixes it, and clears once fixed', async () => {
    sim = await startStore({
      storeHash: 'probs',
      data: { seed: 5, counts: { coupons: 5, customers: 5, orders: 20, products: 5 } },
    })
    const { client } = clientFor(sim)
    const sync = { db: ctx.db, client, storeHash: 'probs' }
    expect((await readStatus(ctx.db, 'probs')).problems).toEqual([
      {
        what: 'no sweep of coupons, customers, orders, products, categories and brands has completed yet: the mirror is not whole',
        fix: 'bc-mirror sync',
      },
    ])

    sim.injectFaults({ path: /^\/v2\/orders$/, status: 403 })
    await runSync(sync)
    // Failed a few seconds ago (a sweep's cursor has whole seconds).
    await ctx.db.execute(sql`
      insert into bigcommerce.webhook_events (store_hash, hash, scope, resource, resource_id, payload, status, processed_at, last_error)
      values ('probs', 'h1', 'store/order/updated', 'orders', 7, '{}'::jsonb, 'failed', now() - interval '5 seconds', 'refetch failed: 500'),
             ('probs', 'h2', 'store/order/updated', 'orders', 8, '{}'::jsonb, 'failed', now() - interval '5 seconds', 'refetch failed: 500')`)
    await recordHookState(ctx.db, 'probs', { status: 'missing', destination: null, repaired: [] })
    await ctx.db.execute(sql`
      insert into bigcommerce.rejected_rows (store_hash, resource, id, reason, raw)
      values ('probs', 'customers', 4, 'no date_modified', '{"id":4}')`)

    const status = await readStatus(ctx.db, 'probs')
    expect(status.problems).toEqual([
      {
        what: expect.stringMatching(/^the last sweep of orders failed: /),
        // The 403 named the scope the API account lacks: the fix gives it first.
        fix: expect.stringMatching(
          /has store_v2_orders_read_only .*, then bc-mirror sync --tables orders$/,
        ),
      },
      {
        what: '2 webhook events for orders failed: refetch failed: 500',
        fix: 'bc-mirror sync --tables orders',
      },
      {
        what: 'the store has no webhooks for this mirror',
        fix: expect.stringContaining('bc-mirror webhooks ensure --url'),
      },
      {
        what: '1 customers row rejected (e.g. no date_modified)',
        fix: 'fix the object in the store, then bc-mirror sync --tables customers',
      },
    ])
    expect(status.inbox).toMatchObject({ failed: 2, unresolvedFailed: 2 })
    expect(status.runs.map((r) => r.kind)).toEqual(['hooks', 'incremental'])

    // A completed sweep of orders starts after the failures: its window covers their rows; a
    // rejected row clears once the row is stored (here: its entry goes).
    await ctx.db.execute(sql`delete from bigcommerce.rejected_rows where store_hash = 'probs'`)
    expect((await runSync(sync, { tables: ['orders'] })).ok).toBe(true)
    await recordHookState(ctx.db, 'probs', {
      status: 'ok',
      destination: 'https://m.example.com/webhooks/bigcommerce',
      repaired: [],
    })
    const fixed = await readStatus(ctx.db, 'probs')
    expect(fixed.problems).toEqual([])
    expect(fixed.inbox).toMatchObject({ failed: 2, unresolvedFailed: 0 })
  })
})
