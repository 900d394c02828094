// The change feed on the write path: NOTIFY bigcommerce_mirror names the rows a commit changed,
// only after the commit, never for a rollback or a write its guard stopped, split under
// PostgreSQL's 8000-byte payload limit; order children under their own tables.
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import {
  CHANGES_CHANNEL,
  listenForChanges,
  parseChange,
  type Change,
} from '../../src/db/changes.ts'
import { deleteRows, upsertRows } from '../../src/db/write.ts'
import { toLineRow } from '../../src/resources/order-children.ts'
import type { ResourceRow } from '../../src/resources/types.ts'
import { collectChanges, type ChangeCollector } from '../support/changes.ts'
import { describeEachDatabase } from '../support/databases.ts'

const STORE = 'feed'

function product(id: number, modified: string, name = `Product ${id}`): ResourceRow {
  return {
    id,
    date_modified: new Date(modified),
    data: { id, name, date_modified: modified },
    name,
  }
}

function order(id: number, modified: string, lines: Array<[number, number]>): ResourceRow {
  return {
    id,
    date_modified: new Date(modified),
    data: { id, date_modified: modified },
    status_id: 10,
    children: {
      order_products: lines.map(([line, quantity]) =>
        toLineRow({ id: line, sku: `S${line}`, quantity, price_inc_tax: '1.0000' }),
      ),
    },
  }
}

const summary = (changes: Change[]) => changes.map((c) => `${c.table} ${c.op} ${c.ids.join(',')}`)

