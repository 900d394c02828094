// The guarded write path: stale rows never win, equal timestamps replace, tombstones stop only
// reads that began before the deletion.
import { sql } from 'drizzle-orm'
import { expect, it } from 'vitest'
import type { Executor } from '../../src/db/database.ts'
import { deleteRows, upsertRows } from '../../src/db/write.ts'
import type { ResourceRow } from '../../src/resources/types.ts'
import { describeEachDatabase } from '../support/databases.ts'

const STORE = 'store1'
const at = (iso: string) => new Date(iso)

function product(id: number, modified: string, name = `Product ${id}`): ResourceRow {
  return {
    id,
    date_modified: at(modified),
    data: { id, name, date_modified: modified, price: 12.5 },
    sku: `SKU-${id}`,
    name,
    is_visible: true,
    price: 12.5,
    inventory_level: 3,
    date_created: at('2024-01-01T00:00:00Z'),
  }
}

function coupon(id: number, code: string): ResourceRow {
  return {
    id,
    date_modified: null,
    data: { id, code },
    code,
    name: code,
    type: 'free_shipping',
    enabled: true,
    date_created: null,
  }
}

async function storedName(db: Executor, id: number, store = STORE): Promise<string | undefined> {
  const rows = await db.execute<{ name: string }>(
    sql`select name from bigcommerce.products where store_hash = ${store} and id = ${id}`,
  )
  return rows[0]?.name
}

