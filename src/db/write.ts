// The write path every sweep and the webhook worker use. All guards live in SQL so that any
// number of writers (sweeps, workers, several processes) can race safely:
// - a row is replaced only when the incoming date_modified is not older than the stored one
//   (equal replaces: timestamps have one-second resolution and a refetch is the freshest truth);
//   coupons, which have no date_modified, always replace;
// - a tombstone in `deletions` stops only reads that began before the deletion, so a stale read
//   can never bring a deleted row back, while a row that a later read sees in the store comes back
//   (and its tombstone goes): a wrongful deletion heals on the next read;
// - identical rows are neither rewritten nor locked (no churn in WAL or `synced_at` for unchanged
//   data: the webhook worker refetches the same rows again and again);
// - a row that could be stored (written or not) clears its `rejected_rows` entry;
// - the rows a statement really wrote or deleted are announced on the change feed (changes.ts).
// Rows travel as one JSON parameter per batch (jsonb_to_recordset): one round trip, no
// parameter-count limit, the same on PGlite and postgres.js.
import { getTableColumns, sql, type SQL } from 'drizzle-orm'
import type { PgColumn } from 'drizzle-orm/pg-core'
import { notifyChanges } from './changes.ts'
import { deletions, rejectedRows, resourceTables, type ResourceName } from './schema.ts'
import type { Database, Executor } from './database.ts'
import { hasChildren, writeChildren } from './write-children.ts'
import type { ResourceRow } from './rows.ts'

export const DEFAULT_BATCH_SIZE = 500

export interface UpsertOptions {
  /** When the read that returned the rows began; tombstones at or after it stop the rows. */
  fetchedAt?: Date
  batchSize?: number
}

export interface UpsertResult {
  /** Rows inserted or replaced. */
  written: number
  /** Rows left as they were: identical, older than the stored row, or deleted (tombstoned). */
  unchanged: number
}

/** Columns the caller provides (everything but the key's store_hash and synced_at). */
function rowColumns(resource: ResourceName): PgColumn[] {
  return Object.values(getTableColumns(resourceTables[resource])).filter(
    (column) => column.name !== 'store_hash' && column.name !== 'synced_at',
  )
}

const ident = (name: string) => sql.raw(`"${name}"`)
const list = (parts: SQL[]) => sql.join(parts, sql`, `)

/** Keeps one row per id (the newest; a later one wins a tie), as ON CONFLICT needs. */
export function dedupeById(rows: ResourceRow[]): ResourceRow[] {
  const byId = new Map<number, ResourceRow>()
  for (const row of rows) {
    const held = byId.get(row.id)
    const newer =
      !held || !held.date_modified || !row.date_modified || row.date_modified >= held.date_modified
    if (newer) byId.set(row.id, row)
  }
  return [...byId.values()]
}

function toRecord(row: ResourceRow, columns: PgColumn[]): Record<string, unknown> {
  const record: Record<string, unknown> = {}
  for (const column of columns) record[column.name] = row[column.name] ?? null
  return record
}

function upsertStatement(
  resource: ResourceName,
  storeHash: string,
  rows: ResourceRow[],
  fetchedAt: Date,
): SQL {
  const table = resourceTables[resource]
  const columns = rowColumns(resource)
  const names = columns.map((c) => ident(c.name))
  const recordType = list(columns.map((c) => sql`${ident(c.name)} ${sql.raw(c.getSQLType())}`))
  const payload = JSON.stringify(rows.map((row) => toRecord(row, columns)))
  const updates = list(
    [...columns.filter((c) => c.name !== 'id'), { name: 'synced_at' }].map(
      (c) => sql`${ident(c.name)} = excluded.${ident(c.name)}`,
    ),
  )
  return sql`
    with incoming as (
      select * from jsonb_to_recordset(${payload}::jsonb) as x(${recordType})
    ), written as (
      insert into ${table} as stored (store_hash, synced_at, ${list(names)})
      select ${storeHash}, now(), ${list(columns.map((c) => sql`x.${ident(c.name)}`))}
      from incoming x
      where not exists (
        select 1 from ${deletions} d
        where d.store_hash = ${storeHash} and d.resource = ${resource} and d.id = x.id
          and d.deleted_at >= ${fetchedAt.toISOString()}::timestamptz
      )
      -- An identical stored row is left out here, not by the ON CONFLICT's WHERE: a conflict
      -- locks its row first (a WAL record and a transaction to commit) even when nothing changes.
      and x.data is distinct from (
        select s.data from ${table} s
        where s.store_hash = ${storeHash} and s.id = x.id
          and s.date_modified is not distinct from x.date_modified
      )
      on conflict (store_hash, id) do update set ${updates}
      where (stored.date_modified is null or excluded.date_modified is null
             or stored.date_modified <= excluded.date_modified)
        and (stored.data is distinct from excluded.data
             or stored.date_modified is distinct from excluded.date_modified)
      returning stored.id
    ), restored as (
      delete from ${deletions} d using written w
      where d.store_hash = ${storeHash} and d.resource = ${resource} and d.id = w.id
    ), accepted as (
      -- Every row of a statement that succeeds was storable: its rejected_rows entry goes.
      -- (fingerprint is the id as text for entries with an id, and it is what the index holds.)
      delete from ${rejectedRows} r using incoming x
      where r.store_hash = ${storeHash} and r.resource = ${resource} and r.fingerprint = x.id::text
    ), notified as (${notifyChanges(storeHash, resource, 'upsert', sql`written`)})
    select (select count(*) from written)::int as written, (select count(*) from notified)::int as notified`
}

