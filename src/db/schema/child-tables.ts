// Every child table and its parent: one registry that the write path, status, the registry's purge
// and the resource declarations read, so a new child table is its table plus one line here. Each
// table's parent comes from its own definition (the cascading foreign key every child table has),
// so no resource is named twice.
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core'
import { getTableName } from 'drizzle-orm'
import { orderChildTables } from './order-children.ts'
import { customerAddresses, productVariants } from './resource-children.ts'
import { resourceTables, type ResourceName } from './resources.ts'

export const childTables = {
  ...orderChildTables,
  product_variants: productVariants,
  customer_addresses: customerAddresses,
} as const
export type ChildTable = keyof typeof childTables

/** A child table's parent resource and the column that names the parent row. */
export interface ChildParent {
  parent: ResourceName
  parentKey: string
}

/** The parent a child table's foreign key points at; a table without one is a mistake here. */
function parentOf(table: PgTable): ChildParent {
  const { name, foreignKeys } = getTableConfig(table)
  const reference = foreignKeys[0]?.reference()
  const parent = reference ? getTableName(reference.foreignTable) : undefined
  const parentKey = reference?.columns.find((column) => column.name !== 'store_hash')?.name
  if (!parent || !Object.hasOwn(resourceTables, parent) || !parentKey)
    throw new Error(`child table ${name} has no foreign key to a resource table`)
  return { parent: parent as ResourceName, parentKey }
}

/** Each child table's parent resource and the column that names the parent row. */
export const CHILD_PARENTS = Object.fromEntries(
  Object.entries(childTables).map(([name, table]) => [name, parentOf(table)]),
) as Readonly<Record<ChildTable, ChildParent>>