describeEachDatabase('change feed on writes', (ctx) => {
  let feed: ChangeCollector
  // What a listener found when it read the rows it was told of, as soon as it was told.
  const found: string[] = []
  beforeAll(async () => {
    feed = await collectChanges(ctx.db, async (change) => {
      if (change.table !== 'products' || change.op !== 'upsert') return
      const rows = await ctx.db.execute<{ id: number; name: string }>(sql`
        select id::float8 as id, name from bigcommerce.products
        where store_hash = ${change.store_hash} and id = any(${`{${change.ids.join(',')}}`}::bigint[])`)
      found.push(...rows.map((r) => `${r.id}:${r.name}`))
    })
  })
  afterAll(async () => {
    await feed.stop()
  })
  beforeEach(() => {
    feed.clear()
    found.splice(0)
  })

  it('names the rows an upsert wrote, and a listener reading them at once finds them', async () => {
    await upsertRows(ctx.db, 'products', STORE, [
      product(2, '2024-05-01T10:00:00Z'),
      product(1, '2024-05-01T10:00:00Z'),
    ])
    await feed.settle()
    expect(feed.changes).toEqual([
      { store_hash: STORE, table: 'products', op: 'upsert', ids: [1, 2] },
    ])
    expect(found.sort()).toEqual(['1:Product 1', '2:Product 2'])
  })

  it('announces nothing for a write that changed nothing (stale, identical or tombstoned)', async () => {
    await upsertRows(ctx.db, 'products', STORE, [product(3, '2024-05-02T10:00:00Z', 'new')])
    await deleteRows(ctx.db, 'products', STORE, [4], {
      deletedAt: new Date('2024-05-02T12:00:00Z'),
    })
    await feed.settle()
    feed.clear()
    const stale = await upsertRows(ctx.db, 'products', STORE, [
      product(3, '2024-05-02T09:00:00Z', 'old'),
    ])
    await upsertRows(ctx.db, 'products', STORE, [product(3, '2024-05-02T10:00:00Z', 'new')])
    await upsertRows(ctx.db, 'products', STORE, [product(4, '2024-05-02T11:00:00Z')], {
      fetchedAt: new Date('2024-05-02T11:30:00Z'),
    })
    // A tombstone for an id the mirror never held removes no row.
    await deleteRows(ctx.db, 'products', STORE, [999])
    await feed.settle()
    expect(stale.written).toBe(0)
    expect(feed.changes).toEqual([])
  })

  it('names deleted rows with op delete', async () => {
    const modified = '2024-05-03T10:00:00Z'
    await upsertRows(ctx.db, 'products', STORE, [product(5, modified), product(6, modified)])
    await deleteRows(ctx.db, 'products', STORE, [5, 6, 7])
    await feed.settle()
    expect(summary(feed.changes)).toEqual(['products upsert 5,6', 'products delete 5,6'])
  })

  it('announces nothing for a transaction rolled back', async () => {
    const failed = ctx.db.transaction(async (tx) => {
      await upsertRows(tx, 'products', STORE, [product(8, '2024-05-04T10:00:00Z')])
      throw new Error('rolled back on purpose')
    })
    await expect(failed).rejects.toThrow('rolled back on purpose')
    await feed.settle()
    expect(feed.changes).toEqual([])
  })

  it('delivers at the commit, not before', async () => {
    await ctx.db.transaction(async (tx) => {
      await upsertRows(tx, 'products', STORE, [product(9, '2024-05-05T10:00:00Z')])
      // PGlite has one session: a marker sent now would join this transaction; PostgreSQL's
      // marker goes through another connection and commits while this transaction is open.
      if (ctx.kind === 'postgres') await feed.settle()
      else await tx.execute(sql`select 1`)
      expect(feed.changes).toEqual([])
    })
    await feed.until((c) => c.ids.includes(9))
    expect(found).toEqual(['9:Product 9'])
  })

  it('splits a large batch into notifications under 8000 bytes that name every row once', async () => {
    const ids = Array.from({ length: 1500 }, (_, i) => 1_000_000_000_000_000 + i * 7)
    await upsertRows(
      ctx.db,
      'products',
      STORE,
      ids.map((id) => product(id, '2024-05-06T10:00:00Z', 'bulk')),
      { batchSize: 1500 },
    )
    await feed.settle()
    const payloads = feed.payloads.filter((p) => parseChange(p)?.store_hash === STORE)
    expect(payloads.length).toBeGreaterThan(3)
    for (const payload of payloads) expect(Buffer.byteLength(payload)).toBeLessThan(8000)
    expect(feed.changes.flatMap((c) => c.ids)).toEqual(ids)
  })

  it("names an order's children under their own tables, changed and removed", async () => {
    await upsertRows(ctx.db, 'orders', STORE, [
      order(1, '2024-05-07T10:00:00Z', [
        [11, 1],
        [12, 2],
      ]),
    ])
    await feed.settle()
    expect(summary(feed.changes)).toEqual(['orders upsert 1', 'order_products upsert 11,12'])
    feed.clear()
    // A newer version: 11 unchanged, 12 removed, 13 added.
    await upsertRows(ctx.db, 'orders', STORE, [
      order(1, '2024-05-07T11:00:00Z', [
        [11, 1],
        [13, 4],
      ]),
    ])
    await feed.settle()
    expect(summary(feed.changes)).toEqual([
      'orders upsert 1',
      'order_products delete 12',
      'order_products upsert 13',
    ])
  })

  it('reports a listener that throws and a payload that is not a change, and listens on; unsubscribed, hears nothing', async () => {
    const heard: number[] = []
    const errors: string[] = []
    let heard21 = () => {}
    const got21 = new Promise<void>((resolve) => (heard21 = resolve))
    const stop = await listenForChanges(
      ctx.db,
      (change) => {
        if (change.ids.includes(20)) throw new Error('listener failed')
        heard.push(...change.ids)
        if (change.ids.includes(21)) heard21()
      },
      { onError: (error) => errors.push(String(error)) },
    )
    await upsertRows(ctx.db, 'products', STORE, [product(20, '2024-05-08T10:00:00Z')])
    await ctx.db.execute(sql`select pg_notify(${CHANGES_CHANNEL}::text, 'not json')`)
    await upsertRows(ctx.db, 'products', STORE, [product(21, '2024-05-08T10:00:00Z')])
    await got21
    expect(heard).toEqual([21])
    expect(errors).toEqual([
      'Error: listener failed',
      `Error: a notification on ${CHANGES_CHANNEL} that is not a change: not json`,
    ])
    await stop()
    await upsertRows(ctx.db, 'products', STORE, [product(22, '2024-05-08T10:00:00Z')])
    await feed.until((c) => c.ids.includes(22))
    expect(heard).toEqual([21])
  })
})
