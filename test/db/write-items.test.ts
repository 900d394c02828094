// writeItems, the one write path from raw API objects: whatever mix of odd objects a batch holds,
// every storable one is written and every other one lands in rejected_rows with its reason
// (a fast-check property on both databases), and a stored row clears its id's entry.
import { sql } from 'drizzle-orm'
import fc from 'fast-check'
import { expect, it } from 'vitest'
import type { Executor } from '../../src/db/database.ts'
import { writeItems } from '../../src/db/write-items.ts'
import { RESOURCES } from '../../src/resources/index.ts'
import { describeEachDatabase } from '../support/databases.ts'

type Kind = 'ok' | 'nul' | 'int-range' | 'no-id' | 'no-date' | 'far-future' | 'bad-date'

const REASONS: Record<Exclude<Kind, 'ok'>, RegExp> = {
  nul: /^PostgreSQL: .*(Unicode|\\u0000)/,
  'int-range': /^PostgreSQL: .*out of range for type integer/,
  'no-id': /malformed product object \(id null\); id:/,
  'no-date': /malformed product object \(id \d+\); date_modified:/,
  'far-future': /more than a day in the future/,
  'bad-date': /date_modified: not a BigCommerce date/,
}

function product(id: number, kind: Kind): Record<string, unknown> {
  const item: Record<string, unknown> = {
    id,
    name: kind === 'nul' ? `nul \u0000 ${id}` : `Product ${id}`,
    sku: `SKU-${id}`,
    price: 10,
    is_visible: true,
    inventory_level: kind === 'int-range' ? 3_000_000_000 : 4,
    date_created: '2024-01-01T00:00:00+00:00',
    date_modified: '2024-05-01T10:00:00+00:00',
  }
  if (kind === 'no-id') delete item.id
  if (kind === 'no-date') delete item.date_modified
  if (kind === 'far-future') item.date_modified = '9999-12-31T00:00:00+00:00'
  if (kind === 'bad-date') item.date_modified = 'yesterday'
  return item
}

async function storedIds(db: Executor, store: string): Promise<number[]> {
  const rows = await db.execute<{ id: number }>(
    sql`select id::int as id from bigcommerce.products where store_hash = ${store} order by id`,
  )
  return rows.map((r) => r.id)
}

async function rejected(db: Executor, store: string) {
  return db.execute<{ id: number | null; reason: string }>(
    sql`select id::int as id, reason from bigcommerce.rejected_rows
        where store_hash = ${store} and resource = 'products' order by id nulls first, reason`,
  )
}

describeEachDatabase('writeItems', (ctx) => {
  let run = 0

  it('any mix of odd objects: every storable one is written, every other one rejected with its reason', async () => {
    const kinds = fc.constantFrom<Kind>(
      'ok',
      'ok',
      'ok',
      'ok',
      'nul',
      'int-range',
      'no-id',
      'no-date',
      'far-future',
      'bad-date',
    )
    await fc.assert(
      fc.asyncProperty(
        fc.array(kinds, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 16 }),
        async (mix, batchSize) => {
          const store = `prop${++run}`
          const items = mix.map((kind, i) => product(i + 1, kind))
          const result = await writeItems(ctx.db, RESOURCES.products, store, items, { batchSize })
          const good = mix.flatMap((kind, i) => (kind === 'ok' ? [i + 1] : []))
          expect(await storedIds(ctx.db, store)).toEqual(good)
          expect(result.written).toBe(good.length)
          expect(result.ids.sort((a, b) => a - b)).toEqual(good)
          const bad = mix.flatMap((kind, i) =>
            kind === 'ok' ? [] : [{ id: kind === 'no-id' ? null : i + 1, kind }],
          )
          expect(result.rejected).toHaveLength(bad.length)
          for (const { id, kind } of bad) {
            const found = result.rejected.find(
              (r) => r.id === id && REASONS[kind as Exclude<Kind, 'ok'>].test(r.reason),
            )
            expect(found, `${kind} ${id}`).toBeDefined()
          }
          // Objects without an id are kept once per distinct object.
          const entries = await rejected(ctx.db, store)
          expect(entries.filter((e) => e.id !== null)).toHaveLength(
            bad.filter((b) => b.id !== null).length,
          )
          expect(entries.filter((e) => e.id === null)).toHaveLength(
            bad.filter((b) => b.id === null).length,
          )
        },
      ),
      { numRuns: 25, seed: 11 },
    )
  })

  it('records a rejected id once, refreshes it on the next failure, and clears it once the row is stored', async () => {
    const store = 'retry'
    await writeItems(ctx.db, RESOURCES.products, store, [product(1, 'int-range'), product(2, 'ok')])
    await writeItems(ctx.db, RESOURCES.products, store, [product(1, 'nul')])
    const [entry] = await rejected(ctx.db, store)
    expect(entry).toMatchObject({ id: 1, reason: expect.stringMatching(REASONS.nul) })
    expect(await rejected(ctx.db, store)).toHaveLength(1)
    const fixed = await writeItems(ctx.db, RESOURCES.products, store, [product(1, 'ok')])
    expect(fixed).toMatchObject({ written: 1, rejected: [] })
    expect(await rejected(ctx.db, store)).toEqual([])
    expect(await storedIds(ctx.db, store)).toEqual([1, 2])
  })

  it('keeps the raw object as text, NUL and all, and the reason without the SQL or other rows', async () => {
    const store = 'raw'
    const items = [
      product(1, 'ok'),
      product(2, 'nul'),
      { ...product(3, 'ok'), email: 'someone@example.com' },
    ]
    await writeItems(ctx.db, RESOURCES.products, store, items)
    const [row] = await ctx.db.execute<{ raw: string; reason: string }>(
      sql`select raw, reason from bigcommerce.rejected_rows where store_hash = ${store}`,
    )
    expect(JSON.parse(row?.raw ?? 'null')).toEqual(items[1])
    expect(row?.reason).not.toMatch(/insert|select|someone@example\.com|Product 1/)
  })

  it("a database failure that is no row's fault is thrown, not blamed on the rows", async () => {
    await ctx.db.execute(
      sql.raw(`
      create or replace function bigcommerce.refuse_products() returns trigger language plpgsql as $$
      begin raise exception 'refused for this test'; end $$`),
    )
    await ctx.db.execute(
      sql.raw(`
      create trigger refuse_products before insert on bigcommerce.products
      for each row when (new.store_hash = 'refused') execute function bigcommerce.refuse_products()`),
    )
    try {
      await expect(
        writeItems(ctx.db, RESOURCES.products, 'refused', [product(1, 'ok'), product(2, 'ok')]),
      ).rejects.toThrow()
      expect(await rejected(ctx.db, 'refused')).toEqual([])
    } finally {
      await ctx.db.execute(sql.raw('drop trigger refuse_products on bigcommerce.products'))
    }
  })
})
