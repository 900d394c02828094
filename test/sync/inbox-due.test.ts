// What the inbox's two frequent reads touch: the fleet's poll for stores with due events, and a
// worker's claim. Both once read every pending event (the poll all stores', a claim its table's
// among them), so their cost grew with the backlog: under load, thousands of rows a second, and
// behind a store whose API is out, without bound (docs/benchmarks.md, issues 20 and 23). Counted
// here as the rows PostgreSQL's plan read from webhook_events, never as time.
import { sql, type SQL } from 'drizzle-orm'
import { beforeEach, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.ts'
import { claimEvents } from '../../src/sync/events/inbox.ts'
import { dueTablesQuery, findDueTables } from '../../src/sync/events/inbox-due.ts'
import { describeEachDatabase } from '../support/databases.ts'

let added = 0

/** Adds `count` events of one store and table (null: none), due now or at `availableAt`. */
async function addEvents(
  db: Database,
  storeHash: string,
  resource: string | null,
  count: number,
  more: { status?: string; availableAt?: SQL } = {},
) {
  added += 1
  await db.execute(sql`
    insert into bigcommerce.webhook_events
      (store_hash, hash, scope, resource, resource_id, payload, status, available_at)
    select ${storeHash}, ${`${storeHash}-${added}-`} || i,
      'store/product/updated', ${resource}, i, '{}'::jsonb, ${more.status ?? 'pending'},
      ${more.availableAt ?? sql`now()`}
    from generate_series(1, ${count}) as i`)
}

interface PlanNode {
  'Relation Name'?: string
  'Actual Rows'?: number
  'Actual Loops'?: number
  'Rows Removed by Filter'?: number
  'Rows Removed by Index Recheck'?: number
  Plans?: PlanNode[]
}

/** Rows the plan read from webhook_events: returned by its scans, or read and filtered out. */
function rowsRead(node: PlanNode): number {
  const own =
    node['Relation Name'] === 'webhook_events'
      ? ((node['Actual Rows'] ?? 0) +
          (node['Rows Removed by Filter'] ?? 0) +
          (node['Rows Removed by Index Recheck'] ?? 0)) *
        (node['Actual Loops'] ?? 1)
      : 0
  return own + (node.Plans ?? []).reduce((sum, child) => sum + rowsRead(child), 0)
}

async function rowsReadBy(db: Database, query: SQL): Promise<number> {
  const [row] = await db.execute<Record<string, unknown>>(
    sql`explain (analyze, format json) ${query}`,
  )
  const value = Object.values(row ?? {})[0]
  const [plan] = (typeof value === 'string' ? JSON.parse(value) : value) as [{ Plan: PlanNode }]
  return rowsRead(plan.Plan)
}

/** The SQL a call sends, run as EXPLAIN ANALYZE instead (its own answer is empty). */
function explaining(db: Database, plans: number[]): Database {
  return new Proxy(db, {
    get(target, key, receiver) {
      if (key !== 'execute') return Reflect.get(target, key, receiver)
      return async (query: SQL) => {
        plans.push(await rowsReadBy(target, query))
        return []
      }
    },
  })
}

describeEachDatabase('the inbox reads what it needs', (ctx) => {
  beforeEach(async () => {
    await ctx.db.execute(sql`delete from bigcommerce.webhook_events`)
  })

  it('the poll finds each store and table with due events; events due later (claimed or deferred) and done ones are not', async () => {
    await addEvents(ctx.db, 'storea', 'products', 3)
    await addEvents(ctx.db, 'storea', null, 1)
    await addEvents(ctx.db, 'storeb', 'customers', 2, {
      availableAt: sql`now() + interval '1 minute'`,
    })
    await addEvents(ctx.db, 'storeb', 'orders', 2, { status: 'done' })
    await addEvents(ctx.db, 'storec', 'orders', 1)
    await addEvents(ctx.db, 'storec', 'orders', 1, {
      availableAt: sql`now() + interval '1 minute'`,
    })
    const { due, next } = await findDueTables(ctx.db, 100)
    expect(Object.fromEntries(due)).toEqual({ storea: [null, 'products'], storec: ['orders'] })
    expect(next).toBeNull()
  })

  it('a poll that stops at its limit says where the next goes on, and that one finds the rest', async () => {
    for (const store of ['storea', 'storeb', 'storec'])
      await addEvents(ctx.db, store, 'products', 2)
    const first = await findDueTables(ctx.db, 2)
    expect([...first.due.keys()]).toEqual(['storea', 'storeb'])
    expect(first.next).toEqual({ storeHash: 'storeb', resource: 'products' })
    const second = await findDueTables(ctx.db, 2, first.next ?? undefined)
    expect(Object.fromEntries(second.due)).toEqual({ storec: ['products'] })
    expect(second.next).toBeNull()
  })

  it('the poll reads one event per store and table, not every pending event', async () => {
    await addEvents(ctx.db, 'storea', 'products', 3_000)
    await addEvents(ctx.db, 'storea', 'customers', 1_000)
    await addEvents(ctx.db, 'storeb', 'products', 1_000)
    await ctx.db.execute(sql`analyze bigcommerce.webhook_events`)
    // Three pairs: each is read once, and one more step finds there is no fourth.
    expect(await rowsReadBy(ctx.db, dueTablesQuery(5_000))).toBeLessThanOrEqual(4)
  })

  it("a claim reads its own store's and table's due events, not other stores' backlogs or its history", async () => {
    await addEvents(ctx.db, 'storea', 'products', 5)
    await addEvents(ctx.db, 'storea', 'products', 2_000, { status: 'done' })
    await addEvents(ctx.db, 'storea', 'customers', 1_000)
    await addEvents(ctx.db, 'storeb', 'products', 3_000)
    await ctx.db.execute(sql`analyze bigcommerce.webhook_events`)
    const plans: number[] = []
    const db = explaining(ctx.db, plans)
    await claimEvents(db, 'storea', {
      limit: 1000,
      leaseMs: 60_000,
      resource: { only: 'products' },
    })
    await claimEvents(db, 'storea', {
      limit: 1000,
      leaseMs: 60_000,
      resource: { except: ['products', 'customers'] },
    })
    const [own, others] = plans
    // The five events it claims, read by its scan and again by its update: nothing of storeb's
    // backlog or of storea's done events.
    expect(own).toBeLessThanOrEqual(20)
    // Events of no table are found among the store's own due events (1,005 here), never among
    // other stores' or the done ones.
    expect(others).toBeLessThanOrEqual(1_005)
  })
})