/** Writes rows of one resource in batches of any size; returns what changed. */
export async function upsertRows(
  db: Executor,
  resource: ResourceName,
  storeHash: string,
  rows: ResourceRow[],
  options: UpsertOptions = {},
): Promise<UpsertResult> {
  // In id order, so concurrent writers lock shared rows in one order: pages of rows that share a
  // date_modified can hold the same rows in any order (docs/bigcommerce-api.md, "Clocks, date
  // bounds and ordering"), and two such upserts locking them crosswise deadlock.
  const unique = dedupeById(rows).sort((a, b) => a.id - b.id)
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE
  const fetchedAt = options.fetchedAt ?? new Date()
  let written = 0
  for (let start = 0; start < unique.length; start += batchSize) {
    const batch = unique.slice(start, start + batchSize)
    const statement = upsertStatement(resource, storeHash, batch, fetchedAt)
    const [result] = hasChildren(batch)
      ? await inTransaction(db, async (tx) => {
          const rows = await tx.execute<{ written: number }>(statement)
          await writeChildren(tx, resource, storeHash, batch)
          return rows
        })
      : await db.execute<{ written: number }>(statement)
    written += result?.written ?? 0
  }
  return { written, unchanged: rows.length - written }
}

/** Runs `fn` in a transaction when `db` can open one (else `db` already is one). */
function inTransaction<T>(db: Executor, fn: (tx: Executor) => Promise<T>): Promise<T> {
  return canBegin(db) ? db.transaction(fn) : fn(db)
}
const canBegin = (db: Executor): db is Database => 'transaction' in db

export interface DeleteOptions {
  /**
   * When the read that confirmed the deletion began; defaults to now. Reads that began before it
   * cannot bring the row back; reads after it that find the row restore it.
   */
  deletedAt?: Date
}

/**
 * Deletes rows the store no longer has and records their tombstones (also for ids the mirror
 * never held, so a stale read cannot insert them later). Returns how many rows were removed.
 */
export async function deleteRows(
  db: Executor,
  resource: ResourceName,
  storeHash: string,
  ids: number[],
  options: DeleteOptions = {},
): Promise<number> {
  if (ids.length === 0) return 0
  const table = resourceTables[resource]
  const deletedAt = (options.deletedAt ?? new Date()).toISOString()
  const [result] = await db.execute<{ deleted: number }>(sql`
    with ids as (
      select distinct value::bigint as id from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)
    ), gone as (
      delete from ${table} t using ids
      where t.store_hash = ${storeHash} and t.id = ids.id
      returning t.id
    ), tombstones as (
      insert into ${deletions} (store_hash, resource, id, deleted_at)
      select ${storeHash}, ${resource}, ids.id, ${deletedAt}::timestamptz
      from ids
      on conflict (store_hash, resource, id)
        do update set deleted_at = greatest(${deletions.deleted_at}, excluded.deleted_at)
    ), notified as (${notifyChanges(storeHash, resource, 'delete', sql`gone`)})
    select (select count(*) from gone)::int as deleted, (select count(*) from notified)::int as notified`)
  return result?.deleted ?? 0
}
