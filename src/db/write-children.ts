// Writing an order's children (line items, shipping addresses, coupons) inside the transaction that
// wrote the order. A child set is written only when the orders table now holds the very version
// the children were read with (same date_modified): the order's own write won its guard, or the
// stored row was already that version. A set replaces the stored one: rows it no longer names are
// deleted, changed rows updated, identical rows left alone (no churn). The foreign key deletes
// children with their order. Changed and removed children are announced on the change feed under
// their own table (changes.ts); children that go with their deleted order are not named.
import { getTableColumns, sql, type SQL } from 'drizzle-orm'
import type { PgColumn } from 'drizzle-orm/pg-core'
import type { ResourceRow } from './rows.ts'
import { notifyChanges } from './changes.ts'
import type { Executor } from './database.ts'
import { orderChildTables, orders, type OrderChildTable } from './schema.ts'

const ident = (name: string) => sql.raw(`"${name}"`)
const list = (parts: SQL[]) => sql.join(parts, sql`, `)

/** Columns the caller provides: everything but store_hash and synced_at. */
function childColumns(table: OrderChildTable): PgColumn[] {
  return Object.values(getTableColumns(orderChildTables[table])).filter(
    (c) => c.name !== 'store_hash' && c.name !== 'synced_at',
  )
}

export interface ChildWriteResult {
  written: number
  removed: number
}

function childStatement(
  table: OrderChildTable,
  storeHash: string,
  rows: ResourceRow[],
): SQL | null {
  const sets: Array<{ order_id: number; date_modified: string | null }> = []
  const items: Array<Record<string, unknown>> = []
  const columns = childColumns(table)
  for (const row of rows) {
    const set = row.children?.[table]
    if (set === undefined) continue
    sets.push({ order_id: row.id, date_modified: row.date_modified?.toISOString() ?? null })
    const seen = new Set<number>()
    for (const child of set) {
      if (seen.has(child.id)) continue // ON CONFLICT may touch a row once per statement
      seen.add(child.id)
      const record: Record<string, unknown> = {}
      for (const c of columns)
        record[c.name] = c.name === 'order_id' ? row.id : (child[c.name] ?? null)
      items.push(record)
    }
  }
  if (sets.length === 0) return null
  const target = orderChildTables[table]
  const names = columns.map((c) => ident(c.name))
  const recordType = list(columns.map((c) => sql`${ident(c.name)} ${sql.raw(c.getSQLType())}`))
  const updates = list(
    [...columns.filter((c) => c.name !== 'id' && c.name !== 'order_id'), { name: 'synced_at' }].map(
      (c) => sql`${ident(c.name)} = excluded.${ident(c.name)}`,
    ),
  )
  return sql`
    with sets as (
      select * from jsonb_to_recordset(${JSON.stringify(sets)}::jsonb) as s(order_id bigint, date_modified timestamptz)
    ), current_sets as (
      select s.order_id from sets s
      join ${orders} o on o.store_hash = ${storeHash} and o.id = s.order_id
        and o.date_modified is not distinct from s.date_modified
    ), incoming as (
      select x.* from jsonb_to_recordset(${JSON.stringify(items)}::jsonb) as x(${recordType})
      where x.order_id in (select order_id from current_sets)
    ), removed as (
      delete from ${target} t using current_sets c
      where t.store_hash = ${storeHash} and t.order_id = c.order_id
        and not exists (select 1 from incoming i where i.order_id = t.order_id and i.id = t.id)
      returning t.id
    ), written as (
      insert into ${target} as stored (store_hash, synced_at, ${list(names)})
      select ${storeHash}, now(), ${list(columns.map((c) => sql`x.${ident(c.name)}`))} from incoming x
      on conflict (store_hash, order_id, id) do update set ${updates}
      where stored.data is distinct from excluded.data
      returning stored.id
    ), notified_removed as (${notifyChanges(storeHash, table, 'delete', sql`removed`)}
    ), notified_written as (${notifyChanges(storeHash, table, 'upsert', sql`written`)})
    select (select count(*) from written)::int as written, (select count(*) from removed)::int as removed,
      (select count(*) from notified_removed)::int + (select count(*) from notified_written)::int as notified`
}

/** Whether any row carries children to write. */
export const hasChildren = (rows: ResourceRow[]) => rows.some((row) => row.children !== undefined)

/** Writes the children the rows carry; run after the rows' own upsert, in its transaction. */
export async function writeOrderChildren(
  tx: Executor,
  storeHash: string,
  rows: ResourceRow[],
): Promise<ChildWriteResult> {
  const total: ChildWriteResult = { written: 0, removed: 0 }
  for (const table of Object.keys(orderChildTables) as OrderChildTable[]) {
    const statement = childStatement(table, storeHash, rows)
    if (!statement) continue
    const [result] = await tx.execute<ChildWriteResult>(statement)
    total.written += result?.written ?? 0
    total.removed += result?.removed ?? 0
  }
  return total
}