describeEachDatabase('guarded upsert', (ctx) => {
  it('inserts new rows with their typed columns and raw data', async () => {
    const result = await upsertRows(ctx.db, 'products', STORE, [product(1, '2024-05-01T10:00:00Z')])
    expect(result).toEqual({ written: 1, unchanged: 0 })
    const [row] = await ctx.db.execute<{
      sku: string
      data: { price: number }
      price: string
      dm: string
    }>(
      sql`select sku, data, price::text as price, date_modified::text as dm from bigcommerce.products where id = 1`,
    )
    expect(row?.sku).toBe('SKU-1')
    expect(row?.data.price).toBe(12.5)
    expect(row?.price).toBe('12.5000')
    expect(new Date(row?.dm ?? '').toISOString()).toBe('2024-05-01T10:00:00.000Z')
  })

  it('never lets an older date_modified overwrite a newer row', async () => {
    await upsertRows(ctx.db, 'products', STORE, [product(2, '2024-05-02T10:00:00Z', 'new')])
    const result = await upsertRows(ctx.db, 'products', STORE, [
      product(2, '2024-05-02T09:59:59Z', 'old'),
    ])
    expect(result).toEqual({ written: 0, unchanged: 1 })
    expect(await storedName(ctx.db, 2)).toBe('new')
  })

  it('replaces a row whose incoming date_modified is equal (a refetch is the freshest truth)', async () => {
    await upsertRows(ctx.db, 'products', STORE, [product(3, '2024-05-03T10:00:00Z', 'first')])
    const result = await upsertRows(ctx.db, 'products', STORE, [
      product(3, '2024-05-03T10:00:00Z', 'second'),
    ])
    expect(result.written).toBe(1)
    expect(await storedName(ctx.db, 3)).toBe('second')
  })

  it('counts an identical row as unchanged and neither rewrites nor locks it', async () => {
    await upsertRows(ctx.db, 'products', STORE, [product(4, '2024-05-04T10:00:00Z')])
    const result = await upsertRows(ctx.db, 'products', STORE, [product(4, '2024-05-04T10:00:00Z')])
    expect(result).toEqual({ written: 0, unchanged: 1 })
    // Issue 23: the worker refetches the same products again and again. An ON CONFLICT that
    // finds its row locks it first (xmax set, a WAL record, a transaction id to commit) even when
    // its WHERE then leaves it alone; an identical row is left out before that.
    const [row] = await ctx.db.execute<{ xmax: string }>(
      sql`select xmax::text as xmax from bigcommerce.products where store_hash = ${STORE} and id = 4`,
    )
    expect(row?.xmax).toBe('0')
  })

  it('keeps stores apart: the same id in two stores is two rows', async () => {
    await upsertRows(ctx.db, 'products', 'storeA', [product(5, '2024-05-05T10:00:00Z', 'A')])
    await upsertRows(ctx.db, 'products', 'storeB', [product(5, '2024-05-05T10:00:00Z', 'B')])
    expect(await storedName(ctx.db, 5, 'storeA')).toBe('A')
    expect(await storedName(ctx.db, 5, 'storeB')).toBe('B')
  })

  it('keeps the newest of duplicate ids within one batch', async () => {
    const result = await upsertRows(ctx.db, 'products', STORE, [
      product(6, '2024-05-06T10:00:02Z', 'newest'),
      product(6, '2024-05-06T10:00:01Z', 'older'),
    ])
    expect(result.written).toBe(1)
    expect(await storedName(ctx.db, 6)).toBe('newest')
  })

  it('coupons (no date_modified) always replace', async () => {
    await upsertRows(ctx.db, 'coupons', STORE, [coupon(7, 'SAVE10')])
    await upsertRows(ctx.db, 'coupons', STORE, [coupon(7, 'SAVE20')])
    const rows = await ctx.db.execute<{ code: string }>(
      sql`select code from bigcommerce.coupons where id = 7`,
    )
    expect(rows).toEqual([{ code: 'SAVE20' }])
  })

  it('deletes with a tombstone; a read that began before the deletion does not bring the row back', async () => {
    await upsertRows(ctx.db, 'products', STORE, [product(8, '2024-05-08T10:00:00Z')])
    const deleted = await deleteRows(ctx.db, 'products', STORE, [8], {
      deletedAt: at('2024-05-08T11:00:00Z'),
    })
    expect(deleted).toBe(1)
    const tombstones = async () =>
      ctx.db.execute<{ resource: string; id: number }>(
        sql`select resource, id::int as id from bigcommerce.deletions where store_hash = ${STORE} and id = 8`,
      )
    expect(await tombstones()).toEqual([{ resource: 'products', id: 8 }])

    const stale = await upsertRows(
      ctx.db,
      'products',
      STORE,
      [product(8, '2024-05-08T10:30:00Z')],
      {
        fetchedAt: at('2024-05-08T10:59:00Z'),
      },
    )
    expect(stale).toEqual({ written: 0, unchanged: 1 })
    expect(await storedName(ctx.db, 8)).toBeUndefined()

    // A read that began after the deletion and found the row: the store has it, so it comes back
    // whatever its date_modified, and its tombstone goes.
    const later = await upsertRows(
      ctx.db,
      'products',
      STORE,
      [product(8, '2024-05-08T10:30:00Z', 'back')],
      {
        fetchedAt: at('2024-05-08T11:00:01Z'),
      },
    )
    expect(later.written).toBe(1)
    expect(await storedName(ctx.db, 8)).toBe('back')
    expect(await tombstones()).toEqual([])
  })

  it('tombstones an id the mirror never held, so a late stale read cannot insert it', async () => {
    expect(
      await deleteRows(ctx.db, 'products', STORE, [9], { deletedAt: at('2024-05-09T11:00:00Z') }),
    ).toBe(0)
    await upsertRows(ctx.db, 'products', STORE, [product(9, '2024-05-09T10:00:00Z')], {
      fetchedAt: at('2024-05-09T10:59:00Z'),
    })
    expect(await storedName(ctx.db, 9)).toBeUndefined()
  })

  it('a tombstone newer than every date_modified does not pin a row the store still has', async () => {
    // The old write path compared tombstones with date_modified, so a wrongful deletion was permanent.
    await deleteRows(ctx.db, 'products', STORE, [11], { deletedAt: at('2030-01-01T00:00:00Z') })
    await upsertRows(ctx.db, 'products', STORE, [product(11, '2024-05-09T10:00:00Z')], {
      fetchedAt: at('2030-01-01T00:00:01Z'),
    })
    expect(await storedName(ctx.db, 11)).toBe('Product 11')
  })

  it('guards coupons against tombstones by when they were fetched', async () => {
    await upsertRows(ctx.db, 'coupons', STORE, [coupon(10, 'GONE')])
    await deleteRows(ctx.db, 'coupons', STORE, [10], { deletedAt: at('2024-06-01T00:00:00Z') })
    const stale = await upsertRows(ctx.db, 'coupons', STORE, [coupon(10, 'GONE')], {
      fetchedAt: at('2024-05-31T23:59:00Z'),
    })
    expect(stale.written).toBe(0)
    const fresh = await upsertRows(ctx.db, 'coupons', STORE, [coupon(10, 'GONE')], {
      fetchedAt: at('2024-06-01T00:01:00Z'),
    })
    expect(fresh.written).toBe(1)
  })

  it('writes 10,000 rows in one call, split into batches internally', async () => {
    const rows = Array.from({ length: 10_000 }, (_, i) =>
      product(100_000 + i, '2024-07-01T00:00:00Z'),
    )
    const result = await upsertRows(ctx.db, 'products', 'bulk', rows)
    expect(result).toEqual({ written: 10_000, unchanged: 0 })
    const [count] = await ctx.db.execute<{ n: number }>(
      sql`select count(*)::int as n from bigcommerce.products where store_hash = 'bulk'`,
    )
    expect(count?.n).toBe(10_000)
  })
})
