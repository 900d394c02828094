// Helpers for the registry's tests: rows for a store in every table that holds stores' data
// (made from the schema's own column list, so a new table is covered without editing this), and
// a search of the whole database for a text.
import { getTableColumns, getTableName, sql } from 'drizzle-orm'
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core'
import type { Database } from '../../src/db/database.ts'
import { childTables } from '../../src/db/schema.ts'
import { storeDataTables } from '../../src/stores/registry.ts'

const CHILDREN = new Set<string>(Object.values(childTables).map((t) => getTableName(t)))

function sampleValue(column: PgColumn, storeHash: string): unknown {
  if (column.name === 'store_hash') return storeHash
  switch (column.columnType) {
    case 'PgText':
      return 'x'
    case 'PgBigInt53':
    case 'PgInteger':
      return 1
    case 'PgNumeric':
      return '1'
    case 'PgBoolean':
      return false
    case 'PgJsonb':
      return {}
    case 'PgTimestamp':
      return new Date()
    default:
      throw new Error(
        `no sample value for ${column.name} (${column.columnType}): teach sampleValue`,
      )
  }
}

/** One row for `storeHash` in every table with a store_hash column (orders before their children). */
export async function seedEveryStoreTable(db: Database, storeHash: string): Promise<string[]> {
  const tables = storeDataTables().sort(
    (a, b) => Number(CHILDREN.has(getTableName(a))) - Number(CHILDREN.has(getTableName(b))),
  )
  for (const table of tables) {
    const row: Record<string, unknown> = {}
    for (const [key, column] of Object.entries(getTableColumns(table))) {
      if (column.generated || (column.hasDefault && column.name !== 'store_hash')) continue
      if (column.notNull || column.name === 'id') row[key] = sampleValue(column, storeHash)
    }
    await db.orm.insert(table).values(row as never)
  }
  return tables.map((t) => getTableName(t))
}

export async function rowsOf(db: Database, table: PgTable, storeHash: string): Promise<number> {
  const [row] = await db.execute<{ n: number }>(
    sql`select count(*)::int as n from ${table} where store_hash = ${storeHash}`,
  )
  return Number(row?.n ?? 0)
}

/** Every row of every table outside PostgreSQL's own schemas, each as one text. */
export async function everyRowAsText(db: Database): Promise<string[]> {
  const tables = await db.execute<{ schemaname: string; tablename: string }>(sql`
    select schemaname, tablename from pg_tables
    where schemaname not in ('pg_catalog', 'information_schema')`)
  const texts: string[] = []
  for (const t of tables) {
    const name = `"${t.schemaname}"."${t.tablename}"`
    const rows = await db.execute<{ row: string }>(sql.raw(`select r::text as row from ${name} r`))
    texts.push(...rows.map((r) => `${name} ${r.row}`))
  }
  return texts
}

/** The token as text, hex and base64 (both alphabets): none may appear anywhere in the database. */
export function tokenForms(token: string): string[] {
  const bytes = Buffer.from(token)
  return [
    token,
    bytes.toString('hex'),
    bytes.toString('base64').replace(/=+$/, ''),
    bytes.toString('base64url'),
  ]
}
