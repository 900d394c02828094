// Writing a parent row's children (an order's line items, shipping addresses and coupons; a
// product's variants; a customer's addresses) inside the transaction that wrote the parent. A
// child set is written only when the parent's table now holds the very version the children were
// read with (same date_modified): the parent's own write won its guard, or the stored row was
// already that version. A set replaces the stored one: rows it no longer names are deleted,
// changed rows updated, identical rows left alone (no churn). The foreign key deletes children
// with their parent. Changed and removed children are announced on the change feed under their
// own table (changes.ts); children that go with their deleted parent are not named.
import { getTableColumns, sql, type SQL } from 'drizzle-orm'
import type { PgColumn } from 'drizzle-orm/pg-core'
import type { ResourceRow } from './rows.ts'
import { notifyChanges } from './changes.ts'
import type { Executor } from './database.ts'
import {
  CHILD_PARENTS,
  childTables,
  resourceTables,
  type ChildTable,
  type ResourceName,
} from './schema.ts'

const ident = (name: string) => sql.raw(`"${name}"`)
const list = (parts: SQL[]) => sql.join(parts, sql`, `)

/** Columns the caller provides: everything but store_hash and synced_at. */
function childColumns(table: ChildTable): PgColumn[] {
  return Object.values(getTableColumns(childTables[table])).filter(
    (c) => c.name !== 'store_hash' && c.name !== 'synced_at',
  )
}

export interface ChildWriteResult {
  written: number
  removed: number
}

/**
 * One table's children of `rows` as one statement (null when no row carries a set of them);
 * exported for the test that reads its plan. The rows a set no longer names are found with a
 * hashed `not in` (incoming keys are never null). A `not exists` against the incoming set was
 * planned as a nested loop (the planner cannot know the set's size) that compared every stored
 * child with every incoming one: 30 ms of PostgreSQL's CPU for 200 products' 391 variants
 * (docs/benchmarks.md, issue 23).
 */
export function childStatement(
  table: ChildTable,
  storeHash: string,
  rows: ResourceRow[],
): SQL | null {
  const { parent, parentKey } = CHILD_PARENTS[table]
  const sets: Array<{ parent_id: number; date_modified: string | null }> = []
  const items: Array<Record<string, unknown>> = []
  const columns = childColumns(table)
  for (const row of rows) {
    const set = row.children?.[table]
    if (set === undefined) continue
    sets.push({ parent_id: row.id, date_modified: row.date_modified?.toISOString() ?? null })
    const seen = new Set<number>()
    for (const child of set) {
      if (seen.has(child.id)) continue // ON CONFLICT may touch a row once per statement
      seen.add(child.id)
      const record: Record<string, unknown> = {}
      for (const c of columns)
        record[c.name] = c.name === parentKey ? row.id : (child[c.name] ?? null)
      items.push(record)
    }
  }
  if (sets.length === 0) return null
  const target = childTables[table]
  const key = ident(parentKey)
  const names = columns.map((c) => ident(c.name))
  const recordType = list(columns.map((c) => sql`${ident(c.name)} ${sql.raw(c.getSQLType())}`))
  const updates = list(
    [...columns.filter((c) => c.name !== 'id' && c.name !== parentKey), { name: 'synced_at' }].map(
      (c) => sql`${ident(c.name)} = excluded.${ident(c.name)}`,
    ),
  )
  return sql`
    with sets as (
      select * from jsonb_to_recordset(${JSON.stringify(sets)}::jsonb) as s(parent_id bigint, date_modified timestamptz)
    ), current_sets as (
      select s.parent_id from sets s
      join ${resourceTables[parent]} p on p.store_hash = ${storeHash} and p.id = s.parent_id
        and p.date_modified is not distinct from s.date_modified
    ), incoming as (
      select x.* from jsonb_to_recordset(${JSON.stringify(items)}::jsonb) as x(${recordType})
      where x.${key} in (select parent_id from current_sets)
    ), removed as (
      delete from ${target} t using current_sets c
      where t.store_hash = ${storeHash} and t.${key} = c.parent_id
        and (t.${key}, t.id) not in (select i.${key}, i.id from incoming i)
      returning t.id
    ), written as (
      insert into ${target} as stored (store_hash, synced_at, ${list(names)})
      select ${storeHash}, now(), ${list(columns.map((c) => sql`x.${ident(c.name)}`))} from incoming x
      -- Identical rows are left out before the ON CONFLICT, which would lock each (issue 23).
      where x.data is distinct from (
        select s.data from ${target} s
        where s.store_hash = ${storeHash} and s.${key} = x.${key} and s.id = x.id
      )
      on conflict (store_hash, ${key}, id) do update set ${updates}
      where stored.data is distinct from excluded.data
      returning stored.id
    ), notified_removed as (${notifyChanges(storeHash, table, 'delete', sql`removed`)}
    ), notified_written as (${notifyChanges(storeHash, table, 'upsert', sql`written`)})
    select (select count(*) from written)::int as written, (select count(*) from removed)::int as removed,
      (select count(*) from notified_removed)::int + (select count(*) from notified_written)::int as notified`
}

/** The child tables whose parent is `resource`. */
const childTablesOf = (resource: ResourceName) =>
  (Object.keys(childTables) as ChildTable[]).filter((t) => CHILD_PARENTS[t].parent === resource)

/** Throws when a row carries a set for a table that is not among `own`, `resource`'s child tables. */
function refuseForeignSets(resource: ResourceName, own: ChildTable[], rows: ResourceRow[]): void {
  for (const row of rows) {
    const foreign = Object.keys(row.children ?? {}).find(
      (table) => !own.includes(table as ChildTable),
    )
    if (foreign === undefined) continue
    const expected = own.length > 0 ? own.join(', ') : 'none'
    throw new Error(
      `${resource} row ${row.id} carries children for ${foreign}, which is not a child table of ` +
        `${resource} (its child tables: ${expected})`,
    )
  }
}

/** Whether any row carries children to write. */
export const hasChildren = (rows: ResourceRow[]) => rows.some((row) => row.children !== undefined)

/**
 * Writes the children the rows of `resource` carry; run after the rows' own upsert, in its
 * transaction. A set for another resource's table is refused before anything is written: its
 * statement would join that table's parent on the row's id, and so put the set under an
 * unrelated parent that shares the id and the date_modified.
 */
export async function writeChildren(
  tx: Executor,
  resource: ResourceName,
  storeHash: string,
  rows: ResourceRow[],
): Promise<ChildWriteResult> {
  const own = childTablesOf(resource)
  refuseForeignSets(resource, own, rows)
  const total: ChildWriteResult = { written: 0, removed: 0 }
  for (const table of own) {
    const statement = childStatement(table, storeHash, rows)
    if (!statement) continue
    const [result] = await tx.execute<ChildWriteResult>(statement)
    total.written += result?.written ?? 0
    total.removed += result?.removed ?? 0
  }
  return total
}
