// The child-table contract (src/db/schema/child-tables.ts), read from each table's own definition:
// every registered child table, and one the builder makes for a parent that has none, is keyed
// (store_hash, <parent>_id, id), holds `data` and `synced_at`, and hangs off a resource table by
// a foreign key that deletes it with its parent. The write path reads the parent from that key.
import { getTableName } from 'drizzle-orm'
import { getTableConfig, text, type PgTable } from 'drizzle-orm/pg-core'
import { describe, expect, it } from 'vitest'
import {
  brands,
  CHILD_PARENTS,
  childParentOf,
  childTable,
  childTables,
  resourceTables,
  type ChildParent,
} from '../../src/db/schema.ts'

/** What the contract says of one table, in the terms getTableConfig reports. */
function contractOf(table: PgTable, { parent, parentKey }: ChildParent) {
  const config = getTableConfig(table)
  const column = (name: string) => {
    const found = config.columns.find((c) => c.name === name)
    return (
      found && { type: found.getSQLType(), notNull: found.notNull, hasDefault: found.hasDefault }
    )
  }
  return {
    schema: config.schema,
    key: column(parentKey),
    id: column('id'),
    store_hash: column('store_hash'),
    data: column('data'),
    synced_at: column('synced_at'),
    primaryKeys: config.primaryKeys.map((pk) => ({
      name: pk.getName(),
      columns: pk.columns.map((c) => c.name),
    })),
    foreignKeys: config.foreignKeys.map((fk) => {
      const reference = fk.reference()
      return {
        name: fk.getName(),
        columns: reference.columns.map((c) => c.name),
        table: getTableName(reference.foreignTable),
        foreignColumns: reference.foreignColumns.map((c) => c.name),
        onDelete: fk.onDelete,
      }
    }),
    parentIsResource: Object.hasOwn(resourceTables, parent),
  }
}

/** The contract for a table of `name` under `parent`, with drizzle's default constraint names. */
function expectedContract(name: string, { parent, parentKey }: ChildParent) {
  const bigintKey = { type: 'bigint', notNull: true, hasDefault: false }
  return {
    schema: 'bigcommerce',
    key: bigintKey,
    id: bigintKey,
    store_hash: { type: 'text', notNull: true, hasDefault: false },
    data: { type: 'jsonb', notNull: true, hasDefault: false },
    synced_at: { type: 'timestamp with time zone', notNull: true, hasDefault: true },
    primaryKeys: [
      { name: `${name}_store_hash_${parentKey}_id_pk`, columns: ['store_hash', parentKey, 'id'] },
    ],
    foreignKeys: [
      {
        name: `${name}_store_hash_${parentKey}_${parent}_store_hash_id_fk`,
        columns: ['store_hash', parentKey],
        table: parent,
        foreignColumns: ['store_hash', 'id'],
        onDelete: 'cascade',
      },
    ],
    parentIsResource: true,
  }
}

describe('the child-table contract', () => {
  it('holds for every registered child table, whose parent is read from its foreign key', () => {
    expect(Object.keys(childTables).length).toBeGreaterThan(0)
    for (const [name, table] of Object.entries(childTables)) {
      const parent = CHILD_PARENTS[name as keyof typeof childTables]
      expect(getTableConfig(table).name).toBe(name)
      expect(contractOf(table, parent)).toEqual(expectedContract(name, parent))
    }
  })

  it('is what the builder gives a table for a parent that has no children yet', () => {
    const brandNotes = childTable('brand_notes', {
      parent: brands,
      parentKey: 'brand_id',
      columns: { note: text('note') },
    })
    const parent = childParentOf(brandNotes)
    expect(parent).toEqual({ parent: 'brands', parentKey: 'brand_id' })
    expect(contractOf(brandNotes, parent)).toEqual(expectedContract('brand_notes', parent))
    expect(getTableConfig(brandNotes).columns.map((c) => c.name)).toEqual([
      'store_hash',
      'brand_id',
      'id',
      'data',
      'synced_at',
      'note',
    ])
  })

  it('cannot be bent: a child table may not redefine a column of the contract', () => {
    const redefining = () =>
      childTable('brand_notes', {
        parent: brands,
        parentKey: 'brand_id',
        columns: { data: text('data') },
      })
    expect(redefining).toThrow("child table brand_notes redefines the contract's column data")
  })
})
